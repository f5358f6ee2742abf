import { DETECTORS, type DetectorParams, type SetupHit, type SetupKind } from './detectors.js';
import type { IndicatorSet } from './indicator-set.js';

export interface RiskParams {
  /** Stop distance below entry in ATR(14) multiples. */
  readonly stopAtr: number;
  /** Bars a past occurrence may take to hit target or stop; unresolved by then counts as a miss (timeout). */
  readonly maxHoldBars: number;
  /** Below this many past occurrences the probability is reported as insufficient and fails the filter. */
  readonly minSample: number;
}

export const DEFAULT_RISK_PARAMS: RiskParams = { stopAtr: 1.5, maxHoldBars: 48, minSample: 20 };

/** Entry, stop, target of a long setup and its reward-to-risk ratio. Prices in quote currency. */
export interface TradeLevels {
  readonly entry: number;
  readonly stop: number;
  readonly target: number;
  readonly atr: number;
  /** (target - entry) / (entry - stop). */
  readonly rr: number;
}

/** Levels for a hit: entry at the close of bar `entryIndex`, stop `stopAtr` x ATR below, the hit's target. */
export function tradeLevels(s: IndicatorSet, hit: SetupHit, entryIndex: number, p: RiskParams = DEFAULT_RISK_PARAMS): TradeLevels | null {
  const entry = s.close[entryIndex];
  const a = s.atr[entryIndex];
  if (!Number.isFinite(a) || a <= 0 || !Number.isFinite(entry)) return null;
  const stop = entry - p.stopAtr * a;
  const target = hit.target;
  return { entry, stop, target, atr: a, rr: (target - entry) / (entry - stop) };
}

export type Outcome = 'target' | 'stop' | 'timeout' | 'open';

/**
 * Walks forward from bar `entryIndex + 1`: `stop` when a bar's low reaches the stop (also when the same bar
 * reaches the target: intrabar order is unknown, so the conservative reading), `target` when the high reaches
 * the target, `timeout` after `maxHoldBars` bars, `open` when the data ends first.
 */
export function resolveOutcome(s: IndicatorSet, entryIndex: number, stop: number, target: number, maxHoldBars: number): Outcome {
  const last = Math.min(s.length - 1, entryIndex + maxHoldBars);
  for (let k = entryIndex + 1; k <= last; k++) {
    if (s.low[k] <= stop) return 'stop';
    if (s.high[k] >= target) return 'target';
  }
  return entryIndex + maxHoldBars <= s.length - 1 ? 'timeout' : 'open';
}

/** How often past occurrences of one setup reached target before stop. */
export interface Calibration {
  readonly setup: SetupKind;
  readonly hits: number;
  readonly stops: number;
  readonly timeouts: number;
  /** hits + stops + timeouts (occurrences still open at the end of the data are left out). */
  readonly sample: number;
  /** hits / sample, null with no sample. */
  readonly estimate: number | null;
  /** Wilson 95% lower bound of the hit rate, null with no sample. */
  readonly lower95: number | null;
  /** sample >= minSample. */
  readonly sufficient: boolean;
  /** Bars the history covered. */
  readonly bars: number;
}

/**
 * Calibrates a setup on the symbol's own history: every onset (fires at j, not at j - 1) of the same detector
 * before `endIndex` is traded with the same stop rule and the detector's own target, and its outcome counted.
 * Pure; O(bars x maxHoldBars) worst case.
 */
export function calibrate(
  s: IndicatorSet,
  setup: SetupKind,
  endIndex: number,
  detector: DetectorParams,
  risk: RiskParams = DEFAULT_RISK_PARAMS,
): Calibration {
  const detect = DETECTORS[setup];
  let hits = 0;
  let stops = 0;
  let timeouts = 0;
  let previous = false;
  for (let j = 0; j < endIndex; j++) {
    const hit = detect(s, j, detector);
    const onset = hit !== null && !previous;
    previous = hit !== null;
    if (!onset || !hit) continue;
    const levels = tradeLevels(s, hit, j, risk);
    if (!levels) continue;
    const outcome = resolveOutcome(s, j, levels.stop, levels.target, risk.maxHoldBars);
    if (outcome === 'target') hits++;
    else if (outcome === 'stop') stops++;
    else if (outcome === 'timeout') timeouts++;
  }
  const sample = hits + stops + timeouts;
  return {
    setup,
    hits,
    stops,
    timeouts,
    sample,
    estimate: sample > 0 ? hits / sample : null,
    lower95: sample > 0 ? wilsonLower(hits, sample) : null,
    sufficient: sample >= risk.minSample,
    bars: endIndex,
  };
}

/** Wilson score interval lower bound at 95% (z = 1.96). */
export function wilsonLower(hits: number, n: number, z = 1.96): number {
  const p = hits / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.max(0, (centre - margin) / (1 + z2 / n));
}
