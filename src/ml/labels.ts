/**
 * Labels and the training dataset. A candle's label is decided by the NEXT bar's return
 * r = close[i+1] / close[i] - 1: BUY when r > threshold, SELL when r < -threshold, else HOLD
 * (class indices from ACTION_INDEX: BUY=0, SELL=1, HOLD=2).
 */
import { ACTION_INDEX } from '../domain/action.js';
import type { Candle } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import { buildFeatureMatrix, type SegmentOptions, segmentStarts } from './features.js';

/** Marks an index without a label (the last bar: its next bar is not known yet). */
export const NO_LABEL = -1;

function assertThreshold(threshold: number): void {
  if (!Number.isFinite(threshold) || threshold < 0) {
    throw new ConclaveError('VALIDATION_ERROR', `label threshold must be a finite fraction >= 0, got ${threshold}`);
  }
}

/**
 * Class of every index by its next-bar return; the last index is NO_LABEL. Knows nothing of gaps: use
 * buildDataset for candles, which drops labels whose next bar lies across a gap.
 * @param threshold fraction, e.g. 0.001 = 0.1%.
 * @throws ConclaveError VALIDATION_ERROR on a negative or non-finite threshold.
 */
export function buildLabels(closes: Float64Array | readonly number[], threshold: number): Int8Array {
  assertThreshold(threshold);
  const n = closes.length;
  const out = new Int8Array(n);
  for (let i = 0; i + 1 < n; i++) {
    const r = closes[i + 1] / closes[i] - 1;
    out[i] = r > threshold ? ACTION_INDEX.BUY : r < -threshold ? ACTION_INDEX.SELL : ACTION_INDEX.HOLD;
  }
  if (n > 0) out[n - 1] = NO_LABEL;
  return out;
}

export interface Dataset {
  /** Row-major features, FEATURE_NAMES order. */
  readonly X: Float64Array;
  readonly y: Uint8Array;
  readonly rows: number;
  readonly cols: number;
  /** Candle index of each row. */
  readonly candleIndex: Int32Array;
}

/**
 * Rows that have both complete features and a label, in time order. Gaps split the candles into
 * contiguous segments (see features.ts): a segment's first FEATURE_WARMUP - 1 bars have no features (their
 * 50-bar and 5-bar windows would reach across the gap) and its last bar has no label (its next bar is
 * across the gap or not known yet), so both are dropped.
 * @throws ConclaveError VALIDATION_ERROR on a bad threshold or non-increasing open times.
 */
export function buildDataset(candles: readonly Candle[], threshold: number, opts: SegmentOptions = {}): Dataset {
  assertThreshold(threshold);
  const features = buildFeatureMatrix(candles, opts);
  const starts = segmentStarts(candles, opts);
  const lastOfSegment = new Uint8Array(candles.length);
  for (let s = 0; s < starts.length; s++) lastOfSegment[(s + 1 < starts.length ? starts[s + 1] : candles.length) - 1] = 1;

  const closes = new Float64Array(candles.length);
  for (let i = 0; i < candles.length; i++) closes[i] = candles[i].close;
  const labels = buildLabels(closes, threshold);

  const { cols } = features;
  const X = new Float64Array(features.rows * cols);
  const y = new Uint8Array(features.rows);
  const candleIndex = new Int32Array(features.rows);
  let rows = 0;
  for (let r = 0; r < features.rows; r++) {
    const i = features.candleIndex[r];
    if (lastOfSegment[i] || labels[i] === NO_LABEL) continue;
    X.set(features.matrix.subarray(r * cols, (r + 1) * cols), rows * cols);
    y[rows] = labels[i];
    candleIndex[rows] = i;
    rows++;
  }
  return { X: X.slice(0, rows * cols), y: y.slice(0, rows), rows, cols, candleIndex: candleIndex.slice(0, rows) };
}
