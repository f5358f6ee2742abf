import type { IndicatorSet } from './indicator-set.js';

/** The setups the scanner looks for. All are long (spot) setups: buy, stop below, target above. */
export const SETUP_KINDS = ['oversold', 'breakout', 'trend_reversal'] as const;
export type SetupKind = (typeof SETUP_KINDS)[number];

/** One detector firing at one bar. Prices in quote currency. */
export interface SetupHit {
  readonly kind: SetupKind;
  /** Bar index in the indicator set. */
  readonly index: number;
  /** Structural target of the setup (Bollinger middle, measured move, swing high); always above the close. */
  readonly target: number;
  /** The numbers that made it fire, for the report and the LLM. */
  readonly facts: Readonly<Record<string, number>>;
  /** One human sentence. */
  readonly reason: string;
}

export interface DetectorParams {
  /** Oversold: RSI at or below this. */
  readonly oversoldRsi: number;
  /** Oversold: close at least this far below the lower Bollinger band, percent of the band (0 = any close below). */
  readonly oversoldMinBandDistancePct: number;
  /** Breakout: volume at least this multiple of the previous bars' mean volume. */
  readonly breakoutVolumeMultiple: number;
  /** Trend reversal: bars searched for the two lows of the divergence (split in an earlier and a recent half). */
  readonly divergenceLookback: number;
}

export const DEFAULT_DETECTOR_PARAMS: DetectorParams = {
  oversoldRsi: 30,
  oversoldMinBandDistancePct: 0,
  breakoutVolumeMultiple: 1.5,
  divergenceLookback: 30,
};

const ok = (...xs: number[]) => xs.every((x) => Number.isFinite(x));

/**
 * Oversold: RSI(14) <= `oversoldRsi` and the close below the lower Bollinger band (20, 2) by more than
 * `oversoldMinBandDistancePct`. Target: the middle band (mean reversion). Pure.
 */
export function detectOversold(s: IndicatorSet, i: number, p: DetectorParams = DEFAULT_DETECTOR_PARAMS): SetupHit | null {
  const close = s.close[i];
  const r = s.rsi[i];
  const lower = s.bbLower[i];
  const middle = s.bbMiddle[i];
  if (!ok(close, r, lower, middle) || r > p.oversoldRsi || close >= lower) return null;
  const distancePct = ((lower - close) / lower) * 100;
  if (distancePct <= p.oversoldMinBandDistancePct) return null;
  return {
    kind: 'oversold',
    index: i,
    target: middle,
    facts: { rsi: r, bb_lower: lower, bb_middle: middle, band_distance_pct: distancePct },
    reason: `RSI ${r.toFixed(1)} <= ${p.oversoldRsi} and close ${distancePct.toFixed(2)}% below the lower Bollinger band`,
  };
}

/**
 * Breakout: the close above the highest high of the previous `donchianPeriod` bars, on volume at least
 * `breakoutVolumeMultiple` x their mean volume. Target: close + the channel height (measured move). Pure.
 */
export function detectBreakout(s: IndicatorSet, i: number, p: DetectorParams = DEFAULT_DETECTOR_PARAMS): SetupHit | null {
  if (i < 1) return null;
  const close = s.close[i];
  // The channel and volume mean end at the previous bar, so the breakout bar does not raise its own bar.
  const upper = s.dcUpper[i - 1];
  const lower = s.dcLower[i - 1];
  const avgVolume = s.volumeSma[i - 1];
  const volume = s.volume[i];
  if (!ok(close, upper, lower, avgVolume, volume) || avgVolume <= 0 || close <= upper) return null;
  const volumeRatio = volume / avgVolume;
  if (volumeRatio < p.breakoutVolumeMultiple) return null;
  const height = upper - lower;
  return {
    kind: 'breakout',
    index: i,
    target: close + height,
    facts: { channel_high: upper, channel_low: lower, volume_ratio: volumeRatio },
    reason: `close above the ${s.params.donchianPeriod}-bar high ${fmt(upper)} on ${volumeRatio.toFixed(2)}x average volume`,
  };
}

/**
 * Trend reversal: the MACD line crosses above its signal line at bar i (histogram <= 0 at i-1, > 0 at i)
 * with a bullish divergence over the last `divergenceLookback` bars: the lowest low of the recent half is
 * below the lowest low of the earlier half while the MACD line at the recent low is above its value at the
 * earlier low. Target: the highest high of the window (the swing high); no hit when it is not above the close.
 */
export function detectTrendReversal(s: IndicatorSet, i: number, p: DetectorParams = DEFAULT_DETECTOR_PARAMS): SetupHit | null {
  const lookback = p.divergenceLookback;
  const from = i - lookback + 1;
  if (from < 0 || i < 1) return null;
  const hNow = s.macdHist[i];
  const hPrev = s.macdHist[i - 1];
  if (!ok(hNow, hPrev) || !(hPrev <= 0 && hNow > 0)) return null;
  const half = from + Math.floor(lookback / 2);
  const a = argMin(s.low, from, half);
  const b = argMin(s.low, half, i + 1);
  const macdA = s.macd[a];
  const macdB = s.macd[b];
  if (!ok(macdA, macdB) || !(s.low[b] < s.low[a] && macdB > macdA)) return null;
  let swingHigh = Number.NEGATIVE_INFINITY;
  for (let k = from; k <= i; k++) swingHigh = Math.max(swingHigh, s.high[k]);
  if (!(swingHigh > s.close[i])) return null;
  return {
    kind: 'trend_reversal',
    index: i,
    target: swingHigh,
    facts: {
      macd: s.macd[i],
      macd_signal: s.macdSignal[i],
      earlier_low: s.low[a],
      recent_low: s.low[b],
      macd_at_earlier_low: macdA,
      macd_at_recent_low: macdB,
      swing_high: swingHigh,
    },
    reason: `MACD crossed above signal with bullish divergence: low ${fmt(s.low[b])} < ${fmt(s.low[a])} while MACD ${fmt(macdB)} > ${fmt(macdA)}`,
  };
}

export type Detector = (s: IndicatorSet, i: number, p?: DetectorParams) => SetupHit | null;

export const DETECTORS: Readonly<Record<SetupKind, Detector>> = {
  oversold: detectOversold,
  breakout: detectBreakout,
  trend_reversal: detectTrendReversal,
};

/** Every setup firing at bar i, in SETUP_KINDS order. */
export function detectAll(s: IndicatorSet, i: number, p: DetectorParams = DEFAULT_DETECTOR_PARAMS): SetupHit[] {
  const out: SetupHit[] = [];
  for (const kind of SETUP_KINDS) {
    const hit = DETECTORS[kind](s, i, p);
    if (hit) out.push(hit);
  }
  return out;
}

function argMin(xs: Float64Array, from: number, to: number): number {
  let best = from;
  for (let k = from + 1; k < to; k++) if (xs[k] < xs[best]) best = k;
  return best;
}

function fmt(x: number): string {
  return Number(x.toPrecision(6)).toString();
}
