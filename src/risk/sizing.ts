import type { Side } from '../domain/order.js';
import type { PaperBroker } from '../execution/paper-broker.js';
import type { Portfolio } from '../execution/portfolio.js';
import { sizeEntry } from './position-sizing.js';

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
 * Fixed-fraction sizing of a BUY or SELL against the book (the pipeline's sizer): BUY spends `fraction` of
 * equity, capped by what the cash affords after slippage and fee; SELL closes the long position, and without
 * one is denied (NO_POSITION) unless shorting is on. The one implementation is `sizeEntry`.
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
  return sizeEntry(side, symbol, price, book, marks, broker, { ...sizing, mode: 'fixed', riskPerTrade: 0 }, null);
}
