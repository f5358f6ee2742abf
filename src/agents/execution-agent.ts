import type { Candle } from '../domain/candle.js';
import type { AgentMessage, OutgoingMessage } from '../domain/messages.js';
import type { ExecutionReport, Fill, OrderIntent } from '../domain/order.js';
import type { PaperBroker } from '../execution/paper-broker.js';
import type { Portfolio } from '../execution/portfolio.js';
import { fillStopHit } from '../execution/stop-fill.js';
import type { RiskDenial } from '../risk/rules.js';
import { AGENTS, type Agent, type CycleContext } from './base.js';

/**
 * When an approved order fills (chosen for a market by engine/fill-timing.ts fillTimingFor):
 * - `observed-price` (live venues): at once, at the price the decision saw (plus slippage);
 * - `next-open` (recorded candles: backtests, replays): it waits as a pending order and fills at the start of
 *   the symbol's next cycle at that candle's open, so a decision on candle N can never trade at a price from N.
 */
export type FillTiming = 'observed-price' | 'next-open';

/** The bar a cycle runs on: the newest closed candle of a symbol (null before its first one closes). */
export type CurrentBar = (symbol: string) => Candle | null;

export interface ExecutionAgentOptions {
  readonly fillTiming?: FillTiming;
  /** next-open: newest closed candle of the symbol at the cycle's clock time; its open is the fill price. */
  readonly currentBar?: CurrentBar;
  /** next-open: the agent that receives `CycleRequested` once pending orders are filled (the protocol's old entry). */
  readonly next?: string;
}

interface PendingOrder {
  readonly intent: OrderIntent;
  readonly orderId: string;
  /** Close time of the candle the decision was made on; the fill must come from a later candle. */
  readonly decidedAt: number;
  /** The cycle that accepted it, named on its settlement so that cycle's status can follow. */
  readonly cycleId: number;
}

/**
 * Fills approved orders on the paper broker and books them. Never sends anything to a venue: this version has
 * no live broker. In paper trading the fill price is the live price the decision saw (plus slippage); with
 * `fillTiming: 'next-open'` (see withNextOpenFills) it is the next candle's open.
 */
export class ExecutionAgent implements Agent {
  readonly name = AGENTS.execution;
  private readonly timing: FillTiming;
  /** Pending next-open orders per account, in the order they were accepted. */
  private readonly pending = new Map<number, PendingOrder[]>();

  constructor(
    private readonly broker: PaperBroker,
    private readonly options: ExecutionAgentOptions = {},
  ) {
    this.timing = options.fillTiming ?? 'observed-price';
    if (this.timing === 'next-open' && (!options.currentBar || !options.next)) {
      throw new Error('ExecutionAgent with fillTiming next-open needs currentBar and next');
    }
  }

  get fillTiming(): FillTiming {
    return this.timing;
  }

  /** Orders accepted but not filled yet (next-open), oldest first. */
  pendingOrders(userId: number): readonly OrderIntent[] {
    return (this.pending.get(userId) ?? []).map((p) => p.intent);
  }

  handle(message: AgentMessage, ctx: CycleContext): Promise<readonly OutgoingMessage[]> | readonly OutgoingMessage[] {
    if (message.type === 'CycleRequested') return this.timing === 'next-open' ? this.fillPending(message.payload.symbol, ctx) : [];
    const now = ctx.clock.now();
    if (message.type === 'Decision') {
      const d = message.payload;
      const report: ExecutionReport = {
        executed: false,
        orderId: null,
        status: 'SKIPPED',
        action: d.action,
        symbol: d.symbol,
        price: ctx.marks.get(d.symbol) ?? Number.NaN,
        executionPrice: null,
        quantity: 0,
        fee: 0,
        time: now,
        reason: null,
      };
      ctx.log(this.name, 'HOLD: no order placed');
      return [{ to: AGENTS.engine, type: 'OrderSkipped', payload: { report } }];
    }
    if (message.type !== 'OrderIntent') return [];
    const intent = message.payload;
    if (this.timing === 'next-open') {
      const orderId = ctx.newOrderId();
      const queue = this.pending.get(ctx.userId) ?? [];
      // The decision's candle, not the clock: a scheduler may run the cycle a little after the close.
      const decidedAt = this.options.currentBar!(intent.symbol)?.closeTime ?? now;
      queue.push({ intent, orderId, decidedAt, cycleId: ctx.cycleId });
      this.pending.set(ctx.userId, queue);
      ctx.log(this.name, `Order accepted: ${intent.side} ${intent.quantity} ${intent.symbol} fills at the next candle's open`);
      return [{ to: AGENTS.engine, type: 'OrderAccepted', payload: { intent, orderId } }];
    }
    return this.fillNow(intent, ctx, now);
  }

  /** observed-price: fills at once at the price the decision saw. */
  private async fillNow(intent: OrderIntent, ctx: CycleContext, now: number): Promise<readonly OutgoingMessage[]> {
    const book = await ctx.book();
    const fill = this.broker.fill(intent, ctx.newOrderId(), intent.referencePrice, now);
    book.apply(fill);
    setStops(book, intent);
    ctx.log(
      this.name,
      `Trade executed successfully: ${intent.side} ${fill.quantity} ${intent.symbol} at ${fill.executionPrice.toFixed(8)}`,
    );
    return [{ to: AGENTS.engine, type: 'OrderFilled', payload: { fill, report: filledReport(fill, now) } }];
  }

  /**
   * Start of a next-open cycle: fills this symbol's pending orders at the open of the candle that just closed
   * (the one after the decision), then hands the cycle to the protocol's entry agent. An order the book can
   * no longer take (cash spent by another symbol's fill, position gone) is rejected, not forced through.
   */
  private async fillPending(symbol: string, ctx: CycleContext): Promise<readonly OutgoingMessage[]> {
    const out: OutgoingMessage[] = [];
    const bar = this.options.currentBar!(symbol);
    const queue = this.pending.get(ctx.userId);
    const due = bar && queue ? queue.filter((p) => p.intent.symbol === symbol && bar.openTime > p.decidedAt) : [];
    if (bar && queue && due.length > 0) {
      const book = await ctx.book();
      for (const p of due) out.push(this.fillAtOpen(p, bar, book, ctx));
      const left = queue.filter((p) => !due.includes(p));
      if (left.length > 0) this.pending.set(ctx.userId, left);
      else this.pending.delete(ctx.userId);
    }
    if (bar) {
      const stop = await this.stopInside(symbol, bar, ctx);
      if (stop) out.push(stop);
    }
    out.push({ to: this.options.next!, type: 'CycleRequested', payload: { symbol } });
    return out;
  }

  /**
   * A stop-loss or take-profit of the symbol's position reached inside this candle (risk/stops.ts rules:
   * inside the range at the level, through a gap at the open; both -> the stop-loss) closes the position.
   */
  private async stopInside(symbol: string, bar: Candle, ctx: CycleContext): Promise<OutgoingMessage | null> {
    const stop = fillStopHit(await ctx.book(), this.broker, symbol, bar, ctx.newOrderId, bar.openTime);
    if (!stop) return null;
    const { fill, hit } = stop;
    ctx.log(this.name, `${hit.kind} ${fill.side} ${fill.quantity} ${symbol} at ${hit.price}${hit.gap ? ' (gap, filled at the open)' : ''}`);
    return { to: AGENTS.engine, type: 'StopTriggered', payload: { fill, kind: hit.kind } };
  }

  private fillAtOpen(p: PendingOrder, bar: Candle, book: Portfolio, ctx: CycleContext): OutgoingMessage {
    const { intent } = p;
    let quantity = intent.quantity;
    let refusal: RiskDenial | null = null;
    if (intent.side === 'SELL' && !book.config.allowShort) {
      const held = book.quantity(intent.symbol);
      if (held <= 0)
        refusal = { reasonCode: 'NO_POSITION', reason: `NO_POSITION: ${intent.symbol} position is gone by the fill at ${bar.open}` };
      else quantity = Math.min(quantity, held);
    }
    if (!refusal && intent.side === 'BUY' && quantity > this.broker.affordableQuantity(book.cash, bar.open) * (1 + 1e-12)) {
      refusal = {
        reasonCode: 'INSUFFICIENT_CASH',
        reason: `INSUFFICIENT_CASH: ${book.cash.toFixed(2)} cash no longer covers ${quantity} ${intent.symbol} at the open ${bar.open}`,
      };
    }
    if (refusal) {
      ctx.log(this.name, `Order rejected at fill: ${refusal.reason}`);
      const report: ExecutionReport = {
        executed: false,
        orderId: p.orderId,
        status: 'REJECTED',
        action: intent.side,
        symbol: intent.symbol,
        price: bar.open,
        executionPrice: null,
        quantity,
        fee: 0,
        time: bar.openTime,
        reason: refusal.reason,
        decidedInCycle: p.cycleId,
      };
      return { to: AGENTS.engine, type: 'OrderDenied', payload: { ...refusal, report } };
    }
    const fill = this.broker.fill(quantity === intent.quantity ? intent : { ...intent, quantity }, p.orderId, bar.open, bar.openTime);
    book.apply(fill);
    setStops(book, intent);
    ctx.log(this.name, `Trade executed at the open: ${intent.side} ${fill.quantity} ${intent.symbol} at ${fill.executionPrice.toFixed(8)}`);
    return {
      to: AGENTS.engine,
      type: 'OrderFilled',
      payload: { fill, report: { ...filledReport(fill, bar.openTime), decidedInCycle: p.cycleId } },
    };
  }
}

function setStops(book: Portfolio, intent: OrderIntent): void {
  if (intent.stopLoss !== undefined || intent.takeProfit !== undefined) {
    book.setStops(intent.symbol, { stopLoss: intent.stopLoss ?? null, takeProfit: intent.takeProfit ?? null });
  }
}

function filledReport(fill: Fill, time: number): ExecutionReport {
  return {
    executed: true,
    orderId: fill.orderId,
    status: 'FILLED',
    action: fill.side,
    symbol: fill.symbol,
    price: fill.price,
    executionPrice: fill.executionPrice,
    quantity: fill.quantity,
    fee: fill.fee,
    time,
    reason: null,
  };
}
