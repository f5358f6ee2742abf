import { z } from 'zod';
import { type Interval, isInterval } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import type { Venue } from '../domain/market.js';
import { HttpClient } from '../net/http-client.js';

/** Crypto venue symbols: upper-case letters and digits, 2..20 long (BTCUSDT, 1000PEPEUSDT). */
export const CRYPTO_SYMBOL_RE = /^[A-Z0-9]{2,20}$/;

/**
 * Upper-cases and checks a crypto symbol before any request is sent.
 * @throws ConclaveError VALIDATION_ERROR when the symbol has another shape.
 */
export function normalizeCryptoSymbol(symbol: string, venue: Venue): string {
  const upper = String(symbol).trim().toUpperCase();
  if (!CRYPTO_SYMBOL_RE.test(upper)) {
    throw new ConclaveError('VALIDATION_ERROR', `${venue}: symbol must match ${CRYPTO_SYMBOL_RE} after upper-casing, got "${symbol}"`, {
      field: 'symbol',
      venue,
      symbol,
    });
  }
  return upper;
}

/** @throws ConclaveError VALIDATION_ERROR when `interval` is not one of INTERVALS. */
export function checkInterval(interval: string, venue: Venue): Interval {
  if (!isInterval(interval)) {
    throw new ConclaveError('VALIDATION_ERROR', `${venue}: unsupported interval "${interval}"`, { field: 'interval', venue, interval });
  }
  return interval;
}

/** @throws ConclaveError VALIDATION_ERROR when `limit` is not an integer in [min, max]. */
export function checkLimit(limit: number, min: number, max: number, venue: Venue): number {
  if (!Number.isInteger(limit) || limit < min || limit > max) {
    throw new ConclaveError('VALIDATION_ERROR', `${venue}: limit must be an integer in ${min}..${max}, got ${limit}`, {
      field: 'limit',
      venue,
      limit,
    });
  }
  return limit;
}

/** @throws ConclaveError VALIDATION_ERROR on a non-finite or inverted time range. */
export function checkRange(startTime: number, endTime: number | undefined, venue: Venue): void {
  if (!Number.isFinite(startTime) || (endTime !== undefined && (!Number.isFinite(endTime) || endTime < startTime))) {
    throw new ConclaveError('VALIDATION_ERROR', `${venue}: expected finite startTime <= endTime, got ${startTime}..${endTime}`, {
      field: 'startTime',
      venue,
      startTime,
      endTime,
    });
  }
}

/** A decimal sent as a JSON string ("93576.01") -> a finite number. */
export const decimalString = z.string().min(1).transform(Number).pipe(z.number());
/** A decimal sent as a string or a number. */
export const decimal = z.union([z.number(), decimalString]);

/**
 * Parses a venue body with its schema.
 * @throws ConclaveError MARKET_DATA_INVALID naming the endpoint and the first problems.
 */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown, venue: Venue, endpoint: string): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
  throw new ConclaveError(
    'MARKET_DATA_INVALID',
    `${venue} ${endpoint}: body does not have the expected shape (${body === undefined ? 'not JSON' : problems.join('; ')})`,
    { venue, endpoint, problems, reason: 'BAD_SHAPE' },
  );
}

/** Drops candles whose open time does not increase (page overlaps), keeping the first copy. */
export function appendAscending<T extends { readonly openTime: number }>(into: T[], page: readonly T[]): number {
  let added = 0;
  let last = into.length > 0 ? into[into.length - 1].openTime : Number.NEGATIVE_INFINITY;
  for (const candle of page) {
    if (candle.openTime > last) {
      into.push(candle);
      last = candle.openTime;
      added++;
    }
  }
  return added;
}

/**
 * Connection settings every venue client takes (base URL from config, HTTP_TIMEOUT_MS, HTTP_RETRIES,
 * VENUE_DEADLINE_MS, VENUE_MAX_RESPONSE_BYTES).
 */
export interface VenueHttpOptions {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Retries after 5xx, timeouts and 429 (HTTP_RETRIES). */
  readonly retries: number;
  /** Total budget of one call, retries and waits included (VENUE_DEADLINE_MS); default: none. */
  readonly deadlineMs?: number;
  /** Body size cap in bytes (VENUE_MAX_RESPONSE_BYTES); default 8 MiB. */
  readonly maxResponseBytes?: number;
  /** Injected in tests to record backoff and Retry-After waits instead of sleeping. */
  readonly sleep?: (ms: number) => Promise<unknown>;
  /** First backoff in ms (doubles per retry). */
  readonly backoffMs?: number;
}

/** The HttpClient of a venue: the one place venue clients set timeouts, deadline, size cap, retries and backoff. */
export function venueHttpClient(name: string, options: VenueHttpOptions, headers?: Readonly<Record<string, string>>): HttpClient {
  return new HttpClient({
    name,
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    retries: options.retries,
    invalidCode: 'MARKET_DATA_INVALID',
    ...(options.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs }),
    ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
    ...(headers ? { headers } : {}),
    ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
}
