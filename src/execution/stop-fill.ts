import type { Candle } from '../domain/candle.js';
import type { Fill, OrderIntent } from '../domain/order.js';
import { checkStops, type StopHit } from '../risk/stops.js';
import type { PaperBroker } from './paper-broker.js';
import type { Portfolio } from './portfolio.js';

/** A stop-loss or take-profit that closed a position. */
export interface StopFill {
  readonly fill: Fill;
  readonly hit: StopHit;
}

/**
 * The one place a stop-loss or take-profit fills: when `candle` reaches a level of the `symbol` position
 * (risk/stops.ts rules: inside the range at the level, through a gap at the open, both -> the stop-loss), the
 * whole position is closed on the paper broker at that price (plus slippage) and booked. Null when flat,
 * without levels, or not reached. `time` is when the fill is recorded (the caller's clock or the candle's).
 */
export function fillStopHit(
  book: Portfolio,
  broker: PaperBroker,
  symbol: string,
  candle: Pick<Candle, 'open' | 'high' | 'low'>,
  newOrderId: () => string,
  time: number,
): StopFill | null {
  const position = book.position(symbol);
  if (!position || (position.stopLoss == null && position.takeProfit == null)) return null;
  const hit = checkStops(position, candle);
  if (!hit) return null;
  const intent: OrderIntent = {
    symbol,
    side: position.quantity > 0 ? 'SELL' : 'BUY',
    quantity: Math.abs(position.quantity),
    referencePrice: hit.price,
    strategy: hit.kind === 'STOP_LOSS' ? 'stop-loss' : 'take-profit',
  };
  const fill = broker.fill(intent, newOrderId(), hit.price, time);
  book.apply(fill);
  return { fill, hit };
}
