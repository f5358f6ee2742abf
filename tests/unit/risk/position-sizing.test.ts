import { describe, expect, it } from 'vitest';
import { PaperBroker } from '../../../src/execution/paper-broker.js';
import { Portfolio } from '../../../src/execution/portfolio.js';
import { riskPerTradeQuantity, sizeEntry } from '../../../src/risk/position-sizing.js';
import { atrStopLevels } from '../../../src/risk/stops.js';

const free = new PaperBroker({ slippageBps: 0, feeBps: 0 });
const marks = new Map([['BTCUSDT', 20_000]]);

describe('risk-per-trade sizing', () => {
  it('by hand: 10,000 equity, 1% risk, ATR 250 x 2 = 500 stop distance -> 0.2 BTC', () => {
    const { distance } = atrStopLevels('BUY', 20_000, 250, { atrMult: 2, takeProfitR: 2 });
    expect(riskPerTradeQuantity(10_000, 0.01, distance!, 0.001)).toBe(0.2);
    // loss at the stop: 0.2 * 500 = 100 = 1% of equity
  });
  it('rounds down to the venue step', () => {
    expect(riskPerTradeQuantity(10_000, 0.01, 300, 0.001)).toBe(0.333);
    expect(riskPerTradeQuantity(10_000, 0.01, 0, 0.001)).toBe(0);
  });
  it('sizeEntry in risk mode uses the stop distance, capped by affordable cash', () => {
    const book = new Portfolio({ startingCapital: 10_000, allowShort: false });
    const cfg = { mode: 'risk' as const, fraction: 0.1, riskPerTrade: 0.01, quantityStep: 0.001, allowShort: false };
    expect(sizeEntry('BUY', 'BTCUSDT', 20_000, book, marks, free, cfg, 500)).toEqual({ ok: true, side: 'BUY', quantity: 0.2 });
    // a 50-unit stop asks for 2 BTC = 40,000 USDT; the cash affords 0.5
    expect(sizeEntry('BUY', 'BTCUSDT', 20_000, book, marks, free, cfg, 50)).toEqual({ ok: true, side: 'BUY', quantity: 0.5 });
    // no stop distance: falls back to fixed fraction, 10% of 10,000 / 20,000 = 0.05
    expect(sizeEntry('BUY', 'BTCUSDT', 20_000, book, marks, free, cfg, null)).toEqual({ ok: true, side: 'BUY', quantity: 0.05 });
  });
  it('fixed mode spends the fraction; SELL closes the whole long; SELL flat is NO_POSITION', () => {
    const book = new Portfolio({ startingCapital: 10_000, allowShort: false });
    const cfg = { mode: 'fixed' as const, fraction: 0.25, riskPerTrade: 0.01, quantityStep: 0.0001, allowShort: false };
    expect(sizeEntry('BUY', 'BTCUSDT', 20_000, book, marks, free, cfg, 500)).toEqual({ ok: true, side: 'BUY', quantity: 0.125 });
    expect(sizeEntry('SELL', 'BTCUSDT', 20_000, book, marks, free, cfg, null)).toMatchObject({ ok: false, reasonCode: 'NO_POSITION' });
    book.apply({ orderId: 'x', symbol: 'BTCUSDT', side: 'BUY', quantity: 0.3, price: 20_000, executionPrice: 20_000, fee: 0, time: 0 });
    expect(sizeEntry('SELL', 'BTCUSDT', 20_000, book, marks, free, cfg, null)).toEqual({ ok: true, side: 'SELL', quantity: 0.3 });
  });
  it('covering a short is checked against cash: the whole cover when the cash pays for it, else INSUFFICIENT_CASH', () => {
    const cfg = { mode: 'fixed' as const, fraction: 0.25, riskPerTrade: 0.01, quantityStep: 0.0001, allowShort: true };
    const book = new Portfolio({ startingCapital: 1_000, allowShort: true });
    // Short 0.5 BTC at 20,000: cash 1,000 + 10,000 = 11,000.
    book.apply({ orderId: 's', symbol: 'BTCUSDT', side: 'SELL', quantity: 0.5, price: 20_000, executionPrice: 20_000, fee: 0, time: 0 });
    expect(book.cash).toBe(11_000);
    // At 22,000 the cover costs 11,000: exactly the cash.
    expect(sizeEntry('BUY', 'BTCUSDT', 22_000, book, marks, free, cfg, null)).toEqual({ ok: true, side: 'BUY', quantity: 0.5 });
    // At 22,100 it costs 11,050 > 11,000.
    expect(sizeEntry('BUY', 'BTCUSDT', 22_100, book, marks, free, cfg, null)).toMatchObject({ ok: false, reasonCode: 'INSUFFICIENT_CASH' });
    // With 10 bps of slippage the 22,000 cover costs 11,011: denied too.
    const slipping = new PaperBroker({ slippageBps: 10, feeBps: 0 });
    expect(sizeEntry('BUY', 'BTCUSDT', 22_000, book, marks, slipping, cfg, null)).toMatchObject({
      ok: false,
      reasonCode: 'INSUFFICIENT_CASH',
    });
  });
});
