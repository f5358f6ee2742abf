import type { Candle, Interval } from './candle.js';

export const VENUES = ['binance', 'bybit', 'yahoo', 'replay', 'synthetic'] as const;
export type Venue = (typeof VENUES)[number];

/** Indicators reported with every snapshot; null while the indicator is still warming up. */
export interface SnapshotIndicators {
  readonly sma_10: number | null;
  readonly sma_50: number | null;
  readonly rsi_14: number | null;
}

/** What the market monitor saw for one symbol at one moment. */
export interface MarketSnapshot {
  readonly symbol: string;
  readonly price: number;
  readonly source: Venue;
  readonly interval: Interval;
  readonly indicators: SnapshotIndicators;
  /** Model features of the newest closed candle (src/ml/features.ts); null when not enough history. */
  readonly features: Readonly<Record<string, number>> | null;
  /** Candles the indicators were computed from, oldest first. */
  readonly candles: readonly Candle[];
  /** Close time of the newest candle: the moment the data describes. */
  readonly candleTime: number;
  /** When the snapshot was taken (Clock time). */
  readonly observedAt: number;
}

/**
 * The snapshot as stores keep it: everything but the candles. Indicators and features are read through from
 * the snapshot, so a store that never looks at them (a backtest's) never has them computed.
 */
export function withoutCandles(s: MarketSnapshot): Omit<MarketSnapshot, 'candles'> {
  return {
    symbol: s.symbol,
    price: s.price,
    source: s.source,
    interval: s.interval,
    get indicators() {
      return s.indicators;
    },
    get features() {
      return s.features;
    },
    candleTime: s.candleTime,
    observedAt: s.observedAt,
  };
}
