import { isFeedFailure } from './feed-health.js';

/**
 * How a venue's market data is getting through, as the dashboard's feed indicator shows it:
 * - `waiting`: no cycle has read it yet;
 * - `polling`: a live venue read over REST (no venue here streams), its newest candle fresh;
 * - `local`: synthetic or recorded (replay) data, read in-process, its newest candle fresh;
 * - `stale`: the last read worked but its newest closed candle is older than `staleAfterMs`;
 * - `down`: the last cycle on this venue failed to read it (unreachable, timing out, rate limited, banned,
 *   unparseable). /health waits for HEALTH_FEED_FAILURES such cycles before it answers 503; the indicator
 *   turns at the first, so a dead venue shows within one cycle.
 */
export type FeedState = 'waiting' | 'polling' | 'local' | 'stale' | 'down';

export interface FeedView {
  readonly venue: string;
  readonly state: FeedState;
  /** Close time of the newest candle a cycle used (epoch ms), null before the first. */
  readonly lastCandleTime: number | null;
  readonly consecutiveFailures: number;
  /** Error code of the last failed read (MARKET_DATA_UNAVAILABLE...), null once a read works again. */
  readonly lastErrorCode: string | null;
}

export interface FeedBoardOptions {
  readonly staleAfterMs: number;
  /** Venues served in-process (synthetic, replay): `local` instead of `polling`. */
  readonly localVenues: ReadonlySet<string>;
  /** Venues shown before any cycle ran (the configured source). */
  readonly venues: readonly string[];
}

interface Entry {
  lastCandleTime: number | null;
  failures: number;
  lastErrorCode: string | null;
}

/**
 * Per-venue feed state from the cycles themselves: a saved cycle proves its venue works, a cycle that failed on
 * market data counts against it; failures for other reasons (unknown symbol, store) change nothing. Listeners
 * hear every change of a venue's state (not every cycle), so /ws carries transitions only.
 */
export class FeedBoard {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(view: FeedView) => void>();

  constructor(private readonly options: FeedBoardOptions) {
    for (const venue of options.venues) this.entries.set(venue, { lastCandleTime: null, failures: 0, lastErrorCode: null });
  }

  /** A cycle on `venue` was saved on a candle that closed at `candleTime`. */
  succeeded(venue: string, candleTime: number, now: number): void {
    this.update(venue, now, (e) => {
      e.failures = 0;
      e.lastErrorCode = null;
      e.lastCandleTime = candleTime;
    });
  }

  /** A cycle on `venue` failed; only market-data failures count. */
  failed(venue: string, error: unknown, now: number): void {
    if (!isFeedFailure(error)) return;
    const code = error.code;
    this.update(venue, now, (e) => {
      e.failures += 1;
      e.lastErrorCode = code;
    });
  }

  /** Every venue seen or configured, by name. */
  view(now: number): FeedView[] {
    return [...this.entries.keys()].sort().map((venue) => this.viewOf(venue, now));
  }

  onChange(listener: (view: FeedView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private update(venue: string, now: number, change: (e: Entry) => void): void {
    const known = this.entries.has(venue);
    const before = known ? this.viewOf(venue, now) : null;
    const entry = this.entries.get(venue) ?? { lastCandleTime: null, failures: 0, lastErrorCode: null };
    change(entry);
    this.entries.set(venue, entry);
    const after = this.viewOf(venue, now);
    if (before?.state === after.state && before.lastErrorCode === after.lastErrorCode) return;
    for (const listener of this.listeners) listener(after);
  }

  private viewOf(venue: string, now: number): FeedView {
    const e = this.entries.get(venue) ?? { lastCandleTime: null, failures: 0, lastErrorCode: null };
    const state: FeedState =
      e.failures > 0
        ? 'down'
        : e.lastCandleTime === null
          ? 'waiting'
          : now - e.lastCandleTime > this.options.staleAfterMs
            ? 'stale'
            : this.options.localVenues.has(venue)
              ? 'local'
              : 'polling';
    return { venue, state, lastCandleTime: e.lastCandleTime, consecutiveFailures: e.failures, lastErrorCode: e.lastErrorCode };
  }
}
