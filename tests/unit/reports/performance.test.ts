import { describe, expect, it } from 'vitest';
import { roundTrips } from '../../../src/backtest/trades.js';
import { type AttributedFill, performanceReport } from '../../../src/reports/performance.js';

const H = 3_600_000;
const DAY1 = Date.parse('2026-03-02T00:00:00Z');

function fill(
  time: number,
  symbol: string,
  side: 'BUY' | 'SELL',
  quantity: number,
  executionPrice: number,
  extra: Partial<AttributedFill> = {},
): AttributedFill {
  return {
    orderId: `o${time}`,
    symbol,
    side,
    quantity,
    price: executionPrice,
    executionPrice,
    fee: 1,
    time,
    strategy: null,
    reason: null,
    ...extra,
  };
}

// Three round trips, worked out by hand:
// BTC long 1 @ 100 -> 110 (sma-cross, signal): +10 - 2 fees = +8, held 3 h, 8 / 100 = 8 %
// ETH long 2 @ 50 -> 45 (take-profit? no: a stop loss), strategy rsi: -10 - 2 = -12, held 1 h, -12 / 100 = -12 %
// BTC long 1 @ 200 -> 230 on the next day (model), exit a take profit: +30 - 2 = +28, held 2 h
const fills: AttributedFill[] = [
  fill(DAY1 + 1 * H, 'BTCUSDT', 'BUY', 1, 100, { strategy: 'sma-cross' }),
  fill(DAY1 + 2 * H, 'ETHUSDT', 'BUY', 2, 50, { strategy: 'rsi' }),
  fill(DAY1 + 3 * H, 'ETHUSDT', 'SELL', 2, 45, { reason: 'STOP_LOSS' }),
  fill(DAY1 + 4 * H, 'BTCUSDT', 'SELL', 1, 110, { strategy: 'sma-cross' }),
  fill(DAY1 + 25 * H, 'BTCUSDT', 'BUY', 1, 200),
  fill(DAY1 + 27 * H, 'BTCUSDT', 'SELL', 1, 230, { reason: 'TAKE_PROFIT' }),
  // Still open: not a trade.
  fill(DAY1 + 28 * H, 'ETHUSDT', 'BUY', 1, 60, { strategy: 'rsi' }),
];
const equity = [1000, 1010, 990, 1008, 1050, 1020].map((e, i) => ({ time: DAY1 + i * H, equity: e }));

describe('performanceReport', () => {
  const r = performanceReport(fills, equity, H);

  it('lists closed round trips newest exit first with strategy, exit reason, holding time and PnL %', () => {
    expect(r.trades.map((t) => [t.symbol, t.strategy, t.exitReason, t.holdingMs / H])).toEqual([
      ['BTCUSDT', 'model', 'TAKE_PROFIT', 2],
      ['BTCUSDT', 'sma-cross', 'SIGNAL', 3],
      ['ETHUSDT', 'rsi', 'STOP_LOSS', 1],
    ]);
    expect(r.trades.map((t) => t.pnl)).toEqual([28, 8, -12]);
    expect(r.trades[1].pnlPct).toBeCloseTo(0.08, 12);
    expect(r.trades[2].pnlPct).toBeCloseTo(-0.12, 12);
    expect(r.trades[2]).toMatchObject({ entryPrice: 50, exitPrice: 45, quantity: 2, fees: 2, side: 'LONG' });
  });

  it('pairs exactly as the backtest does', () => {
    const backtest = roundTrips(fills, []);
    expect([...r.trades].reverse().map((t) => t.pnl)).toEqual(backtest.map((t) => t.pnl));
  });

  it('sums win rate, profit factor, net PnL and drawdown', () => {
    expect(r.summary).toMatchObject({ trades: 3, wins: 2, losses: 1, netPnl: 24, fees: 6, best: 28, worst: -12 });
    expect(r.summary.winRate).toBeCloseTo(2 / 3, 12);
    expect(r.summary.profitFactor).toBeCloseTo(36 / 12, 12);
    expect(r.summary.avgHoldingMs).toBe(2 * H);
    // Peak 1010 -> 990 (1.98 %) before the 1050 peak; 1050 -> 1020 (2.86 %) after it: the larger, still open.
    expect(r.summary.maxDrawdown).toBeCloseTo(1 - 1020 / 1050, 12);
    expect(r.summary.currentDrawdown).toBeCloseTo(1 - 1020 / 1050, 12);
  });

  it('groups per symbol and per strategy, best first, and per UTC day of exit', () => {
    expect(r.bySymbol.map((s) => [s.symbol, s.trades, s.netPnl])).toEqual([
      ['BTCUSDT', 2, 36],
      ['ETHUSDT', 1, -12],
    ]);
    expect(r.byStrategy.map((s) => [s.strategy, s.netPnl])).toEqual([
      ['model', 28],
      ['sma-cross', 8],
      ['rsi', -12],
    ]);
    expect(r.daily).toEqual([
      { day: '2026-03-02', pnl: -4, trades: 2 },
      { day: '2026-03-03', pnl: 28, trades: 1 },
    ]);
  });

  it('is empty, not wrong, without fills or equity', () => {
    const empty = performanceReport([], [], H);
    expect(empty.trades).toEqual([]);
    expect(empty.summary).toMatchObject({ trades: 0, winRate: null, profitFactor: null, maxDrawdown: 0, currentDrawdown: 0 });
    expect(empty.daily).toEqual([]);
  });
});
