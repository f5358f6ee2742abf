/** Moments of a series of per-period returns, as the Sharpe-ratio statistics need them. */
export interface ReturnMoments {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n - 1). */
  readonly sd: number;
  /** Population skewness m3 / m2^1.5 (the moment the PSR formula is written in); 0 when flat or n < 3. */
  readonly skewness: number;
  /** Population kurtosis m4 / m2², not excess (3 for a normal); 3 when flat or n < 4. */
  readonly kurtosis: number;
}

/** Two passes over the data: the mean first, then centred powers, so large offsets do not cancel. */
export function returnMoments(returns: ArrayLike<number>): ReturnMoments {
  const n = returns.length;
  if (n === 0) return { n, mean: 0, sd: 0, skewness: 0, kurtosis: 3 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += returns[i]!;
  const mean = sum / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = returns[i]! - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  let sumSq = 0;
  for (let i = 0; i < n; i++) sumSq += returns[i]! * returns[i]!;
  // A constant series leaves rounding dust in m2, not a variance: treat it as flat.
  const flat = !(m2 > 1e-12 * sumSq);
  const sd = n > 1 && !flat ? Math.sqrt(m2 / (n - 1)) : 0;
  const pm2 = m2 / n;
  return {
    n,
    mean,
    sd,
    skewness: flat || n < 3 ? 0 : m3 / n / pm2 ** 1.5,
    kurtosis: flat || n < 4 ? 3 : m4 / n / (pm2 * pm2),
  };
}

/** Per-period Sharpe ratio: mean over sample standard deviation, 0 for a flat series. */
export function sharpeOf(returns: ArrayLike<number>): number {
  const m = returnMoments(returns);
  return m.sd > 0 ? m.mean / m.sd : 0;
}

/** Per-period Sortino ratio: mean over the downside deviation √(mean(min(r, 0)²)), 0 when no period lost. */
export function sortinoOf(returns: ArrayLike<number>): number {
  const n = returns.length;
  if (n === 0) return 0;
  let sum = 0;
  let down = 0;
  for (let i = 0; i < n; i++) {
    const r = returns[i]!;
    sum += r;
    if (r < 0) down += r * r;
  }
  return down > 0 ? sum / n / Math.sqrt(down / n) : 0;
}
