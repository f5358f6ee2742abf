import type { DenialCode } from '../domain/denials.js';
import { roundDownToStep } from '../domain/money.js';
import type { Side } from '../domain/order.js';
import type { PaperBroker } from '../execution/paper-broker.js';
import type { Portfolio } from '../execution/portfolio.js';

/** A sized order, or a denial with its reason code (NO_POSITION, INSUFFICIENT_CASH). */
export type SizingOutcome =
  | { readonly ok: true; readonly side: Side; readonly quantity: number }
  | { readonly ok: false; readonly reasonCode: DenialCode; readonly reason: string };

export const SIZING_MODES = ['fixed', 'risk'] as const;
export type SizingMode = (typeof SIZING_MODES)[number];

export interface RiskSizingConfig {
  /** fixed: spend `fraction` of equity per entry; risk: lose `riskPerTrade` of equity if the stop is hit. */
  readonly mode: SizingMode;
  /** Fixed-fraction size, and the fallback of risk sizing when there is no stop distance (0..1]. */
  readonly fraction: number;
  /** Fraction of equity at risk per entry in risk mode (0.01 = 1%). */
  readonly riskPerTrade: number;
  /** Venue quantity step; every quantity is rounded down to it (roundDownToStep, the one rounding place). */
  readonly quantityStep: number;
  readonly allowShort: boolean;
}

/**
 * Risk-per-trade quantity: the size whose loss at the stop is `riskFraction` of `equity`,
 * `equity * riskFraction / stopDistance`, rounded down to `step`. 0 when the distance is not positive.
 * Example: 10,000 equity, 1% risk, stop 500 below entry -> 100 / 500 = 0.2 units.
 */
export function riskPerTradeQuantity(equity: number, riskFraction: number, stopDistance: number, step: number): number {
  if (!(stopDistance > 0) || !(equity > 0)) return 0;
  return roundDownToStep((equity * riskFraction) / stopDistance, step);
}

/**
 * Sizes an entry or exit. SELL with a long held closes it (whole quantity); BUY with a short held covers it
 * (whole quantity) when the cash pays for it after slippage and fee, else it is denied (INSUFFICIENT_CASH:
 * the broker could not fill it); SELL without a position is denied (NO_POSITION) unless shorting is on. Entries use fixed-fraction or risk-per-trade sizing (risk mode needs a
 * stop distance, else it falls back to fixed), capped by what the cash affords after slippage and fee.
 */
export function sizeEntry(
  side: Side,
  symbol: string,
  price: number,
  book: Portfolio,
  marks: ReadonlyMap<string, number>,
  broker: PaperBroker,
  config: RiskSizingConfig,
  stopDistance: number | null,
): SizingOutcome {
  const held = book.quantity(symbol);
  if (side === 'SELL' && held > 0) return { ok: true, side, quantity: held };
  if (side === 'BUY' && held < 0) {
    const affordable = broker.affordableQuantity(book.cash, price);
    if (-held > affordable * (1 + 1e-12)) {
      return {
        ok: false,
        reasonCode: 'INSUFFICIENT_CASH',
        reason: `INSUFFICIENT_CASH: covering the ${-held} ${symbol} short at ${price} needs more than the ${book.cash.toFixed(2)} cash (pays for ${affordable})`,
      };
    }
    return { ok: true, side, quantity: -held };
  }
  if (side === 'SELL' && !config.allowShort) {
    return { ok: false, reasonCode: 'NO_POSITION', reason: `NO_POSITION: no ${symbol} held to sell and shorting is off (spot, long-only)` };
  }
  const equity = book.equity(marks);
  const target =
    config.mode === 'risk' && stopDistance !== null && stopDistance > 0
      ? (equity * config.riskPerTrade) / stopDistance
      : (equity * config.fraction) / price;
  const affordable = side === 'BUY' ? broker.affordableQuantity(book.cash, price) : target;
  const quantity = roundDownToStep(Math.min(target, affordable), config.quantityStep);
  if (!(quantity > 0)) {
    return {
      ok: false,
      reasonCode: 'INSUFFICIENT_CASH',
      reason: `INSUFFICIENT_CASH: ${book.cash.toFixed(2)} cash buys less than one step (${config.quantityStep}) of ${symbol} at ${price}`,
    };
  }
  return { ok: true, side, quantity };
}
