import { describe, expect, it } from 'vitest';
import { orderId, PaperBroker } from '../../../src/execution/paper-broker.js';

describe('paper broker', () => {
  const broker = new PaperBroker({ slippageBps: 5, feeBps: 10 });
  const intent = { symbol: 'BTCUSDT', quantity: 0.5, referencePrice: 40_000, strategy: 'test' } as const;

  it('slips against the trader and charges the fee on notional (hand-computed)', () => {
    const buy = broker.fill({ ...intent, side: 'BUY' }, 'ORD-1', 40_000, 1_000);
    expect(buy.executionPrice).toBeCloseTo(40_020, 9); // 40000 * 1.0005
    expect(buy.fee).toBeCloseTo(20.01, 9); // 0.5 * 40020 * 0.001
    const sell = broker.fill({ ...intent, side: 'SELL' }, 'ORD-2', 40_000, 1_000);
    expect(sell.executionPrice).toBeCloseTo(39_980, 9);
    expect(sell.fee).toBeCloseTo(19.99, 9);
  });

  it('affordable quantity spends all cash including slippage and fee', () => {
    const q = broker.affordableQuantity(10_000, 40_000);
    expect(q * 40_020 * 1.001).toBeCloseTo(10_000, 6);
  });

  it('rejects a non-finite price', () => {
    expect(() => broker.fill({ ...intent, side: 'BUY' }, 'ORD-3', Number.NaN, 0)).toThrow(/finite/);
  });

  it('formats order ids as ORD-YYYYMMDD-<cycle>-<n>', () => {
    expect(orderId(Date.UTC(2025, 10, 29, 14, 32), 17, 1)).toBe('ORD-20251129-000017-1');
    expect(orderId(Date.UTC(2025, 0, 1), 1234567, 2)).toBe('ORD-20250101-1234567-2');
  });
});
