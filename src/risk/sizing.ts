import { roundDownToStep } from '../domain/money.js';
import type { Side } from '../domain/order.js';
import type { PaperBroker } from '../execution/paper-broker.js';
import type { Portfolio } from '../execution/portfolio.js';

export interface FixedFractionSizing {
  /** Fraction of equity each opening order spends (0..1]. */
  readonly fraction: number;
  /** Venue quantity step: every quantity is rounded down to it here, and only here. */
  readonly quantityStep: number;
  readonly allowShort: boolean;
}

export type SizingOutcome =
  | { readonly ok: true; readonly side: Side; readonly quantity: number }
  | { readonly ok: false; readonly reasonCode: string; readonly reason: string };

/**
 * Sizes a BUY or SELL against the book. BUY spends `fraction` of equity, capped by what the cash affords after
 * slippage and fee. SELL closes the long position; without one it is denied (NO_POSITION) unless shorting is
 * on, where it opens a short of the same size a BUY would.
 */
export function sizeOrder(
  side: Side,
  symbol: string,
  price: number,
  book: Portfolio,
  marks: ReadonlyMap<string, number>,
  broker: PaperBroker,
  sizing: FixedFractionSizing,
): SizingOutcome {
  const held = book.quantity(symbol);
  if (side === 'SELL' && held > 0) {
    return { ok: true, side, quantity: held };
  }
  if (side === 'SELL' && !sizing.allowShort) {
    return { ok: false, reasonCode: 'NO_POSITION', reason: `NO_POSITION: no ${symbol} held to sell and shorting is off (spot, long-only)` };
  }
  const equity = book.snapshot(marks, 0).equity;
  const target = (equity * sizing.fraction) / price;
  const affordable = side === 'BUY' ? broker.affordableQuantity(book.cash, price) : target;
  const quantity = roundDownToStep(Math.min(target, affordable), sizing.quantityStep);
  if (!(quantity > 0)) {
    return {
      ok: false,
      reasonCode: 'INSUFFICIENT_CASH',
      reason: `INSUFFICIENT_CASH: ${book.cash.toFixed(2)} cash buys less than one step (${sizing.quantityStep}) of ${symbol} at ${price}`,
    };
  }
  return { ok: true, side, quantity };
}
