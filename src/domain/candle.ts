/**
 * One OHLCV bar. Times are UTC epoch milliseconds; a bar is visible only at its close
 * (`closeTime`), never earlier, so nothing downstream can see a bar that has not finished.
 */
export interface Candle {
  readonly openTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly closeTime: number;
  /** Quote-asset volume when the venue reports it. */
  readonly quoteVolume?: number;
  readonly trades?: number;
}

/** Kline intervals as venues spell them (Binance is case-sensitive: `1M` is a month, `1m` a minute). */
export const INTERVALS = ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w'] as const;
export type Interval = (typeof INTERVALS)[number];

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** Length of one bar of `interval` in milliseconds. */
export function intervalMs(interval: Interval): number {
  const unit = interval.slice(-1) as keyof typeof UNIT_MS;
  return Number(interval.slice(0, -1)) * UNIT_MS[unit];
}

export function isInterval(value: string): value is Interval {
  return (INTERVALS as readonly string[]).includes(value);
}
