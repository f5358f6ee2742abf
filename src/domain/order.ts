import type { Action } from './action.js';

/**
 * PENDING is only ever a decision's own status in its cycle's answer: with next-open fills (recorded candles)
 * the order is accepted now and settles, FILLED or REJECTED, at the next candle's open in the next cycle.
 */
export const ORDER_STATUSES = ['FILLED', 'SKIPPED', 'REJECTED', 'PENDING'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type Side = 'BUY' | 'SELL';

/** What a decision asks the broker to do, after risk sizing. */
export interface OrderIntent {
  readonly symbol: string;
  readonly side: Side;
  /** Base-asset quantity, already rounded to the venue step. */
  readonly quantity: number;
  /** Price the decision was made at (reference for slippage). */
  readonly referencePrice: number;
  readonly strategy: string;
  readonly stopLoss?: number;
  readonly takeProfit?: number;
}

export interface Fill {
  readonly orderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly quantity: number;
  readonly price: number;
  readonly executionPrice: number;
  readonly fee: number;
  readonly time: number;
}

/** Outcome of one cycle's execution step, as stored and as shown in `/trading/run-cycle`. */
export interface ExecutionReport {
  readonly executed: boolean;
  readonly orderId: string | null;
  readonly status: OrderStatus;
  readonly action: Action;
  readonly symbol: string;
  readonly price: number;
  readonly executionPrice: number | null;
  readonly quantity: number;
  readonly fee: number;
  readonly time: number;
  /** Denial reason code and text (`NO_POSITION: ...`), null unless REJECTED. */
  readonly reason: string | null;
  /** Next-open fills: the cycle whose decision placed the order (it settles in a later cycle). */
  readonly decidedInCycle?: number;
}
