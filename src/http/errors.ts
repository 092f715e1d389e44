// AppError and the one error handler: every failure becomes problem+json with a stable code, 5xx details stay in the log.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, type FieldError } from '../core/errors.js';

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Fastify's own client errors, mapped to codes; their messages are safe to show. */
const fastifyCodes: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_BAD_URL: 'bad_request',
  FST_ERR_ASYNC_CONSTRAINT: 'bad_request',
};

export function sendProblem(
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): FastifyReply {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: `urn:eventday:problem:${code}`, title: titles[status] ?? 'Error', status, detail, code, ...extra });
}

function validationErrors(error: FastifyError): FieldError[] {
  const list = error.validation ?? [];
  return list.map((v) => {
    const issue = (v.params as { issue?: { path?: PropertyKey[]; message?: string; code?: string; keys?: string[] } } | undefined)?.issue;
    const context = error.validationContext ?? 'body';
    const basePath = issue?.path?.map(String) ?? v.instancePath.split('/').filter(Boolean);
    if (issue?.code === 'unrecognized_keys' && issue.keys) {
      return { field: [context, ...basePath].join('.'), message: `unknown field(s): ${issue.keys.join(', ')}` };
    }
    return { field: [context, ...basePath].join('.'), message: issue?.message ?? v.message ?? 'invalid' };
  });
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof AppError) {
      if (error.statusCode >= 500) request.log.error({ err: error }, 'service error');
      return sendProblem(reply, error.statusCode, error.code, error.detail, error.extra);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = validationErrors(error);
      const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      return sendProblem(reply, 400, 'validation_failed', detail || 'the request is not valid', { errors });
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, 'response did not match its schema');
      return sendProblem(reply, 500, 'internal_error', 'an internal error occurred; it has been logged');
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      const code = (error.code && fastifyCodes[error.code]) ?? (status === 429 ? 'rate_limited' : status === 413 ? 'payload_too_large' : 'bad_request');
      return sendProblem(reply, status, code, error.message);
    }
    request.log.error({ err: error }, 'unexpected error');
    return sendProblem(reply, 500, 'internal_error', 'an internal error occurred; it has been logged');
  });

  app.setNotFoundHandler((request, reply) => {
    sendProblem(reply, 404, 'not_found', `no route for ${request.method} ${request.url.split('?')[0]}`);
  });
}
