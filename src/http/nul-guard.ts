// Text with the NUL character is refused before any route runs, on either store: PostgreSQL's text cannot hold U+0000, and no name, code or id legitimately contains it.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../core/errors.js';

function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  // Bodies are at most EVENTDAY_BODY_LIMIT bytes; the depth bound only keeps a hostile nesting from costing a deep recursion.
  if (typeof value !== 'object' || value === null || depth > 64) return false;
  if (Array.isArray(value)) return value.some((item) => holdsNul(item, depth + 1));
  return Object.entries(value).some(([key, item]) => key.includes('\u0000') || holdsNul(item, depth + 1));
}

const refusal = (where: string): AppError =>
  new AppError('validation_failed', 400, `${where} contains the NUL character (U+0000), which no field may hold`, {
    errors: [{ field: where, message: 'contains U+0000' }],
  });

/** 400 `validation_failed` for a URL (path or query) or a JSON body that holds U+0000; nothing is read or written. */
export function registerNulGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (/%00/u.test(request.url) || request.url.includes('\u0000')) throw refusal('url');
    // A file upload (schedule, attendee CSV) arrives as a string or bytes: its own parser answers for it (`invalid_schedule`, row errors).
    if (typeof request.body === 'object' && !Buffer.isBuffer(request.body) && holdsNul(request.body)) throw refusal('body');
  });
}
