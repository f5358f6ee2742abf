import { describe, expect, it } from 'vitest';
import { atrStopLevels, checkStops } from '../../../src/risk/stops.js';

const long = { quantity: 1, stopLoss: 95, takeProfit: 110 };
const short = { quantity: -1, stopLoss: 105, takeProfit: 90 };
const bar = (open: number, high: number, low: number) => ({ open, high, low });

describe('checkStops', () => {
  it('long: a low through the stop fills at the stop price', () => {
    expect(checkStops(long, bar(100, 101, 94))).toEqual({ kind: 'STOP_LOSS', price: 95, gap: false });
  });
  it('long: a gap below the stop fills at the open, not at the stop', () => {
    expect(checkStops(long, bar(92, 93, 90))).toEqual({ kind: 'STOP_LOSS', price: 92, gap: true });
  });
  it('long: a high through the target fills at the target; a gap above fills at the open', () => {
    expect(checkStops(long, bar(100, 111, 99))).toEqual({ kind: 'TAKE_PROFIT', price: 110, gap: false });
    expect(checkStops(long, bar(115, 116, 112))).toEqual({ kind: 'TAKE_PROFIT', price: 115, gap: true });
  });
  it('long: a candle spanning both levels counts as the stop-loss (pessimistic)', () => {
    expect(checkStops(long, bar(100, 120, 80))).toEqual({ kind: 'STOP_LOSS', price: 95, gap: false });
  });
  it('long: touching exactly the level triggers; a candle inside the band does not', () => {
    expect(checkStops(long, bar(100, 105, 95))?.kind).toBe('STOP_LOSS');
    expect(checkStops(long, bar(100, 109.99, 95.01))).toBeNull();
  });
  it('short mirrors the long rules', () => {
    expect(checkStops(short, bar(100, 106, 99))).toEqual({ kind: 'STOP_LOSS', price: 105, gap: false });
    expect(checkStops(short, bar(108, 109, 107))).toEqual({ kind: 'STOP_LOSS', price: 108, gap: true });
    expect(checkStops(short, bar(100, 101, 89))).toEqual({ kind: 'TAKE_PROFIT', price: 90, gap: false });
    expect(checkStops(short, bar(85, 86, 84))).toEqual({ kind: 'TAKE_PROFIT', price: 85, gap: true });
  });
  it('flat positions and missing levels never trigger', () => {
    expect(checkStops({ quantity: 0, stopLoss: 95, takeProfit: 110 }, bar(50, 200, 10))).toBeNull();
    expect(checkStops({ quantity: 1, stopLoss: null, takeProfit: null }, bar(50, 200, 10))).toBeNull();
    expect(checkStops({ quantity: 1, stopLoss: null, takeProfit: 110 }, bar(50, 100, 10))).toBeNull();
  });
});

describe('atrStopLevels', () => {
  it('long: stop 2 ATR below, target 2R above (ATR 250: stop 500 below 20,000, target 1,000 above)', () => {
    expect(atrStopLevels('BUY', 20_000, 250, { atrMult: 2, takeProfitR: 2 })).toEqual({
      stopLoss: 19_500,
      takeProfit: 21_000,
      distance: 500,
    });
  });
  it('short mirrors; R=0 gives no target; no ATR gives no levels', () => {
    expect(atrStopLevels('SELL', 100, 5, { atrMult: 1, takeProfitR: 0 })).toEqual({ stopLoss: 105, takeProfit: null, distance: 5 });
    expect(atrStopLevels('BUY', 100, null, { atrMult: 2, takeProfitR: 2 })).toEqual({ stopLoss: null, takeProfit: null, distance: null });
    expect(atrStopLevels('BUY', 100, 5, { atrMult: 0, takeProfitR: 2 }).stopLoss).toBeNull();
  });
});
