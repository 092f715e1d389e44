// Shared by the reliability scripts and tests: a real server process on a temp database, a keep-alive HTTP client, flags, quantiles, metrics.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { numberFlag, parseCommandLine } from '../cli.js';

/** True when this runs as compiled JavaScript from dist/ (a production install has no tsx). */
const COMPILED = import.meta.url.endsWith('.js');

/** The repository (or install) folder: scripts/reliability/ is two levels down, dist/scripts/reliability/ three. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', ...(COMPILED ? ['..'] : []));

/** How the server is started: the compiled entry next to compiled scripts, the TypeScript through tsx otherwise. */
const SERVER_ARGS = COMPILED ? ['dist/src/server.js'] : ['--import', 'tsx', 'src/server.ts'];

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A port that was free a moment ago (the server binds it right after; on loopback the race is harmless). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when the process was seen to exit. */
  at: number;
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  base: string;
  exited: Promise<ServerExit>;
  /** The last lines the process wrote (stdout and stderr), for failure messages. */
  output(): string;
}

export interface ServerOptions {
  dbFile: string;
  adminToken: string;
  port?: number;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

/**
 * `node --import tsx src/server.ts` (or `node dist/src/server.js` from a build) as one process
 * (not through npx, whose signals would not reach the server), resolved once /readyz answers 200.
 */
export async function startServer(opts: ServerOptions): Promise<ServerProcess> {
  const port = opts.port ?? (await freePort());
  const child = spawn(process.execPath, SERVER_ARGS, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      EVENTDAY_DB: opts.dbFile,
      // Keys beside the database: a test or a bench never writes into the repository's data/.
      EVENTDAY_KEY_DIR: path.join(path.dirname(opts.dbFile), 'keys'),
      EVENTDAY_ADMIN_TOKEN: opts.adminToken,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(line);
    if (lines.length > 50) lines.splice(0, lines.length - 50);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<ServerExit>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() }));
  });
  let gone = false;
  void exited.then(() => (gone = true));
  const server: ServerProcess = { child, port, base: `http://127.0.0.1:${port}`, exited, output: () => lines.join('\n') };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (gone) throw new Error(`server exited before it was ready:\n${server.output()}`);
    const ready = await httpGet(`${server.base}/readyz`).catch(() => null);
    if (ready === 200) return server;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`server not ready within ${opts.readyTimeoutMs ?? 60_000} ms:\n${server.output()}`);
}

function httpGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export interface Reply {
  status: number;
  body: string;
  ms: number;
}

/** How a request ended when no complete answer came back. */
export class TransportError extends Error {
  constructor(
    readonly code: string,
    /** True when response headers had arrived and the body was cut off. */
    readonly truncated: boolean,
  ) {
    super(`${code}${truncated ? ' (answer cut off)' : ''}`);
    this.name = 'TransportError';
  }
}

/** A keep-alive JSON client against one server; every request has a deadline. */
export class Client {
  readonly agent: http.Agent;

  constructor(
    private readonly port: number,
    maxSockets = 16,
    private readonly timeoutMs = 30_000,
  ) {
    // Idle sockets are dropped before the server's 5 s keep-alive timeout would close them under a request.
    this.agent = new http.Agent({ keepAlive: true, maxSockets, timeout: 4_000 });
  }

  request(method: string, url: string, opts: { token?: string; body?: unknown; raw?: string; contentType?: string } = {}): Promise<Reply> {
    const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const headers: Record<string, string | number> = {};
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    if (payload !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    const started = performance.now();
    return new Promise<Reply>((resolve, reject) => {
      let answered = false;
      const req = http.request({ host: '127.0.0.1', port: this.port, method, path: url, headers, agent: this.agent }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (!res.complete) reject(new TransportError('ECUTOFF', true));
          else resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: performance.now() - started });
        });
        res.on('error', (err: NodeJS.ErrnoException) => reject(new TransportError(err.code ?? err.message, true)));
        res.on('close', () => {
          if (!res.complete) reject(new TransportError('ECUTOFF', true));
        });
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => reject(new TransportError(err.code ?? err.message, answered)));
      req.end(payload);
    });
  }

  async json<T>(method: string, url: string, opts: { token?: string; body?: unknown; expect?: number } = {}): Promise<T> {
    const reply = await this.request(method, url, opts);
    const expect = opts.expect ?? (method === 'POST' ? 201 : 200);
    if (reply.status !== expect) throw new Error(`${method} ${url}: expected ${expect}, got ${reply.status} ${reply.body.slice(0, 300)}`);
    return (reply.body === '' ? null : JSON.parse(reply.body)) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * `--name value` flags with numeric defaults, parsed by node:util parseArgs: `--help` prints the
 * usage (exit 0); an unknown flag, a positional or a value that is not a non-negative number is a
 * usage error (exit 2).
 */
export function numericFlags<T extends Record<string, number>>(argv: string[], defaults: T, usage: string, extra: string[] = []): T {
  const options = Object.fromEntries([
    ...Object.keys(defaults).map((name) => [name, { type: 'string' as const }]),
    ...extra.map((name) => [name, { type: 'boolean' as const }]),
  ]) as Record<string, { type: 'string' } | { type: 'boolean' }>;
  const { values } = parseCommandLine(usage, { options }, { min: 0, max: 0 }, argv);
  const out: Record<string, number> = { ...defaults };
  for (const name of Object.keys(defaults)) out[name] = numberFlag(usage, name, values[name] as string | undefined, defaults[name]!);
  return out as T;
}

export function quantile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** Values of one Prometheus metric (first sample whose labels contain `labels`). */
export function promValue(text: string, name: string, labels = ''): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    if (labels !== '' && !rest.includes(labels)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) return value;
  }
  return null;
}
