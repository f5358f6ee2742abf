import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../domain/errors.js';

/** One entry of the error catalogue as the API shows it. */
export interface CatalogueEntry {
  readonly status: number;
  /** The domain catalogue's summary (src/domain/errors.ts): what the code means. */
  readonly description: string;
  /** A body this code is really answered with: the message and details the code's raiser writes. */
  readonly example: { readonly message: string; readonly details: Readonly<Record<string, unknown>> };
}

/**
 * The only place error codes meet HTTP statuses, with an example answer for each: `/openapi.json` lists every
 * route's codes from here (src/api/openapi-errors.ts), and README "HTTP API" refers to it.
 */
export const ERROR_CATALOGUE: Readonly<Record<ErrorCode, Omit<CatalogueEntry, 'description'>>> = {
  MARKET_DATA_UNAVAILABLE: {
    status: 503,
    example: {
      message: 'binance /api/v3/klines: no answer within 8000 ms (VENUE_DEADLINE_MS)',
      details: { venue: 'binance', symbol: 'BTCUSDT' },
    },
  },
  MARKET_DATA_INVALID: {
    status: 502,
    example: {
      message:
        'binance BTCUSDT: the newest candle closes at 86421, 100% from 43210.5 (the live price or the newest candle moved more than MAX_PRICE_JUMP from the last closed candle)',
      details: { venue: 'binance', symbol: 'BTCUSDT', reason: 'PRICE_JUMP' },
    },
  },
  RATE_LIMITED: {
    status: 503,
    example: {
      message: 'binance: HTTP 429 (Retry-After 30 s)',
      details: { venue: 'binance', retry_after_ms: 30_000 },
    },
  },
  VENUE_BANNED: {
    status: 503,
    example: { message: 'binance banned this IP (HTTP 418); Retry-After 120 s', details: { venue: 'binance' } },
  },
  UNKNOWN_SYMBOL: {
    status: 404,
    example: { message: 'binance does not list symbol "FOOUSDT"', details: { venue: 'binance', symbol: 'FOOUSDT' } },
  },
  INSUFFICIENT_DATA: {
    status: 422,
    example: { message: 'binance BTCUSDT: 12 1h candles answered, 60 needed', details: { venue: 'binance', symbol: 'BTCUSDT' } },
  },
  VALIDATION_ERROR: {
    status: 422,
    example: {
      message: 'querystring.limit: Too big: expected number to be <=100',
      details: { field: 'querystring.limit', issues: [{ path: '/limit', message: 'Too big: expected number to be <=100' }] },
    },
  },
  CONFIG_INVALID: {
    status: 500,
    example: { message: 'Telegram sending needs TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID', details: { field: 'TELEGRAM_BOT_TOKEN' } },
  },
  MODEL_INCOMPATIBLE: {
    status: 500,
    example: {
      message: 'model file data/models/model.json: trained on 12 features, the feature set has 14',
      details: { path: 'data/models/model.json' },
    },
  },
  NOT_FOUND: { status: 404, example: { message: 'symbol 7: not on your list', details: { id: 7 } } },
  CONFLICT: { status: 409, example: { message: 'symbol BTCUSDT is already on your list', details: { symbol: 'BTCUSDT' } } },
  UNAUTHORIZED: {
    status: 401,
    example: { message: 'GET /api/symbols: a bearer token is required (POST /api/auth/login)', details: {} },
  },
  FORBIDDEN: {
    status: 403,
    example: {
      message:
        'PUT /api/strategies/enable-map: operators only (it changes what every account shares); ask an operator, or see OPERATORS / `conclave user grant-operator`',
      details: {},
    },
  },
  TRADING_HALTED: {
    status: 409,
    example: { message: 'trading is halted for this account: MAX_DRAWDOWN 15.2% > 15%', details: { reason: 'MAX_DRAWDOWN' } },
  },
  MARKET_CLOSED: {
    status: 409,
    example: {
      message: 'market closed for AAPL: regular session 2026-01-05T14:30:00.000Z .. 2026-01-05T21:00:00.000Z',
      details: { symbol: 'AAPL' },
    },
  },
  STORE_UNAVAILABLE: {
    status: 503,
    example: {
      message: 'store: database unavailable (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:5432)',
      details: { code: 'ECONNREFUSED' },
    },
  },
  AGENT_FAILED: { status: 500, example: { message: 'decision agent answered no Decision for BTCUSDT', details: {} } },
  LLM_UNAVAILABLE: {
    status: 503,
    example: { message: 'LLM endpoint answered HTTP 502: Bad Gateway', details: { status: 502 } },
  },
  NOTIFIER_UNAVAILABLE: {
    status: 503,
    example: {
      message: 'Telegram rejected sendMessage (HTTP 401): Unauthorized',
      details: { status: 401, description: 'Unauthorized' },
    },
  },
  QUEUE_UNAVAILABLE: {
    status: 503,
    example: {
      message:
        'REDIS_URL=redis://127.0.0.1:6379/0 is unreachable (no answer within 2000 ms); start Redis, or unset REDIS_URL to run cycles in this process',
      details: { timeout_ms: 2000 },
    },
  },
  BAD_REQUEST: {
    status: 400,
    example: {
      message: "Body is not valid JSON but content-type is set to 'application/json'",
      details: { reason: 'FST_ERR_CTP_INVALID_JSON_BODY' },
    },
  },
  REQUEST_TIMEOUT: {
    status: 408,
    example: { message: 'the request was not received in full within the deadline (HTTP_REQUEST_TIMEOUT_MS)', details: {} },
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    example: { message: 'Request body is too large', details: { reason: 'FST_ERR_CTP_BODY_TOO_LARGE' } },
  },
  URI_TOO_LONG: {
    status: 414,
    example: { message: 'URI Too Long', details: { reason: 'FST_ERR_MAX_PARAM_LENGTH' } },
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    example: { message: 'Unsupported Media Type', details: { reason: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' } },
  },
  HEADERS_TOO_LARGE: { status: 431, example: { message: 'request headers larger than the server accepts', details: {} } },
  TOO_MANY_REQUESTS: {
    status: 429,
    example: { message: 'auth: more than 10 requests per window; retry in 42 seconds', details: { retry_after_s: 42, limit: 10 } },
  },
  SHUTTING_DOWN: {
    status: 503,
    example: { message: 'GET /api/symbols: the server is shutting down; retry on another instance', details: {} },
  },
  INTERNAL_ERROR: { status: 500, example: { message: 'unexpected failure; see the server log', details: {} } },
};

/** The catalogue entry of a code, with the domain's description. */
export function catalogueEntry(code: ErrorCode): CatalogueEntry {
  return { ...ERROR_CATALOGUE[code], description: ERROR_CODES[code].summary };
}

/** Status by code, as every error answer uses it. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = Object.fromEntries(
  Object.entries(ERROR_CATALOGUE).map(([code, entry]) => [code, entry.status]),
) as Record<ErrorCode, number>;

/** Body of every error response: `{error: {code, message, details}}`; the codes are the catalogue's. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z
        .enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]])
        .describe("A code of the error catalogue; each operation's error responses list the codes it answers with"),
      message: z.string().describe('What was expected and what was seen, for a human'),
      details: z
        .record(z.string(), z.unknown())
        .meta({ description: 'What was expected and seen (field, limits, retry_after_s); {} when nothing more is known', example: {} }),
    }),
  })
  .meta({ id: 'Error', example: { error: { code: 'NOT_FOUND', ...ERROR_CATALOGUE.NOT_FOUND.example } } });
