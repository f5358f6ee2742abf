import { type ConclaveError, isConclaveError } from '../domain/errors.js';
import type { ComponentHealth } from './health.js';

/** Error codes that mean the market feed, not the symbol or the store, failed a cycle. */
const FEED_CODES: ReadonlySet<string> = new Set(['MARKET_DATA_UNAVAILABLE', 'MARKET_DATA_INVALID', 'RATE_LIMITED', 'VENUE_BANNED']);

/** True when `error` means the venue's data could not be read (counts against the feed, not the symbol). */
export function isFeedFailure(error: unknown): error is ConclaveError {
  return isConclaveError(error) && FEED_CODES.has(error.code);
}

export interface FeedHealthOptions {
  /** Consecutive cycles failed on market data after which the feed is `down` (HEALTH_FEED_FAILURES). */
  readonly downAfter: number;
  /** Age of the newest candle seen beyond which the feed is `degraded` (ms). */
  readonly staleAfterMs: number;
}

/**
 * The market feed as /health reports it, from the cycles themselves: a saved cycle proves the feed works, a
 * cycle that failed on market data counts against it. Failures for other reasons (an unknown symbol, the
 * store) neither count nor reset, so they cannot hide a dead venue.
 */
export class FeedHealth {
  private failures = 0;
  private lastError: string | null = null;
  private lastCandleTime: number | null = null;

  constructor(private readonly options: FeedHealthOptions) {}

  /** A cycle was saved on a candle that closed at `candleTime`. */
  succeeded(candleTime: number): void {
    this.failures = 0;
    this.lastError = null;
    this.lastCandleTime = candleTime;
  }

  /** A cycle failed; only market-data failures count. */
  failed(error: unknown): void {
    if (!isFeedFailure(error)) return;
    this.failures++;
    this.lastError = `${error.code}: ${error.message}`;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  component(source: string, now: number): ComponentHealth {
    const age = this.lastCandleTime === null ? null : now - this.lastCandleTime;
    const status = this.failures >= this.options.downAfter ? 'down' : age !== null && age > this.options.staleAfterMs ? 'degraded' : 'ok';
    return {
      status,
      details: {
        source,
        last_candle_age_ms: age,
        consecutive_failures: this.failures,
        down_after_failures: this.options.downAfter,
        last_error: this.lastError,
      },
    };
  }
}
