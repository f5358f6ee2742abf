import { assertFiniteAmount, bps } from '../domain/money.js';
import type { Fill, OrderIntent } from '../domain/order.js';

export interface PaperBrokerConfig {
  /** Slippage against the trader, basis points of price. */
  readonly slippageBps: number;
  /** Fee, basis points of notional. */
  readonly feeBps: number;
}

/**
 * Simulated market fills. The caller chooses the price: the live ticker in paper trading, the next candle's
 * open in backtests (so a decision on candle N fills at N+1), or a stop level inside a candle.
 */
export class PaperBroker {
  constructor(private readonly config: PaperBrokerConfig) {}

  /** Price after slippage: BUY pays more, SELL receives less. */
  executionPrice(side: 'BUY' | 'SELL', price: number): number {
    const slip = bps(this.config.slippageBps);
    return side === 'BUY' ? price * (1 + slip) : price * (1 - slip);
  }

  fee(quantity: number, executionPrice: number): number {
    return quantity * executionPrice * bps(this.config.feeBps);
  }

  /** Fills `intent` completely at `price` (+ slippage) at `time`. */
  fill(intent: OrderIntent, orderId: string, price: number, time: number): Fill {
    assertFiniteAmount('price', price);
    const executionPrice = this.executionPrice(intent.side, price);
    return {
      orderId,
      symbol: intent.symbol,
      side: intent.side,
      quantity: intent.quantity,
      price,
      executionPrice,
      fee: this.fee(intent.quantity, executionPrice),
      time,
    };
  }

  /** Largest quantity whose cost plus fee fits in `cash` at `price`. */
  affordableQuantity(cash: number, price: number): number {
    const unitCost = this.executionPrice('BUY', price) * (1 + bps(this.config.feeBps));
    return unitCost > 0 ? cash / unitCost : 0;
  }
}

/**
 * Order ids `ORD-YYYYMMDD-<cycle>-<n>`: the date of the order, the cycle id (unique across processes) and
 * the order's position within the cycle, so ids are unique under concurrency and reproducible in replays.
 */
export function orderId(time: number, cycleId: number, index: number): string {
  return `ORD-${utcDay(time)}-${String(cycleId).padStart(6, '0')}-${index}`;
}

const DAY_MS = 86_400_000;
let cachedDay = Number.NaN;
let cachedYmd = '';

/** `YYYYMMDD` of `time` in UTC, formatted once per day (backtests make an order id per cycle). */
function utcDay(time: number): string {
  const day = Math.floor(time / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedYmd = new Date(day * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '');
  }
  return cachedYmd;
}
