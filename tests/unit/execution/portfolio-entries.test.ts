import { describe, expect, it } from 'vitest';
import type { Fill } from '../../../src/domain/order.js';
import { Portfolio } from '../../../src/execution/portfolio.js';

let n = 0;
const fill = (side: 'BUY' | 'SELL', quantity: number, price = 100): Fill => ({
  orderId: `o${++n}`,
  symbol: 'X',
  side,
  quantity,
  price,
  executionPrice: price,
  fee: 0,
  time: n,
});

describe('Portfolio entries (MAX_ENTRIES_PER_POSITION counts them)', () => {
  it('opening counts 1, each add in the same direction 1 more, reducing none, flat 0', () => {
    const book = new Portfolio({ startingCapital: 10_000, allowShort: false });
    expect(book.entries('X')).toBe(0);
    book.apply(fill('BUY', 1));
    expect(book.entries('X')).toBe(1);
    book.apply(fill('BUY', 2));
    expect(book.entries('X')).toBe(2);
    book.apply(fill('SELL', 1));
    expect(book.entries('X')).toBe(2);
    book.apply(fill('SELL', 2));
    expect(book.entries('X')).toBe(0);
    book.apply(fill('BUY', 1));
    expect(book.entries('X')).toBe(1);
  });

  it('a flip through zero opens a new position with one entry; entries survive toBook and clone', () => {
    const book = new Portfolio({ startingCapital: 10_000, allowShort: true });
    book.apply(fill('BUY', 1));
    book.apply(fill('BUY', 1));
    book.apply(fill('SELL', 3));
    expect(book.quantity('X')).toBe(-1);
    expect(book.entries('X')).toBe(1);
    book.apply(fill('SELL', 1));
    expect(book.clone().entries('X')).toBe(2);
    expect(new Portfolio(book.config, book.toBook()).entries('X')).toBe(2);
  });

  it('a stored position without a count (written before the column existed) is one entry', () => {
    const book = new Portfolio(
      { startingCapital: 10_000, allowShort: false },
      { cash: 0, realizedPnl: 0, feesPaid: 0, positions: [{ symbol: 'X', quantity: 1, avgPrice: 100 }] },
    );
    expect(book.entries('X')).toBe(1);
  });
});
