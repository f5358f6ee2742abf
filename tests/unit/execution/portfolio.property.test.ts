import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Fill } from '../../../src/domain/order.js';
import { Portfolio } from '../../../src/execution/portfolio.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'] as const;
const START = 10_000;

/** One step of a random session: a fill attempt (sized from the book so most are valid) and new marks. */
const step = fc.record({
  symbol: fc.constantFrom(...SYMBOLS),
  side: fc.constantFrom('BUY' as const, 'SELL' as const),
  /** Fraction of cash (BUY) or of the held quantity (SELL); > 1 produces fills the book must refuse. */
  fraction: fc.double({ min: 0.001, max: 1.3, noNaN: true }),
  price: fc.double({ min: 0.01, max: 100_000, noNaN: true }),
  feeBps: fc.double({ min: 0, max: 50, noNaN: true }),
  marks: fc.tuple(...SYMBOLS.map(() => fc.double({ min: 0.01, max: 100_000, noNaN: true }))),
});

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

function near(actual: number, expected: number, scale: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(scale)));
}

/**
 * An independent ledger kept by the test: cash and quantities from the raw fills, no averaging. The book's
 * figures must agree with it, and its identities must hold, after every fill of any random sequence.
 */
function runSession(allowShort: boolean, steps: readonly Step[]): void {
  const book = new Portfolio({ startingCapital: START, allowShort });
  let cash = START;
  let fees = 0;
  const qty = new Map<string, number>();
  const marks = new Map<string, number>();
  steps.forEach((s, i) => {
    const held = qty.get(s.symbol) ?? 0;
    const base = s.side === 'BUY' ? (book.cash / s.price) * s.fraction : Math.max(held, allowShort ? 1 : 0) * s.fraction;
    const quantity = Number(base.toPrecision(12));
    if (!(quantity > 0)) return;
    const fee = quantity * s.price * (s.feeBps / 10_000);
    const fill: Fill = {
      orderId: `o${i}`,
      symbol: s.symbol,
      side: s.side,
      quantity,
      price: s.price,
      executionPrice: s.price,
      fee,
      time: i,
    };
    const before = book.toBook();
    try {
      book.apply(fill);
    } catch {
      // A refused fill changes nothing.
      expect(book.toBook()).toEqual(before);
      return;
    }
    const notional = quantity * s.price;
    cash += s.side === 'BUY' ? -notional - fee : notional - fee;
    fees += fee;
    qty.set(s.symbol, held + (s.side === 'BUY' ? quantity : -quantity));
    SYMBOLS.forEach((sym, k) => {
      marks.set(sym, s.marks[k]);
    });

    const snap = book.snapshot(marks, i);
    const scale = START + notional + SYMBOLS.reduce((a, sym) => a + Math.abs((qty.get(sym) ?? 0) * marks.get(sym)!), 0);
    expect(book.cash).toBeGreaterThanOrEqual(0);
    near(book.cash, cash, scale);
    near(book.feesPaid, fees, scale);
    for (const sym of SYMBOLS) near(book.quantity(sym), qty.get(sym) ?? 0, Math.abs(qty.get(sym) ?? 0) + 1);
    if (!allowShort) for (const p of snap.positions) expect(p.quantity).toBeGreaterThan(0);
    // cash + sum(qty * mark) == equity, from the test's own ledger
    const ledgerEquity = cash + SYMBOLS.reduce((a, sym) => a + (qty.get(sym) ?? 0) * marks.get(sym)!, 0);
    near(snap.equity, ledgerEquity, scale);
    near(book.equity(marks), snap.equity, scale);
    // equity == start + realised + unrealised - fees
    near(snap.equity, START + snap.realizedPnl + snap.unrealizedPnl - snap.feesPaid, scale);
  });
}

describe('Portfolio identities over random fill sequences (fast-check)', () => {
  it('spot long-only: ledger agreement, cash never negative, no short position, identity after every fill', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => runSession(false, steps)),
      { numRuns: 300 },
    );
  });

  it('with shorting enabled: the same identities hold through flips from long to short', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => runSession(true, steps)),
      { numRuns: 300 },
    );
  });

  it('a SELL beyond the long position is refused when shorting is off', () => {
    const book = new Portfolio({ startingCapital: START, allowShort: false });
    book.apply({ orderId: 'a', symbol: 'BTCUSDT', side: 'BUY', quantity: 0.1, price: 100, executionPrice: 100, fee: 0, time: 0 });
    expect(() =>
      book.apply({ orderId: 'b', symbol: 'BTCUSDT', side: 'SELL', quantity: 0.2, price: 100, executionPrice: 100, fee: 0, time: 1 }),
    ).toThrow(/exceeds held/);
    expect(book.quantity('BTCUSDT')).toBe(0.1);
  });

  it('realises PnL by hand: buy 2 @ 100, buy 2 @ 200 (avg 150), sell 3 @ 180 -> +90 realised, 1 left at 150', () => {
    const book = new Portfolio({ startingCapital: 1_000, allowShort: false });
    const f = (side: 'BUY' | 'SELL', quantity: number, price: number): Fill => ({
      orderId: `${side}${price}`,
      symbol: 'X',
      side,
      quantity,
      price,
      executionPrice: price,
      fee: 1,
      time: 0,
    });
    book.apply(f('BUY', 2, 100));
    book.apply(f('BUY', 2, 200));
    book.apply(f('SELL', 3, 180));
    expect(book.realizedPnl).toBeCloseTo(90, 10);
    expect(book.position('X')).toMatchObject({ quantity: 1, avgPrice: 150 });
    // 1000 - 200 - 400 + 540 - 3 fees = 937
    expect(book.cash).toBeCloseTo(937, 10);
    expect(book.equity(new Map([['X', 160]]))).toBeCloseTo(1_097, 10);
  });
});
