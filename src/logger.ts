// The pino logger: request ids, secrets redacted, and no URL query (search terms name people) in the log.
import pino, { type Logger } from 'pino';

export const redactPaths = [
  'req.headers.authorization',
  'req.headers["sec-websocket-protocol"]',
  'req.headers.cookie',
  'token',
  '*.token',
  'body.code',
  'scan.code',
  'badge.code',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      serializers: {
        req(req: { id: string; method: string; url: string; ip?: string }) {
          return { id: req.id, method: req.method, path: req.url.split('?')[0], ip: req.ip };
        },
        res(res: { statusCode: number }) {
          return { statusCode: res.statusCode };
        },
      },
    },
    destination,
  );
}
