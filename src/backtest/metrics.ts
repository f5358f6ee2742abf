import type { Fill } from '../domain/order.js';
import type { PaperBroker } from '../execution/paper-broker.js';
import type { CandleColumns } from '../market/csv-candles.js';
import type { EquityRow } from './memory-cycle-store.js';
import type { RoundTrip } from './trades.js';

/** Crypto trades around the clock: a year is 365.25 days of bars. */
export const YEAR_MS = 365.25 * 86_400_000;

/**
 * Performance of one run, snake_case as the CLI's JSON prints it. Ratios are fractions (0.12 = 12 %);
 * money is quote currency. null where a figure is undefined (no trades, no losing trades, a flat curve).
 */
export interface BacktestMetrics {
  readonly start_equity: number;
  readonly final_equity: number;
  readonly total_return: number;
  /**
   * Compound annual growth of the per-bar returns within contiguous segments, over the time actually traded
   * (bars x interval): a hole's jump and its calendar time are both left out (holes.ts).
   */
  readonly cagr: number | null;
  /** Mean / sample std of per-bar returns within contiguous segments, times sqrt(bars per year). */
  readonly sharpe: number | null;
  /** Mean per-bar return / downside deviation (root mean square of negative returns), times sqrt(bars per year). */
  readonly sortino: number | null;
  /** Compounded equity change across holes in the data (excluded from Sharpe, Sortino, CAGR; in total_return). */
  readonly hole_return: number;
  /** Per-bar returns left out because they span a hole. */
  readonly excluded_returns: number;
  /** Largest peak-to-trough fall of equity, as a fraction of the peak (0.25 = -25 %). */
  readonly max_drawdown: number;
  /**
   * Longest time from a peak until equity regained it (or the run ended): calendar time (ms and days, holes
   * included) and bars actually traded (equity points, holes not counted).
   */
  readonly max_drawdown_duration_ms: number;
  readonly max_drawdown_duration_days: number;
  readonly max_drawdown_duration_bars: number;
  /** Gross profit of winning round trips / gross loss of losing ones (null without a loss). */
  readonly profit_factor: number | null;
  readonly win_rate: number | null;
  readonly n_trades: number;
  /** Mean net PnL per round trip (quote) and mean return on equity per round trip. */
  readonly avg_trade: number | null;
  readonly avg_trade_return: number | null;
  /** Share of bars with an open position. */
  readonly exposure: number;
  /** Traded notional / mean equity. */
  readonly turnover: number;
  readonly fees: number;
  readonly bars: number;
}

export interface MetricsInput {
  readonly equity: readonly EquityRow[];
  readonly trades: readonly RoundTrip[];
  readonly fills: readonly Fill[];
  /** Length of one bar (the interval), ms. */
  readonly barMs: number;
  readonly startingCapital: number;
  /** Fees paid when there are no fills to sum them from (buy-and-hold). */
  readonly extraFees?: number;
  /**
   * Equity times whose return spans a hole in some symbol's data (holes.ts holeBreaks). A return is also
   * treated as spanning a hole when its two points are more than one bar apart.
   */
  readonly breaks?: ReadonlySet<number>;
}

/** True when the return into equity point `i` crosses missing candles and must stay out of the statistics. */
function spansHole(equity: readonly EquityRow[], i: number, barMs: number, breaks: ReadonlySet<number> | undefined): boolean {
  if (i === 0) return false;
  return equity[i].time - equity[i - 1].time > barMs || (breaks?.has(equity[i].time) ?? false);
}

/** Every metric of BacktestMetrics from an equity curve (one point per bar) and the run's round trips. */
export function computeMetrics(input: MetricsInput): BacktestMetrics {
  const { equity, trades, fills, barMs, startingCapital } = input;
  const n = equity.length;
  const final = n > 0 ? equity[n - 1].equity : startingCapital;
  const barsPerYear = YEAR_MS / barMs;

  // Per-bar returns within contiguous segments, the first from the starting capital to the first point.
  let prev = startingCapital;
  let sum = 0;
  let sumSq = 0;
  let downSq = 0;
  let m = 0;
  let growth = 1;
  let holeGrowth = 1;
  for (let i = 0; i < n; i++) {
    const r = prev > 0 ? equity[i].equity / prev - 1 : 0;
    prev = equity[i].equity;
    if (spansHole(equity, i, barMs, input.breaks)) {
      holeGrowth *= 1 + r;
      continue;
    }
    m++;
    growth *= 1 + r;
    sum += r;
    sumSq += r * r;
    if (r < 0) downSq += r * r;
  }
  const mean = m > 0 ? sum / m : 0;
  const variance = m > 1 ? (sumSq - m * mean * mean) / (m - 1) : 0;
  const std = Math.sqrt(Math.max(0, variance));
  const downside = m > 0 ? Math.sqrt(downSq / m) : 0;

  const dd = drawdown(equity, startingCapital, barMs);
  // Time actually traded: one interval per equity point, whatever holes lie between them.
  const tradedMs = n * barMs;

  let grossWin = 0;
  let grossLoss = 0;
  let wins = 0;
  let pnlSum = 0;
  let retSum = 0;
  for (const t of trades) {
    if (t.pnl > 0) {
      grossWin += t.pnl;
      wins++;
    } else grossLoss -= t.pnl;
    pnlSum += t.pnl;
    retSum += t.returnOnEquity;
  }
  let exposed = 0;
  let equitySum = 0;
  for (const e of equity) {
    if (e.exposure > 0) exposed++;
    equitySum += e.equity;
  }
  let notional = 0;
  let fees = input.extraFees ?? 0;
  for (const f of fills) {
    notional += f.quantity * f.executionPrice;
    fees += f.fee;
  }
  const meanEquity = n > 0 ? equitySum / n : startingCapital;
  return {
    start_equity: startingCapital,
    final_equity: final,
    total_return: final / startingCapital - 1,
    cagr: tradedMs > 0 && growth > 0 ? growth ** (YEAR_MS / tradedMs) - 1 : null,
    sharpe: std > 0 ? (mean / std) * Math.sqrt(barsPerYear) : null,
    sortino: downside > 0 ? (mean / downside) * Math.sqrt(barsPerYear) : null,
    hole_return: holeGrowth - 1,
    excluded_returns: n - m,
    max_drawdown: dd.max,
    max_drawdown_duration_ms: dd.durationMs,
    max_drawdown_duration_days: dd.durationMs / 86_400_000,
    max_drawdown_duration_bars: dd.durationBars,
    profit_factor: grossLoss > 0 ? grossWin / grossLoss : null,
    win_rate: trades.length > 0 ? wins / trades.length : null,
    n_trades: trades.length,
    avg_trade: trades.length > 0 ? pnlSum / trades.length : null,
    avg_trade_return: trades.length > 0 ? retSum / trades.length : null,
    exposure: n > 0 ? exposed / n : 0,
    turnover: meanEquity > 0 ? notional / meanEquity : 0,
    fees,
    bars: n,
  };
}

/**
 * Largest drawdown (fraction of the running peak) and the longest underwater spell: from the bar a peak was
 * set until the first bar back at or above it, or the end of the run, as calendar time and as bars traded
 * (equity points; a hole in the data adds time but no bars). The starting capital is the first peak, set one
 * bar before the first point.
 */
export function drawdown(
  equity: readonly EquityRow[],
  startingCapital: number,
  barMs: number,
): { max: number; durationMs: number; durationBars: number } {
  let peak = startingCapital;
  let peakTime = equity.length > 0 ? equity[0].time - barMs : 0;
  let peakIndex = -1;
  let underwater = false;
  let max = 0;
  let longest = 0;
  let longestBars = 0;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i];
    if (e.equity >= peak) {
      if (underwater) {
        longest = Math.max(longest, e.time - peakTime);
        longestBars = Math.max(longestBars, i - peakIndex);
      }
      underwater = false;
      peak = e.equity;
      peakTime = e.time;
      peakIndex = i;
    } else {
      underwater = true;
      max = Math.max(max, 1 - e.equity / peak);
    }
  }
  if (underwater) {
    longest = Math.max(longest, equity[equity.length - 1].time - peakTime);
    longestBars = Math.max(longestBars, equity.length - 1 - peakIndex);
  }
  return { max, durationMs: longest, durationBars: longestBars };
}

export interface BuyAndHoldSeries {
  readonly cols: CandleColumns;
}

/**
 * Buy-and-hold over the same window: the starting capital split equally across the symbols, each bought at
 * the open of its first bar after the first cycle (the earliest price the strategy could trade at) with the
 * same fee and slippage, then held and marked at each close. Returns one point per time in `times`.
 */
export function buyAndHold(
  series: readonly BuyAndHoldSeries[],
  times: readonly number[],
  startingCapital: number,
  broker: PaperBroker,
): { equity: EquityRow[]; fees: number } {
  const out: EquityRow[] = [];
  if (times.length === 0 || series.length === 0) return { equity: out, fees: 0 };
  const alloc = startingCapital / series.length;
  const qty = new Float64Array(series.length);
  const entry = new Int32Array(series.length);
  const ptr = new Int32Array(series.length);
  let fees = 0;
  let cash = 0;
  for (let k = 0; k < series.length; k++) {
    const { cols } = series[k];
    // First bar opening after the first cycle's close.
    let i = 0;
    while (i < cols.length && cols.openTime[i] <= times[0]) i++;
    entry[k] = i;
    if (i >= cols.length) {
      cash += alloc;
      continue;
    }
    qty[k] = broker.affordableQuantity(alloc, cols.open[i]);
    const exec = broker.executionPrice('BUY', cols.open[i]);
    const fee = broker.fee(qty[k], exec);
    fees += fee;
    cash += alloc - qty[k] * exec - fee;
  }
  for (const t of times) {
    let value = cash;
    let exposure = 0;
    for (let k = 0; k < series.length; k++) {
      const { cols } = series[k];
      while (ptr[k] + 1 < cols.length && cols.closeTime[ptr[k] + 1] <= t) ptr[k]++;
      if (ptr[k] >= entry[k] && cols.closeTime[ptr[k]] <= t && entry[k] < cols.length) {
        const v = qty[k] * cols.close[ptr[k]];
        value += v;
        exposure += v;
      } else {
        value += entry[k] < cols.length ? alloc : 0;
      }
    }
    out.push({ time: t, equity: value, cash, exposure });
  }
  return { equity: out, fees };
}

/** Pearson correlation of two equal-length series (null when either is constant or shorter than 2). */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  const n = Math.min(a.length, b.length);
  if (n < 2) return null;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : null;
}

/** Per-bar simple returns of an equity curve, the first from `start`. */
export function barReturns(equity: readonly EquityRow[], start: number): Float64Array {
  const out = new Float64Array(equity.length);
  let prev = start;
  for (let i = 0; i < equity.length; i++) {
    out[i] = prev > 0 ? equity[i].equity / prev - 1 : 0;
    prev = equity[i].equity;
  }
  return out;
}
