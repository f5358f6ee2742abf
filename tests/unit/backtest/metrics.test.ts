import { describe, expect, it } from 'vitest';
import type { EquityRow } from '../../../src/backtest/memory-cycle-store.js';
import { computeMetrics, correlation, drawdown, YEAR_MS } from '../../../src/backtest/metrics.js';
import type { RoundTrip } from '../../../src/backtest/trades.js';

const H = 3_600_000;
const curve = (values: number[], step = H): EquityRow[] =>
  values.map((equity, i) => ({ time: (i + 1) * step, equity, cash: equity, exposure: 0 }));
const trade = (pnl: number): RoundTrip => ({
  symbol: 'X',
  side: 'LONG',
  entryTime: 0,
  exitTime: 1,
  quantity: 1,
  entryPrice: 1,
  exitPrice: 1,
  fees: 0,
  pnl,
  returnOnEquity: pnl / 100,
});

describe('computeMetrics (hand-computed)', () => {
  // Returns 100 -> 110 -> 99 -> 121: +10 %, -10 %, +22.22 %. Values below computed by hand (Python statistics).
  const m = computeMetrics({
    equity: curve([110, 99, 121]),
    trades: [trade(30), trade(-10), trade(5)],
    fills: [],
    barMs: H,
    startingCapital: 100,
  });

  it('return, Sharpe and Sortino annualised for hourly bars', () => {
    expect(m.total_return).toBeCloseTo(0.21, 12);
    expect(m.sharpe).toBeCloseTo(42.63483779103796, 8);
    expect(m.sortino).toBeCloseTo(120.12339334879631, 8);
  });

  it('max drawdown 110 -> 99 = 10 %, underwater from the 110 peak until 121: two bars', () => {
    expect(m.max_drawdown).toBeCloseTo(0.1, 12);
    expect(m.max_drawdown_duration_ms).toBe(2 * H);
    expect(m.max_drawdown_duration_bars).toBe(2);
  });

  it('profit factor 35 / 10, win rate 2 of 3, average trade 25 / 3', () => {
    expect(m.profit_factor).toBeCloseTo(3.5, 12);
    expect(m.win_rate).toBeCloseTo(2 / 3, 12);
    expect(m.avg_trade).toBeCloseTo(25 / 3, 12);
    expect(m.n_trades).toBe(3);
  });

  it('CAGR over half a year of 21 % growth is 1.21^2 - 1', () => {
    const half = computeMetrics({
      equity: curve([110, 121], YEAR_MS / 4),
      trades: [],
      fills: [],
      barMs: YEAR_MS / 4,
      startingCapital: 100,
    });
    expect(half.cagr).toBeCloseTo(0.4641, 10);
  });

  it('no losing trade: profit factor is null, not Infinity (JSON has no Infinity)', () => {
    const w = computeMetrics({ equity: curve([101]), trades: [trade(1)], fills: [], barMs: H, startingCapital: 100 });
    expect(w.profit_factor).toBeNull();
    expect(w.win_rate).toBe(1);
  });

  it('exposure counts bars with a position; turnover is notional over mean equity; fees add up', () => {
    const eq: EquityRow[] = [
      { time: H, equity: 100, cash: 50, exposure: 50 },
      { time: 2 * H, equity: 100, cash: 100, exposure: 0 },
    ];
    const fills = [
      { orderId: 'a', symbol: 'X', side: 'BUY' as const, quantity: 5, price: 10, executionPrice: 10, fee: 0.05, time: 1 },
      { orderId: 'b', symbol: 'X', side: 'SELL' as const, quantity: 5, price: 10, executionPrice: 10, fee: 0.05, time: 2 },
    ];
    const x = computeMetrics({ equity: eq, trades: [], fills, barMs: H, startingCapital: 100 });
    expect(x.exposure).toBe(0.5);
    expect(x.turnover).toBeCloseTo(1, 12);
    expect(x.fees).toBeCloseTo(0.1, 12);
  });
});

describe('drawdown', () => {
  it('an unrecovered fall lasts until the end of the run', () => {
    const d = drawdown(curve([120, 90, 100]), 100, H);
    expect(d.max).toBeCloseTo(0.25, 12);
    expect(d.durationMs).toBe(2 * H);
  });
  it('a curve that only rises has no drawdown', () => {
    expect(drawdown(curve([101, 102, 103]), 100, H)).toEqual({ max: 0, durationMs: 0, durationBars: 0 });
  });
  it('counts bars traded apart from calendar time: a hole adds time, not bars', () => {
    // Peak 120 at 1 h, underwater at 2 h and (after a 10-bar hole) at 13 h, recovered at 14 h.
    const eq: EquityRow[] = [120, 90, 100, 125].map((equity, i) => ({ time: [1, 2, 13, 14][i] * H, equity, cash: equity, exposure: 0 }));
    const d = drawdown(eq, 100, H);
    expect(d.durationMs).toBe(13 * H);
    expect(d.durationBars).toBe(3);
  });
});

describe('holes: returns within contiguous segments only', () => {
  // 100 -> 110 -> 99 | 10-bar hole | 150 -> 165: the return 99 -> 150 spans the hole.
  const times = [1, 2, 3, 14, 15];
  const eq: EquityRow[] = [100, 110, 99, 150, 165].map((equity, i) => ({ time: times[i] * H, equity, cash: equity, exposure: 1 }));
  const m = computeMetrics({ equity: eq, trades: [], fills: [], barMs: H, startingCapital: 100 });

  it('leaves the jump out of Sharpe and Sortino (hand-computed)', () => {
    // Kept returns: 0, +10 %, -10 %, +10 %; mean 0.025, sample std sqrt(0.0075 * 4 / 3 - ...) by hand:
    // deviations -0.025, 0.075, -0.125, 0.075 -> squares 0.000625 + 0.005625 + 0.015625 + 0.005625 = 0.0275; / 3.
    const std = Math.sqrt(0.0275 / 3);
    expect(m.sharpe!).toBeCloseTo((0.025 / std) * Math.sqrt(YEAR_MS / H), 9);
    // Downside: only -10 % -> sqrt(0.01 / 4) = 0.05.
    expect(m.sortino!).toBeCloseTo((0.025 / 0.05) * Math.sqrt(YEAR_MS / H), 9);
    expect(m.excluded_returns).toBe(1);
    expect(m.hole_return).toBeCloseTo(150 / 99 - 1, 12);
  });

  it('compounds CAGR from the kept returns over the bars traded (5 h), not the 15 h calendar span', () => {
    const growth = 1 * 1.1 * 0.9 * 1.1;
    expect(m.cagr!).toBeCloseTo(growth ** (YEAR_MS / (5 * H)) - 1, 9);
    expect(m.total_return).toBeCloseTo(0.65, 12);
  });

  it('also breaks at times named by `breaks` (a hole in one symbol of several)', () => {
    const contiguous = curve([100, 110, 99, 150, 165]);
    const x = computeMetrics({ equity: contiguous, trades: [], fills: [], barMs: H, startingCapital: 100, breaks: new Set([4 * H]) });
    expect(x.sharpe).toBeCloseTo(m.sharpe!, 12);
    expect(x.excluded_returns).toBe(1);
  });
});

describe('correlation', () => {
  it('is 1 for a scaled copy, -1 for a mirror, null for a constant', () => {
    expect(correlation([1, 2, 3, 5], [2, 4, 6, 10])).toBeCloseTo(1, 12);
    expect(correlation([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(correlation([1, 1, 1], [1, 2, 3])).toBeNull();
  });
});
