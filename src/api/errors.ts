import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../domain/errors.js';

/** The only place error codes meet HTTP statuses. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  MARKET_DATA_UNAVAILABLE: 503,
  MARKET_DATA_INVALID: 502,
  RATE_LIMITED: 503,
  VENUE_BANNED: 503,
  UNKNOWN_SYMBOL: 404,
  INSUFFICIENT_DATA: 422,
  VALIDATION_ERROR: 422,
  CONFIG_INVALID: 500,
  MODEL_INCOMPATIBLE: 500,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  TRADING_HALTED: 409,
  MARKET_CLOSED: 409,
  STORE_UNAVAILABLE: 503,
  AGENT_FAILED: 500,
  LLM_UNAVAILABLE: 503,
  NOTIFIER_UNAVAILABLE: 503,
  QUEUE_UNAVAILABLE: 503,
  BAD_REQUEST: 400,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  HEADERS_TOO_LARGE: 431,
  TOO_MANY_REQUESTS: 429,
  SHUTTING_DOWN: 503,
  INTERNAL_ERROR: 500,
};

/** Body of every error response: `{error: {code, message, details}}`; the codes are the catalogue's. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]).meta({ example: 'UNKNOWN_SYMBOL' }),
      message: z.string(),
      details: z
        .record(z.string(), z.unknown())
        .meta({ description: 'What was expected and seen (field, limits, retry_after_s); {} when nothing more is known' }),
    }),
  })
  .meta({ id: 'Error' });
