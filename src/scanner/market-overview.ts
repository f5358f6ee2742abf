/**
 * Seed 004's first two stages: a market overview of the scanned universe and a BTC analysis. Pure functions
 * over the indicator sets the scan already fetched; no I/O.
 */
import { type Interval, intervalMs } from '../domain/candle.js';
import type { IndicatorSet } from './indicator-set.js';

/** Bars the breadth mean and the trend slope look back over. */
export const BREADTH_BARS = 50;
const SLOPE_BARS = 10;
/** ATR% against its own median over the fetched history: above ELEVATED is a volatile market, below CALM a quiet one. */
const ELEVATED = 1.3;
const CALM = 0.75;

export type VolatilityRegime = 'compressed' | 'normal' | 'elevated';

export interface MarketOverview {
  /** Symbols with enough history to be counted (at least BREADTH_BARS closed candles). */
  readonly measured: number;
  /** Share of the measured universe whose close is above its own 50-bar mean (0..1); null when none measured. */
  readonly breadth: number | null;
  readonly advancers: number;
  readonly decliners: number;
  /** Change over the last 24 h of closed signal-timeframe candles, biggest moves first (at most 3). */
  readonly topMovers: ReadonlyArray<{ readonly symbol: string; readonly changePct: number }>;
  /** Median over the universe of ATR% now divided by its own median over the fetched history. */
  readonly volatilityRatio: number | null;
  readonly volatility: VolatilityRegime | null;
}

export type Trend = 'up' | 'down' | 'sideways';

export interface TimeframeTrend {
  readonly interval: Interval;
  readonly close: number;
  /** Close above a rising trend EMA: up; below a falling one: down; otherwise sideways. */
  readonly trend: Trend;
  readonly ema: number;
  /** Lowest low and highest high of the Donchian window: the nearest key levels. */
  readonly support: number;
  readonly resistance: number;
  readonly atrPct: number;
}

export interface BtcAnalysis {
  readonly symbol: string;
  readonly price: number;
  readonly timeframes: readonly TimeframeTrend[];
  /** Every timeframe up (or down): trending; otherwise mixed. */
  readonly regime: 'trending_up' | 'trending_down' | 'mixed';
  readonly volatility: VolatilityRegime | null;
}

const last = (a: Float64Array) => a[a.length - 1];

function median(values: readonly number[]): number | null {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** ATR% now over its median across the set's history; null while ATR is warming up. */
function atrRatio(set: IndicatorSet): number | null {
  const history: number[] = [];
  for (let i = 0; i < set.length; i++) if (Number.isFinite(set.atr[i]) && set.close[i] > 0) history.push(set.atr[i] / set.close[i]);
  const mid = median(history);
  const now = history.at(-1);
  return mid === null || now === undefined || mid <= 0 ? null : now / mid;
}

function regimeOf(ratio: number | null): VolatilityRegime | null {
  if (ratio === null) return null;
  return ratio > ELEVATED ? 'elevated' : ratio < CALM ? 'compressed' : 'normal';
}

/**
 * Breadth, advancers and decliners, top movers and the volatility regime of the universe, from each symbol's
 * signal-timeframe indicator set (closed candles, oldest first).
 */
export function marketOverview(sets: ReadonlyMap<string, IndicatorSet>, interval: Interval): MarketOverview {
  const barsPerDay = Math.max(1, Math.round(86_400_000 / intervalMs(interval)));
  let measured = 0;
  let above = 0;
  let advancers = 0;
  let decliners = 0;
  const moves: Array<{ symbol: string; changePct: number }> = [];
  const ratios: number[] = [];
  for (const [symbol, set] of sets) {
    const n = set.length;
    if (n >= BREADTH_BARS) {
      let sum = 0;
      for (let i = n - BREADTH_BARS; i < n; i++) sum += set.close[i];
      measured++;
      if (last(set.close) > sum / BREADTH_BARS) above++;
    }
    const back = Math.min(barsPerDay, n - 1);
    if (back >= 1) {
      const changePct = (last(set.close) / set.close[n - 1 - back] - 1) * 100;
      if (changePct > 0) advancers++;
      else if (changePct < 0) decliners++;
      moves.push({ symbol, changePct });
    }
    const r = atrRatio(set);
    if (r !== null) ratios.push(r);
  }
  const volatilityRatio = median(ratios);
  return {
    measured,
    breadth: measured > 0 ? above / measured : null,
    advancers,
    decliners,
    topMovers: moves.sort((a, b) => Math.abs(b.changePct) - Math.abs(a.changePct) || a.symbol.localeCompare(b.symbol)).slice(0, 3),
    volatilityRatio,
    volatility: regimeOf(volatilityRatio),
  };
}

/** Trend, key levels and ATR% of one timeframe; null when the set is too short for its trend EMA and levels. */
export function timeframeTrend(interval: Interval, set: IndicatorSet): TimeframeTrend | null {
  const n = set.length;
  if (n <= SLOPE_BARS) return null;
  const close = last(set.close);
  const ema = last(set.trendEma);
  const before = set.trendEma[n - 1 - SLOPE_BARS];
  const support = last(set.dcLower);
  const resistance = last(set.dcUpper);
  const atr = last(set.atr);
  if (![close, ema, before, support, resistance, atr].every(Number.isFinite)) return null;
  const trend: Trend = close > ema && ema > before ? 'up' : close < ema && ema < before ? 'down' : 'sideways';
  return { interval, close, trend, ema, support, resistance, atrPct: (atr / close) * 100 };
}

/** BTC on every scan timeframe; null when no timeframe could be read. */
export function btcAnalysis(symbol: string, views: ReadonlyArray<{ interval: Interval; set: IndicatorSet }>): BtcAnalysis | null {
  const timeframes = views.flatMap((v) => timeframeTrend(v.interval, v.set) ?? []);
  if (timeframes.length === 0) return null;
  const trends = new Set(timeframes.map((t) => t.trend));
  const regime =
    trends.size === 1 && trends.has('up') ? 'trending_up' : trends.size === 1 && trends.has('down') ? 'trending_down' : 'mixed';
  const shortest = views.reduce((a, b) => (intervalMs(a.interval) <= intervalMs(b.interval) ? a : b));
  return {
    symbol,
    price: timeframes.reduce((a, b) => (intervalMs(a.interval) <= intervalMs(b.interval) ? a : b)).close,
    timeframes,
    regime,
    volatility: regimeOf(atrRatio(shortest.set)),
  };
}
