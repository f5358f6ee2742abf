import { STATUS_CODES } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { type ErrorCode, isConclaveError } from '../domain/errors.js';
import { HTTP_STATUS } from './errors.js';

/** What every 4xx/5xx answer carries: a code from the one catalogue, a message, and details (never absent). */
export interface ErrorPayload {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly details: Readonly<Record<string, unknown>> };
}

export interface ErrorReply {
  readonly status: number;
  readonly body: ErrorPayload;
}

/**
 * Fastify's own 4xx (bad JSON, body too large, wrong content type, plugin refusals) carry FST_* codes that are
 * not API surface: their status picks the catalogue code, and the FST code goes into details for the log reader.
 */
const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'VALIDATION_ERROR',
  429: 'TOO_MANY_REQUESTS',
  431: 'HEADERS_TOO_LARGE',
};

export function errorReply(code: ErrorCode, message: string, details: Readonly<Record<string, unknown>> = {}): ErrorReply {
  return { status: HTTP_STATUS[code], body: { error: { code, message, details } } };
}

interface FastifyLikeError {
  readonly statusCode?: number;
  readonly code?: string;
  readonly message?: string;
}

/**
 * The one mapping from anything a request can throw to the documented error answer. Zod validation is 422 with
 * the field; a ConclaveError keeps its code; a framework 4xx gets the catalogue code of its status; anything else
 * is a 500 whose message hides internals (the log has the error).
 */
export function toErrorReply(error: unknown, log?: FastifyBaseLogger): ErrorReply {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const field = [error.validationContext, ...(first?.instancePath ?? '').split('/').filter(Boolean)].join('.');
    const missing = first?.params && 'issue' in first.params ? (first.params.issue as { path?: unknown[] }).path : undefined;
    const name = field || (Array.isArray(missing) ? missing.join('.') : 'request');
    return errorReply('VALIDATION_ERROR', `${name}: ${first?.message ?? 'invalid'}`, {
      field: name,
      issues: error.validation.map((v) => ({ path: v.instancePath, message: v.message })),
    });
  }
  if (isConclaveError(error)) {
    const reply = errorReply(error.code, error.message, error.details ?? {});
    if (reply.status >= 500) log?.warn({ code: error.code, err: error.message }, 'request failed');
    return reply;
  }
  const e = (error ?? {}) as FastifyLikeError;
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = CODE_BY_STATUS[status] ?? 'BAD_REQUEST';
    const message = e.message || STATUS_CODES[status] || 'bad request';
    return errorReply(code, message, typeof e.code === 'string' ? { reason: e.code } : {});
  }
  log?.error({ err: error }, 'unhandled error');
  return errorReply('INTERNAL_ERROR', 'unexpected failure; see the server log');
}

/**
 * A raw HTTP/1.1 answer for errors the socket sees before Fastify has a request (header overflow, request
 * timeout, unparseable request line), in the same shape and with the same security headers.
 */
export function rawErrorResponse(reply: ErrorReply, headers: Readonly<Record<string, string>>): string {
  const body = JSON.stringify(reply.body);
  const lines = [
    `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
