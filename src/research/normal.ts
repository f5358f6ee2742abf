/**
 * The standard normal distribution to ~1e-15 absolute, which the deflated Sharpe ratio needs: its tests compare
 * probabilities to 1e-6, so the usual 1e-7 textbook approximations of the CDF are not good enough.
 */

/** Density of the standard normal at `x`. */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/**
 * Φ(x), the standard normal CDF. For |x| <= 3 Marsaglia's series Φ(x) = 1/2 + φ(x)·(x + x³/3 + x⁵/(3·5) + …)
 * (only positive terms, no cancellation); beyond, the tail's continued fraction φ(x)/(x + 1/(x + 2/(x + …))),
 * which keeps the tiny tail probabilities accurate relative to their size, not just to 1e-16.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < -3) return upperTail(-x);
  if (x > 3) return 1 - upperTail(x);
  let term = x;
  let sum = x;
  const x2 = x * x;
  for (let k = 3; ; k += 2) {
    term *= x2 / k;
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  return 0.5 + normalPdf(x) * sum;
}

/** 1 - Φ(x) for x > 3 by the modified Lentz evaluation of the continued fraction. */
function upperTail(x: number): number {
  if (x > 40) return 0;
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    d = x + k * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + k / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return normalPdf(x) / f;
}

// Acklam's rational approximation (relative error 1.15e-9), refined below by one Halley step on normalCdf.
const A = [-39.69683028665376, 220.9460984245205, -275.928510446969, 138.357751867269, -30.66479806614716, 2.506628277459239];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

/**
 * Φ⁻¹(p), the standard normal quantile, for 0 < p < 1.
 * @throws RangeError when p is outside (0, 1): the quantile is infinite or undefined there.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  // 1 - p is exact for p >= 0.5, and the lower tail is where the CDF is accurate relative to its size.
  if (p > 0.5) return -normalQuantile(1 - p);
  let x: number;
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) /
      ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * q) /
      (((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1);
  }
  // Halley's step: the error of Acklam's approximation is squared-and-cubed away by an exact CDF.
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}
