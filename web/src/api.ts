// The pages' REST helper: bearer token, JSON bodies, and problem+json answers turned into ApiError.
import type { Problem } from '../../src/contract/index.js';

/** A problem body as the pages handle it: `errors` always present (empty when the server sent none). */
export type ProblemDetails = Omit<Problem, 'errors'> & { errors: NonNullable<Problem['errors']> };

/** A failed API call. `status` 0 means the request never got an answer (network down, server gone). */
export class ApiError extends Error implements ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly errors: ProblemDetails['errors'];
  /** Every field of the problem body, for the codes that carry more (`conflictingSessionId`, `warnings`). */
  readonly body: Readonly<Record<string, unknown>>;

  constructor(problem: ProblemDetails, body: Readonly<Record<string, unknown>> = {}) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = 'ApiError';
    this.type = problem.type;
    this.title = problem.title;
    this.status = problem.status;
    this.detail = problem.detail;
    this.code = problem.code;
    this.errors = problem.errors;
    this.body = body;
  }

  /** Worth retrying later with the same idempotency key: no answer, or the server failed. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface ApiInit {
  method?: string;
  /** Sent as an application/json body. */
  json?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface ApiClient {
  /** Answers the parsed JSON body (undefined for an empty answer); throws ApiError otherwise. */
  api<T>(path: string, init?: ApiInit): Promise<T>;
  blob(path: string, init?: ApiInit): Promise<Blob>;
}

export interface ApiOptions {
  fetch: FetchLike;
  token: () => string | null;
  onUnauthorized?: (error: ApiError) => void;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const text = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);

// A problem body is read field by field: a proxy or a crashed upstream may answer with anything.
async function problemOf(res: Response): Promise<{ problem: ProblemDetails; body: Record<string, unknown> }> {
  const fallback: ProblemDetails = {
    type: 'about:blank',
    title: res.statusText || `HTTP ${res.status}`,
    status: res.status,
    detail: '',
    code: `http_${res.status}`,
    errors: [],
  };
  const contentType = res.headers.get('content-type') ?? '';
  if (!contentType.includes('json')) return { problem: fallback, body: {} };
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    return { problem: fallback, body: {} };
  }
  if (!isRecord(body)) return { problem: fallback, body: {} };
  const errors = Array.isArray(body.errors)
    ? body.errors.filter(isRecord).map((e) => ({ field: text(e.field), message: text(e.message) }))
    : [];
  const problem: ProblemDetails = {
    type: text(body.type, fallback.type),
    title: text(body.title, fallback.title),
    status: typeof body.status === 'number' ? body.status : res.status,
    detail: text(body.detail),
    code: text(body.code, fallback.code),
    errors,
  };
  return { problem, body };
}

export function createApi(options: ApiOptions): ApiClient {
  const send = async (path: string, init: ApiInit, accept: string): Promise<Response> => {
    const headers: Record<string, string> = { accept, ...init.headers };
    const token = options.token();
    if (token) headers.authorization = `Bearer ${token}`;
    const request: RequestInit = { method: init.method ?? 'GET', headers, credentials: 'omit' };
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      request.body = JSON.stringify(init.json);
    }
    if (init.signal) request.signal = init.signal;
    let res: Response;
    try {
      res = await options.fetch(path, request);
    } catch (err) {
      if (isRecord(err) && err.name === 'AbortError') throw err;
      throw new ApiError({
        type: 'about:blank',
        title: 'No connection to the server',
        status: 0,
        detail: err instanceof Error ? err.message : String(err),
        code: 'network',
        errors: [],
      });
    }
    if (!res.ok) {
      const { problem, body } = await problemOf(res);
      const error = new ApiError(problem, body);
      if (error.status === 401) options.onUnauthorized?.(error);
      throw error;
    }
    return res;
  };

  return {
    async api<T>(path: string, init: ApiInit = {}): Promise<T> {
      const res = await send(path, init, 'application/json');
      if (res.status === 204) return undefined as T;
      const body = await res.text();
      return (body ? JSON.parse(body) : undefined) as T;
    },
    async blob(path: string, init: ApiInit = {}): Promise<Blob> {
      const res = await send(path, init, '*/*');
      return res.blob();
    },
  };
}
