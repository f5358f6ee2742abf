import type { Candle } from '../domain/candle.js';
import type { Regime } from '../domain/regime.js';

/**
 * Documented regime rules (no model). Two measures on closed candles:
 * - trend score = ln(close_t / close_{t-W}) / (sigma * sqrt(W)), with sigma the standard deviation of the 1-bar
 *   log returns over the same W = `trendWindow` bars: the W-bar move in units of its expected noise (about
 *   N(0,1) for a random walk);
 * - volatility percentile = share of the rolling `volWindow`-bar realised volatilities inside the candles at or
 *   below the newest one (1 = the most volatile window seen).
 *
 * Classification, with hysteresis (enter and exit thresholds differ, so a reading near a threshold does not
 * flap):
 * 1. HIGH_VOL when the percentile >= highVolEnter (stays while >= highVolExit);
 * 2. BULL when trend >= trendEnter (stays while >= trendExit); BEAR mirrors it;
 * 3. otherwise RANGE.
 * A new regime is adopted only after it has been read on `confirmBars` consecutive new candles.
 */
export interface RegimeConfig {
  readonly trendWindow: number;
  readonly volWindow: number;
  readonly confirmBars: number;
  readonly trendEnter: number;
  readonly trendExit: number;
  readonly highVolEnter: number;
  readonly highVolExit: number;
}

export const DEFAULT_REGIME_CONFIG: RegimeConfig = {
  trendWindow: 48,
  volWindow: 24,
  confirmBars: 3,
  trendEnter: 1.5,
  trendExit: 0.5,
  highVolEnter: 0.9,
  highVolExit: 0.7,
};

export interface RegimeMetrics {
  readonly trend: number;
  readonly volPercentile: number;
  /** Realised volatility of the newest window: std of 1-bar log returns. */
  readonly vol: number;
}

/** Candles a reading needs: the larger of trendWindow + 1 and 2 * volWindow + 1. */
export function regimeWarmup(config: RegimeConfig): number {
  return Math.max(config.trendWindow + 1, 2 * config.volWindow + 1);
}

/** The two measures on the newest candles, or null with fewer than `regimeWarmup` candles. O(candles). */
export function regimeMetrics(candles: readonly Candle[], config: RegimeConfig): RegimeMetrics | null {
  const n = candles.length;
  if (n < regimeWarmup(config)) return null;
  const lookback = Math.min(n, Math.max(regimeWarmup(config), 4 * config.volWindow + 1));
  const r = new Float64Array(lookback - 1);
  for (let i = 0; i < r.length; i++) r[i] = Math.log(candles[n - lookback + i + 1].close / candles[n - lookback + i].close);
  const m = r.length;
  const W = config.trendWindow;
  let s = 0;
  let ss = 0;
  for (let i = m - W; i < m; i++) {
    s += r[i];
    ss += r[i] * r[i];
  }
  const sigma = Math.sqrt(Math.max(0, ss / W - (s / W) ** 2));
  const trend = sigma > 0 ? s / (sigma * Math.sqrt(W)) : 0;
  const V = config.volWindow;
  const vols: number[] = [];
  let vs = 0;
  let vss = 0;
  for (let i = 0; i < m; i++) {
    vs += r[i];
    vss += r[i] * r[i];
    if (i >= V) {
      vs -= r[i - V];
      vss -= r[i - V] * r[i - V];
    }
    if (i >= V - 1) vols.push(Math.sqrt(Math.max(0, vss / V - (vs / V) ** 2)));
  }
  const vol = vols[vols.length - 1];
  let below = 0;
  for (const v of vols) if (v <= vol + 1e-15) below++;
  return { trend, volPercentile: below / vols.length, vol };
}

/** The regime the metrics point to, given the current one (hysteresis thresholds). */
export function rawRegime(metrics: RegimeMetrics, current: Regime | null, config: RegimeConfig): Regime {
  const highVol = metrics.volPercentile >= (current === 'HIGH_VOL' ? config.highVolExit : config.highVolEnter);
  if (highVol) return 'HIGH_VOL';
  if (current === 'BULL' && metrics.trend >= config.trendExit) return 'BULL';
  if (current === 'BEAR' && metrics.trend <= -config.trendExit) return 'BEAR';
  if (metrics.trend >= config.trendEnter) return 'BULL';
  if (metrics.trend <= -config.trendEnter) return 'BEAR';
  return 'RANGE';
}

export interface RegimeReading {
  readonly regime: Regime;
  readonly previous: Regime | null;
  readonly changed: boolean;
  readonly metrics: RegimeMetrics;
  /** Regime waiting for confirmation and how many consecutive candles have shown it. */
  readonly candidate: Regime | null;
  readonly candidateBars: number;
}

/**
 * Regime of one symbol over time. Feed it each cycle's candles; several cycles on the same newest candle
 * count once, so confirmation is in bars, not cycles. The first reading is adopted at once.
 */
export class RegimeTracker {
  private current: Regime | null = null;
  private candidate: Regime | null = null;
  private candidateBars = 0;
  private lastCandleTime = Number.NEGATIVE_INFINITY;
  private last: RegimeReading | null = null;

  constructor(private readonly config: RegimeConfig) {}

  get regime(): Regime | null {
    return this.current;
  }

  get reading(): RegimeReading | null {
    return this.last;
  }

  /** Null while there are too few candles (no regime yet). */
  update(candles: readonly Candle[]): RegimeReading | null {
    const newest = candles[candles.length - 1];
    if (!newest) return this.last;
    if (newest.closeTime <= this.lastCandleTime && this.last) return { ...this.last, changed: false };
    const metrics = regimeMetrics(candles, this.config);
    if (!metrics) return null;
    this.lastCandleTime = newest.closeTime;
    const previous = this.current;
    const raw = rawRegime(metrics, this.current, this.config);
    if (this.current === null) {
      this.current = raw;
    } else if (raw === this.current) {
      this.candidate = null;
      this.candidateBars = 0;
    } else {
      this.candidateBars = raw === this.candidate ? this.candidateBars + 1 : 1;
      this.candidate = raw;
      if (this.candidateBars >= this.config.confirmBars) {
        this.current = raw;
        this.candidate = null;
        this.candidateBars = 0;
      }
    }
    const regime = this.current as Regime;
    this.last = { regime, previous, changed: previous !== regime, metrics, candidate: this.candidate, candidateBars: this.candidateBars };
    return this.last;
  }
}
