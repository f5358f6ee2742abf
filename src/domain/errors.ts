/**
 * The one catalogue of error codes. Codes are stable API surface; HTTP statuses are mapped only at the
 * API edge (src/api/errors.ts). `retry` says whether trying again can help:
 * - temporary: the same call may succeed later (venue down, timeout, rate limit)
 * - operational: needs an operator or different input (bad config, unknown symbol)
 * - agent: an agent failed inside a cycle
 */
export const ERROR_CODES = {
  MARKET_DATA_UNAVAILABLE: { retry: 'temporary', summary: 'market data venue unreachable or timing out' },
  MARKET_DATA_INVALID: {
    retry: 'temporary',
    summary: 'venue answer refused: it does not parse, or the market-data guard found a bad price, candle or jump (details.reason)',
  },
  RATE_LIMITED: { retry: 'temporary', summary: 'venue rate limit hit' },
  VENUE_BANNED: { retry: 'operational', summary: 'venue banned this IP (HTTP 418)' },
  UNKNOWN_SYMBOL: { retry: 'operational', summary: 'symbol not known to the venue' },
  INSUFFICIENT_DATA: {
    retry: 'operational',
    summary: 'not enough candles for the computation (a live read answered fewer than asked, a range too short); always 422',
  },
  VALIDATION_ERROR: { retry: 'operational', summary: 'input failed validation' },
  CONFIG_INVALID: { retry: 'operational', summary: 'configuration failed validation' },
  MODEL_INCOMPATIBLE: { retry: 'operational', summary: 'saved model does not match the feature set' },
  NOT_FOUND: { retry: 'operational', summary: 'resource not found' },
  CONFLICT: { retry: 'operational', summary: 'resource already exists or state conflict' },
  UNAUTHORIZED: { retry: 'operational', summary: 'missing, invalid or expired credentials' },
  FORBIDDEN: { retry: 'operational', summary: 'not allowed' },
  TRADING_HALTED: { retry: 'operational', summary: 'risk governor halted trading' },
  MARKET_CLOSED: { retry: 'temporary', summary: "the symbol's market is outside its regular session (stocks)" },
  STORE_UNAVAILABLE: { retry: 'temporary', summary: 'database unreachable or failing' },
  AGENT_FAILED: { retry: 'agent', summary: 'an agent threw inside a cycle' },
  LLM_UNAVAILABLE: { retry: 'temporary', summary: 'LLM endpoint unreachable or answering garbage' },
  NOTIFIER_UNAVAILABLE: { retry: 'temporary', summary: 'notification endpoint unreachable' },
  QUEUE_UNAVAILABLE: { retry: 'temporary', summary: 'Redis (queue and locks) unreachable or past its deadline' },
  BAD_REQUEST: { retry: 'operational', summary: 'malformed request: unparseable body, URL or header' },
  REQUEST_TIMEOUT: { retry: 'temporary', summary: 'the request was not received in full within the deadline' },
  PAYLOAD_TOO_LARGE: { retry: 'operational', summary: 'request body larger than the server accepts' },
  URI_TOO_LONG: { retry: 'operational', summary: 'request URL or one of its path parameters too long' },
  UNSUPPORTED_MEDIA_TYPE: { retry: 'operational', summary: 'request body in a content type the route does not accept' },
  HEADERS_TOO_LARGE: { retry: 'operational', summary: 'request headers larger than the server accepts' },
  TOO_MANY_REQUESTS: { retry: 'temporary', summary: 'client rate limit on this route hit; retry after details.retry_after_s' },
  SHUTTING_DOWN: { retry: 'temporary', summary: 'the server is shutting down and takes no new requests' },
  INTERNAL_ERROR: { retry: 'operational', summary: 'unexpected failure' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type RetryClass = (typeof ERROR_CODES)[ErrorCode]['retry'];

/** Every failure Conclave raises on purpose. Messages say what was expected and what was seen. */
export class ConclaveError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConclaveError';
    this.code = code;
    this.details = details;
  }

  get retry(): RetryClass {
    return ERROR_CODES[this.code].retry;
  }
}

export function isConclaveError(error: unknown, code?: ErrorCode): error is ConclaveError {
  return error instanceof ConclaveError && (code === undefined || error.code === code);
}
