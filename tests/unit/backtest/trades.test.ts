import { describe, expect, it } from 'vitest';
import { roundTrips } from '../../../src/backtest/trades.js';
import type { Fill } from '../../../src/domain/order.js';

const fill = (side: 'BUY' | 'SELL', quantity: number, executionPrice: number, fee: number, time: number, symbol = 'X'): Fill => ({
  orderId: `o${time}`,
  symbol,
  side,
  quantity,
  price: executionPrice,
  executionPrice,
  fee,
  time,
});

describe('roundTrips', () => {
  it('scaling in and out is one trade; pnl is net of fees', () => {
    const t = roundTrips([fill('BUY', 1, 100, 1, 1), fill('BUY', 1, 110, 1, 2), fill('SELL', 2, 120, 2, 3)]);
    expect(t).toHaveLength(1);
    // cash flow: -100 - 110 + 240, fees 4
    expect(t[0].pnl).toBeCloseTo(26, 12);
    expect(t[0].entryPrice).toBeCloseTo(105, 12);
    expect(t[0].exitPrice).toBeCloseTo(120, 12);
    expect(t[0].quantity).toBe(2);
    expect(t[0].side).toBe('LONG');
  });

  it('a flip closes the long and opens a short, splitting the fee pro rata', () => {
    const t = roundTrips([fill('BUY', 1, 100, 0, 1), fill('SELL', 3, 90, 3, 2), fill('BUY', 2, 80, 0, 3)]);
    expect(t.map((x) => x.side)).toEqual(['LONG', 'SHORT']);
    expect(t[0].pnl).toBeCloseTo(-10 - 1, 12);
    expect(t[1].pnl).toBeCloseTo(2 * 10 - 2, 12);
  });

  it('an open position at the end is not a trade; symbols are tracked apart', () => {
    const t = roundTrips([fill('BUY', 1, 100, 0, 1, 'A'), fill('BUY', 1, 50, 0, 2, 'B'), fill('SELL', 1, 60, 0, 3, 'B')]);
    expect(t).toHaveLength(1);
    expect(t[0].symbol).toBe('B');
    expect(t[0].pnl).toBeCloseTo(10, 12);
  });

  it('return on equity uses the last equity point before the entry', () => {
    const t = roundTrips(
      [fill('BUY', 1, 100, 0, 10), fill('SELL', 1, 110, 0, 20)],
      [
        { time: 5, equity: 1000, cash: 1000, exposure: 0 },
        { time: 15, equity: 2000, cash: 0, exposure: 0 },
      ],
    );
    expect(t[0].returnOnEquity).toBeCloseTo(0.01, 12);
  });
});
