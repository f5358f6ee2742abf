import { type Candle, type Interval, intervalMs } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import type { MarketSnapshot } from '../domain/market.js';
import type { AgentMessage, OutgoingMessage } from '../domain/messages.js';
import { CONTINUOUS, calendarFor, type TradingCalendar } from '../domain/trading-calendar.js';
import { last, rsi, sma } from '../indicators/index.js';
import type { MarketDataSource } from '../market/port.js';
import { latestFeatures } from '../ml/features.js';
import { AGENTS, type Agent, type CycleContext } from './base.js';

export interface MarketMonitorConfig {
  readonly interval: Interval;
  /** Candles fetched per cycle; >= 60 keeps SMA-50 and the model features warm. */
  readonly klineLimit: number;
  /** Who decides on the snapshot (the decision maker in the pipeline, the brain in `brain`). */
  readonly next: string;
  /** Agents that see the snapshot before `next` (the pipeline's risk manager: stops and governor first). */
  readonly observers?: readonly string[];
}

/**
 * Reads the live price and recent candles, computes the indicators and model features, and hands a
 * MarketSnapshot on. Only closed candles count: a bar still forming (close time after now) is dropped, so
 * the features never see a partial bar.
 */
export class MarketMonitoringAgent implements Agent {
  readonly name = AGENTS.marketMonitor;

  constructor(
    private readonly source: MarketDataSource,
    private readonly config: MarketMonitorConfig,
  ) {}

  handle(message: AgentMessage, ctx: CycleContext): Promise<readonly OutgoingMessage[]> | readonly OutgoingMessage[] {
    if (message.type !== 'CycleRequested') return [];
    const { source, config } = this;
    // A recording answers in memory: the whole snapshot is taken without a promise (the backtest hot path).
    if (!source.getMarketSession && source.currentPriceNow && source.recentKlinesNow) {
      const symbol = message.payload.symbol;
      const price = source.currentPriceNow(symbol);
      // A recording shows closed candles only, so the newest klineLimit are the window (no extra bar to drop).
      const klines = source.recentKlinesNow(symbol, config.interval, config.klineLimit);
      return this.publish(snapshotOf(source, symbol, config.interval, config.klineLimit, ctx.clock.now(), price, klines), ctx);
    }
    return this.observe(message.payload.symbol, ctx);
  }

  private async observe(symbol: string, ctx: CycleContext): Promise<readonly OutgoingMessage[]> {
    // A stock trades only in its session: a price seen while closed is stale and no fill could happen at it.
    const session = await this.source.getMarketSession?.(symbol);
    if (session && !session.open) {
      throw new ConclaveError(
        'MARKET_CLOSED',
        `market closed for ${symbol}: regular session ${new Date(session.start).toISOString()} .. ${new Date(session.end).toISOString()}`,
        { symbol, session_start: session.start, session_end: session.end },
      );
    }
    const snapshot = await takeSnapshot(this.source, symbol, this.config.interval, this.config.klineLimit, ctx.clock.now());
    return this.publish(snapshot, ctx);
  }

  private publish(snapshot: MarketSnapshot, ctx: CycleContext): readonly OutgoingMessage[] {
    ctx.marks.set(snapshot.symbol, snapshot.price);
    ctx.log(
      this.name,
      () =>
        `Received live price ${snapshot.price} from ${snapshot.source} and calculated indicators over ${snapshot.candles.length} closed candles`,
    );
    return [...(this.config.observers ?? []), this.config.next].map(
      (to): OutgoingMessage => ({ to, type: 'MarketSnapshot', payload: snapshot, tsEvent: snapshot.candleTime }),
    );
  }
}

/** One market observation of `symbol`: price, closed candles, indicators, features. */
export async function takeSnapshot(
  source: MarketDataSource,
  symbol: string,
  interval: Interval,
  limit: number,
  now: number,
): Promise<MarketSnapshot> {
  const [price, klines] = await Promise.all([source.getCurrentPrice(symbol), source.getRecentKlines(symbol, interval, limit + 1)]);
  return snapshotOf(source, symbol, interval, limit, now, price, klines);
}

/** The snapshot of `symbol` from a price and the newest `limit + 1` klines read at clock time `now`. */
function snapshotOf(
  source: MarketDataSource,
  symbol: string,
  interval: Interval,
  limit: number,
  now: number,
  price: number,
  klines: readonly Candle[],
): MarketSnapshot {
  const venue = source.venueFor?.(symbol) ?? source.venue;
  // Already closed and within the limit (a recording's answer): the array itself, not a copy of it.
  const closed =
    klines.length <= limit && (klines.length === 0 || klines[klines.length - 1].closeTime <= now)
      ? klines
      : closedCandles(klines, now, limit);
  // After a hole in the data the indicators and strategies start over, as the model features do: no window
  // ever spans missing candles. Session venues close every night, and on their calendar a night is not a hole.
  const candles = contiguousTail(closed, intervalMs(interval), calendarFor(venue));
  return snapshotFromCandles(symbol, venue, interval, price, candles, now);
}

/** The newest run of candles without a hole on the market's calendar (all of them when there is none). */
export function contiguousTail(candles: readonly Candle[], stepMs: number, calendar: TradingCalendar = CONTINUOUS): readonly Candle[] {
  let start = candles.length - 1;
  while (start > 0 && calendar.follows(candles[start - 1].openTime, candles[start].openTime, stepMs)) start--;
  return start <= 0 ? candles : candles.slice(start);
}

export function snapshotFromCandles(
  symbol: string,
  source: MarketSnapshot['source'],
  interval: Interval,
  price: number,
  candles: readonly Candle[],
  now: number,
): MarketSnapshot {
  let indicators: MarketSnapshot['indicators'] | undefined;
  let features: MarketSnapshot['features'] | undefined;
  return {
    symbol,
    price,
    source,
    interval,
    // Computed on first read, like the features: a backtest's store never reads them.
    get indicators() {
      indicators ??= snapshotIndicators(candles);
      return indicators;
    },
    // Computed on first read: rule strategies never read the model features, and a backtest of one of them
    // runs a cycle per candle. The value is the same whenever it is read (the candles are immutable).
    get features() {
      if (features === undefined) features = latestFeatures(candles, { calendar: calendarFor(source) });
      return features;
    },
    candles,
    candleTime: candles.length > 0 ? candles[candles.length - 1].closeTime : now,
    observedAt: now,
  };
}

function snapshotIndicators(candles: readonly Candle[]): MarketSnapshot['indicators'] {
  const closes = new Float64Array(candles.length);
  for (let i = 0; i < candles.length; i++) closes[i] = candles[i].close;
  return {
    // SMA needs only its window; RSI's Wilder smoothing needs the whole series.
    sma_10: closes.length >= 10 ? last(sma(closes.subarray(closes.length - 10), 10)) : null,
    sma_50: closes.length >= 50 ? last(sma(closes.subarray(closes.length - 50), 50)) : null,
    rsi_14: closes.length >= 15 ? last(rsi(closes, 14)) : null,
  };
}

/** Drops a still-forming last bar and keeps at most `limit` closed candles. */
export function closedCandles(klines: readonly Candle[], now: number, limit: number): Candle[] {
  let end = klines.length;
  while (end > 0 && klines[end - 1].closeTime > now) end--;
  return klines.slice(Math.max(0, end - limit), end);
}
