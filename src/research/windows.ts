import { ConclaveError } from '../domain/errors.js';

/** One walk-forward window as indices into a campaign's bars: train [trainFrom, trainTo), test [testFrom, testTo). */
export interface WfoWindow {
  readonly index: number;
  readonly trainFrom: number;
  readonly trainTo: number;
  readonly testFrom: number;
  readonly testTo: number;
}

/**
 * Rolling walk-forward windows over `bars` bars: each test window has `t` bars and follows its training
 * window of `trainRatio x t` bars; consecutive windows move on by `t`, so the test windows tile the end of
 * the range without overlap and each training window ends where its test begins. `t` is the largest whole
 * number with trainRatio x t + windows x t <= bars; the last test window takes the remainder.
 * @throws ConclaveError VALIDATION_ERROR when a test window would have fewer than `minTestBars` bars.
 */
export function wfoWindows(bars: number, windows: number, trainRatio: number, minTestBars = 10): WfoWindow[] {
  if (!Number.isInteger(windows) || windows < 1) {
    throw new ConclaveError('VALIDATION_ERROR', `windows must be a positive whole number, got ${windows}`, { field: 'windows' });
  }
  const t = Math.floor(bars / (trainRatio + windows));
  if (t < minTestBars) {
    throw new ConclaveError(
      'INSUFFICIENT_DATA',
      `${windows} walk-forward windows over ${bars} tradeable bars leave ${t} bars per test window; need at least ${minTestBars}`,
      { field: 'windows', bars },
    );
  }
  const train = Math.floor(trainRatio * t);
  const offset = bars - (train + windows * t);
  const out: WfoWindow[] = [];
  for (let k = 0; k < windows; k++) {
    const trainFrom = offset + k * t;
    const testFrom = trainFrom + train;
    out.push({ index: k, trainFrom, trainTo: testFrom, testFrom, testTo: k === windows - 1 ? bars : testFrom + t });
  }
  return out;
}
