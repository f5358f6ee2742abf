import { describe, expect, it } from 'vitest';
import { toErrorReply } from '../../../src/api/error-reply.js';
import { HTTP_STATUS } from '../../../src/api/errors.js';
import { ConclaveError, ERROR_CODES, type ErrorCode } from '../../../src/domain/errors.js';

/** A framework error as Fastify and its plugins throw them: a status and an FST_* code. */
function frameworkError(statusCode: number, code: string, message = 'framework says no') {
  return Object.assign(new Error(message), { statusCode, code });
}

describe('toErrorReply: every failure becomes {error: {code, message, details}} with a catalogue code', () => {
  it.each([
    [400, 'FST_ERR_CTP_INVALID_JSON_BODY', 'BAD_REQUEST'],
    [403, 'FST_ERR_SOMETHING_FORBIDDEN', 'FORBIDDEN'],
    [404, 'FST_ERR_NOT_FOUND', 'NOT_FOUND'],
    [408, 'FST_ERR_TIMEOUT', 'REQUEST_TIMEOUT'],
    [413, 'FST_ERR_CTP_BODY_TOO_LARGE', 'PAYLOAD_TOO_LARGE'],
    [414, 'FST_ERR_MAX_PARAM_LENGTH', 'URI_TOO_LONG'],
    [415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE', 'UNSUPPORTED_MEDIA_TYPE'],
    [429, 'FST_ERR_RATE', 'TOO_MANY_REQUESTS'],
    [431, 'FST_ERR_HEADERS', 'HEADERS_TOO_LARGE'],
  ] as const)('a framework %i (%s) is %s, the FST code kept as the reason', (status, fst, code) => {
    const answer = toErrorReply(frameworkError(status, fst));
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ error: { code, message: 'framework says no', details: { reason: fst } } });
  });

  it('an unlisted 4xx is a 400 BAD_REQUEST (the status always matches the code)', () => {
    const answer = toErrorReply(frameworkError(418, 'FST_ERR_TEAPOT'));
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('BAD_REQUEST');
  });

  it('a ConclaveError keeps its code, message and details; no details is {}', () => {
    expect(toErrorReply(new ConclaveError('FORBIDDEN', 'not yours', { symbol_id: 3 }))).toEqual({
      status: 403,
      body: { error: { code: 'FORBIDDEN', message: 'not yours', details: { symbol_id: 3 } } },
    });
    expect(toErrorReply(new ConclaveError('QUEUE_UNAVAILABLE', 'redis down')).body.error.details).toEqual({});
  });

  it('anything else is a 500 INTERNAL_ERROR that hides its message', () => {
    const answer = toErrorReply(new TypeError('secret internals at /srv/db'));
    expect(answer.status).toBe(500);
    expect(answer.body.error.code).toBe('INTERNAL_ERROR');
    expect(answer.body.error.message).not.toMatch(/secret/);
  });

  it('every catalogue code has an HTTP status and the statuses of the edge codes are the standard ones', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) expect(HTTP_STATUS[code]).toBeGreaterThanOrEqual(400);
    expect(HTTP_STATUS.TOO_MANY_REQUESTS).toBe(429);
    expect(HTTP_STATUS.SHUTTING_DOWN).toBe(503);
    expect(HTTP_STATUS.QUEUE_UNAVAILABLE).toBe(503);
  });
});
