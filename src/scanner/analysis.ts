import type { Interval } from '../domain/candle.js';
import { type Calibration, calibrate, type RiskParams, type TradeLevels, tradeLevels } from './calibration.js';
import { type DetectorParams, detectAll, type SetupHit, type SetupKind } from './detectors.js';
import type { IndicatorSet } from './indicator-set.js';

export type Bias = 'bullish' | 'bearish' | 'neutral';

/** What one timeframe of one symbol looks like at its newest closed bar. */
export interface TimeframeView {
  readonly interval: Interval;
  readonly bars: number;
  /** Close time of the bar read (epoch ms). */
  readonly closeTime: number;
  readonly close: number;
  readonly rsi: number | null;
  readonly trendEma: number | null;
  readonly macdHist: number | null;
  /** bullish: close above the trend EMA and MACD histogram > 0; bearish: both the other way; else neutral. */
  readonly bias: Bias;
  /** Setups that fired within the recency window, newest first per kind. */
  readonly hits: readonly SetupHit[];
  /** Aligned with a long trade: bias bullish or a long setup firing here. */
  readonly aligned: boolean;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Reads timeframe `interval` at its newest bar: bias, setups that fired on any of the last `recencyBars`
 * bars (a setup that fired two bars ago is still actionable at the current close), alignment. Pure.
 */
export function viewTimeframe(interval: Interval, s: IndicatorSet, detector: DetectorParams, recencyBars: number): TimeframeView {
  const i = s.length - 1;
  if (i < 0) {
    return {
      interval,
      bars: 0,
      closeTime: 0,
      close: 0,
      rsi: null,
      trendEma: null,
      macdHist: null,
      bias: 'neutral',
      hits: [],
      aligned: false,
    };
  }
  const close = s.close[i];
  const ema = s.trendEma[i];
  const hist = s.macdHist[i];
  let bias: Bias = 'neutral';
  if (close > ema && hist > 0) bias = 'bullish';
  else if (close < ema && hist < 0) bias = 'bearish';
  const seen = new Set<SetupKind>();
  const hits: SetupHit[] = [];
  for (let k = i; k > i - recencyBars && k >= 0; k--) {
    for (const hit of detectAll(s, k, detector)) {
      if (seen.has(hit.kind)) continue;
      seen.add(hit.kind);
      hits.push(hit);
    }
  }
  return {
    interval,
    bars: s.length,
    closeTime: s.closeTime[i],
    close,
    rsi: finite(s.rsi[i]),
    trendEma: finite(ema),
    macdHist: finite(hist),
    bias,
    hits,
    aligned: bias === 'bullish' || hits.length > 0,
  };
}

/** Confluence components; the sum is the score out of 10. */
export interface ConfluenceBreakdown {
  /** 2 for the primary setup on the signal timeframe, +1 for each other setup firing there (max 4). */
  readonly setups: number;
  /** 3 x aligned timeframes / timeframes. */
  readonly alignment: number;
  /** 1 when the signal bar's volume is >= 1.5 x its 20-bar mean. */
  readonly volume: number;
  /** 1 when a long setup also fires on another timeframe. */
  readonly multiTimeframeSetup: number;
  /** 1 when R:R >= the configured minimum. */
  readonly rewardRisk: number;
}

export interface Candidate {
  readonly symbol: string;
  readonly signalInterval: Interval;
  readonly setup: SetupKind;
  readonly hit: SetupHit;
  /** Every setup on the signal timeframe (the primary included). */
  readonly signalHits: readonly SetupHit[];
  readonly levels: TradeLevels;
  readonly calibration: Calibration;
  readonly confluence: number;
  readonly breakdown: ConfluenceBreakdown;
  readonly timeframes: readonly TimeframeView[];
  readonly alignedCount: number;
  /** Filters this candidate failed, empty when it passed. */
  readonly failed: readonly string[];
  readonly quoteVolume24h: number | null;
}

export interface FilterThresholds {
  readonly minConfluence: number;
  /** Fraction, 0.7 = 70%. */
  readonly minProbability: number;
  readonly minRewardRisk: number;
  /** Timeframes that must be aligned; 0 = all of them. */
  readonly minAligned: number;
}

export const DEFAULT_FILTERS: FilterThresholds = { minConfluence: 8, minProbability: 0.7, minRewardRisk: 2, minAligned: 0 };

/**
 * Builds the best candidate of one symbol: for each setup on the signal timeframe, its levels (entry at the
 * newest close), calibration on the signal timeframe's history, confluence and the filters it fails; the
 * one with the highest confluence (then probability) wins. Null when nothing fires on the signal timeframe.
 */
export function buildCandidate(args: {
  symbol: string;
  signal: { interval: Interval; set: IndicatorSet; view: TimeframeView };
  views: readonly TimeframeView[];
  detector: DetectorParams;
  risk: RiskParams;
  filters: FilterThresholds;
  quoteVolume24h: number | null;
}): Candidate | null {
  const { symbol, signal, views, detector, risk, filters } = args;
  const s = signal.set;
  const last = s.length - 1;
  let best: Candidate | null = null;
  for (const hit of signal.view.hits) {
    const levels = tradeLevels(s, hit, last, risk);
    if (!levels) continue;
    const calibration = calibrate(s, hit.kind, hit.index, detector, risk);
    const alignedCount = views.filter((v) => v.aligned).length;
    const breakdown: ConfluenceBreakdown = {
      setups: Math.min(4, 2 + (signal.view.hits.length - 1)),
      alignment: views.length > 0 ? (3 * alignedCount) / views.length : 0,
      volume: s.volumeSma[hit.index] > 0 && s.volume[hit.index] >= 1.5 * s.volumeSma[hit.index] ? 1 : 0,
      multiTimeframeSetup: views.some((v) => v.interval !== signal.interval && v.hits.length > 0) ? 1 : 0,
      rewardRisk: levels.rr >= filters.minRewardRisk ? 1 : 0,
    };
    const confluence = round2(
      breakdown.setups + breakdown.alignment + breakdown.volume + breakdown.multiTimeframeSetup + breakdown.rewardRisk,
    );
    const candidate: Candidate = {
      symbol,
      signalInterval: signal.interval,
      setup: hit.kind,
      hit,
      signalHits: signal.view.hits,
      levels,
      calibration,
      confluence,
      breakdown,
      timeframes: views,
      alignedCount,
      failed: failedFilters({ confluence, calibration, rr: levels.rr, alignedCount, timeframes: views.length }, filters, risk),
      quoteVolume24h: args.quoteVolume24h,
    };
    if (!best || compareCandidates(candidate, best) < 0) best = candidate;
  }
  return best;
}

/** The filters a candidate fails, each a short sentence with the value seen and the threshold. */
export function failedFilters(
  c: { confluence: number; calibration: Calibration; rr: number; alignedCount: number; timeframes: number },
  f: FilterThresholds,
  risk: RiskParams,
): string[] {
  const out: string[] = [];
  if (c.confluence < f.minConfluence) out.push(`confluence ${c.confluence.toFixed(2)} < ${f.minConfluence}`);
  const cal = c.calibration;
  if (!cal.sufficient) {
    out.push(`probability not established: ${cal.hits}/${cal.sample} past occurrences, fewer than ${risk.minSample}`);
  } else if ((cal.estimate ?? 0) < f.minProbability) {
    out.push(`probability ${pct(cal.estimate ?? 0)} (${cal.hits}/${cal.sample}) < ${pct(f.minProbability)}`);
  }
  if (!(c.rr >= f.minRewardRisk)) out.push(`R:R ${c.rr.toFixed(2)} < ${f.minRewardRisk}`);
  const need = f.minAligned === 0 ? c.timeframes : Math.min(f.minAligned, c.timeframes);
  if (c.alignedCount < need) out.push(`timeframes aligned ${c.alignedCount}/${c.timeframes} < ${need}`);
  return out;
}

/** Deterministic order: confluence, then calibrated probability, then R:R, then symbol. */
export function compareCandidates(a: Candidate, b: Candidate): number {
  return (
    b.confluence - a.confluence ||
    (b.calibration.estimate ?? -1) - (a.calibration.estimate ?? -1) ||
    b.levels.rr - a.levels.rr ||
    a.symbol.localeCompare(b.symbol)
  );
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
