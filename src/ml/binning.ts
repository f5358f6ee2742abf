/**
 * Quantile binning for the forest's optional binned mode (`bins` option). Each feature gets at most `bins - 1` cut thresholds computed once per
 * fit; a value's code is the number of thresholds strictly below it, so `x <= thresholds[b]` holds exactly when
 * `code(x) <= b`. Trees are grown on the uint8 codes and store the raw threshold, so prediction works on raw
 * floats and agrees with training bit for bit.
 */

/** Largest supported bin count: codes must fit in a uint8. */
export const MAX_BINS = 256;

/** Index of the first element of sorted `a` that is >= `x` (binary search). */
function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Midpoint of two adjacent distinct values that still separates them (as scikit-learn does). */
export function separatingMidpoint(below: number, above: number): number {
  const mid = below / 2 + above / 2;
  return mid >= above || !Number.isFinite(mid) ? below : mid;
}

/**
 * Cut thresholds of one column: midpoints between distinct values when there are few enough, else between
 * the values at the `k / bins` quantiles and their predecessors. NaN values are ignored here and fall into
 * the last bin (and go right at prediction, since `NaN <= t` is false).
 */
export function columnThresholds(values: Float64Array, bins: number): Float64Array {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort();
  const n = sorted.length;
  if (n === 0) return new Float64Array(0);
  let distinct = 1;
  for (let i = 1; i < n && distinct <= bins; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  const out: number[] = [];
  if (distinct <= bins) {
    for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) out.push(separatingMidpoint(sorted[i - 1], sorted[i]));
  } else {
    let last = Number.NEGATIVE_INFINITY;
    for (let k = 1; k < bins; k++) {
      const cut = sorted[Math.floor((k * n) / bins)];
      const first = lowerBound(sorted, cut);
      if (first === 0) continue;
      const t = separatingMidpoint(sorted[first - 1], cut);
      if (t > last) {
        out.push(t);
        last = t;
      }
    }
  }
  return Float64Array.from(out);
}

/** Code of one value against a column's thresholds: how many thresholds lie strictly below it. */
export function binCode(thresholds: Float64Array, x: number): number {
  return Number.isNaN(x) ? thresholds.length : lowerBound(thresholds, x);
}

/**
 * Bins a row-major matrix into column-major uint8 codes (`codes[f * rows + i]`).
 */
export function binMatrix(X: Float64Array, rows: number, cols: number, bins: number): { codes: Uint8Array; thresholds: Float64Array[] } {
  const codes = new Uint8Array(rows * cols);
  const thresholds: Float64Array[] = [];
  const column = new Float64Array(rows);
  for (let f = 0; f < cols; f++) {
    for (let i = 0; i < rows; i++) column[i] = X[i * cols + f];
    const t = columnThresholds(column, bins);
    thresholds.push(t);
    const base = f * rows;
    for (let i = 0; i < rows; i++) codes[base + i] = binCode(t, column[i]);
  }
  return { codes, thresholds };
}
