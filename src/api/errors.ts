import { z } from 'zod';
import type { ErrorCode } from '../domain/errors.js';

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
  STORE_UNAVAILABLE: 503,
  AGENT_FAILED: 500,
  LLM_UNAVAILABLE: 503,
  NOTIFIER_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
};

/** Body of every error response: `{error: {code, message, details}}`. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'UNKNOWN_SYMBOL' }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });
