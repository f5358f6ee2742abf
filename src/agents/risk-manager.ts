import type { Candle } from '../domain/candle.js';
import type { Decision } from '../domain/decision.js';
import { haltCodeOf } from '../domain/denials.js';
import type { MarketSnapshot } from '../domain/market.js';
import type { AgentMessage, OutgoingMessage } from '../domain/messages.js';
import type { OrderIntent } from '../domain/order.js';
import type { PaperBroker } from '../execution/paper-broker.js';
import { fillStopHit } from '../execution/stop-fill.js';
import { ATR } from '../indicators/index.js';
import type { RiskGovernor } from '../risk/governor.js';
import { type RiskSizingConfig, sizeEntry } from '../risk/position-sizing.js';
import type { RiskRule } from '../risk/rules.js';
import { type AtrStopConfig, atrStopLevels } from '../risk/stops.js';
import { AGENTS, type Agent, type CycleContext } from './base.js';
import { firstDenial, orderDenied } from './order-denial.js';

export interface RiskManagerConfig {
  readonly sizing: RiskSizingConfig;
  readonly stops: AtrStopConfig & { readonly atrPeriod: number };
  readonly governor: RiskGovernor;
  /** Checks after sizing, in order (the governor's rule among them); the first denial wins. */
  readonly rules: readonly RiskRule[];
  /**
   * Entries (the opening fill plus adds in the same direction) a position may take; a BUY while long (SELL
   * while short) beyond it becomes HOLD. 1 = no pyramiding.
   */
  readonly maxEntriesPerPosition: number;
  readonly next: string;
}

/**
 * The risk manager of every protocol (pipeline, brain, consensus): stops, sizing and the governor.
 *
 * On `MarketSnapshot` (sent to it before the decision each cycle): fills the symbol's stop-loss / take-profit
 * on every candle that closed since the last check (execution/stop-fill.ts) and reports `StopTriggered`;
 * keeps the candles an entry's ATR stops are computed from; updates the governor with the account's equity and reports
 * `TradingHalted` when it trips. Stops run even when trading is halted: they only ever shrink a position.
 *
 * On `Decision`: HOLD passes on (SKIPPED). A halted governor denies with its reason (`OrderDenied`, shown as
 * REJECTED). A BUY while already long (or SELL while short) that would exceed `maxEntriesPerPosition` goes on
 * as HOLD. Otherwise it sizes (fixed fraction or risk per trade at the ATR stop), runs the rules, and sends an
 * `OrderIntent`, with stop-loss and take-profit when it opens a position.
 */
export class RiskManagerAgent implements Agent {
  readonly name = AGENTS.riskManager;
  /** Close time of the newest candle whose stops were checked, per account and symbol. */
  private readonly checkedUntil = new Map<string, number>();
  /**
   * Candles of the current cycle's snapshot, per cycle id (removed when the cycle's decision is handled): the
   * ATR for the stops is computed from them only when an entry needs it, not on every cycle.
   */
  private readonly candlesByCycle = new Map<number, readonly Candle[]>();

  constructor(
    private readonly broker: PaperBroker,
    private readonly config: RiskManagerConfig,
  ) {}

  cycleEnded(cycleId: number): void {
    this.candlesByCycle.delete(cycleId);
  }

  handle(message: AgentMessage, ctx: CycleContext): Promise<readonly OutgoingMessage[]> | readonly OutgoingMessage[] {
    if (message.type === 'MarketSnapshot') return this.onSnapshot(message.payload, ctx);
    if (message.type === 'Decision') {
      // HOLD passes on at once (no book, no governor): answered without a promise.
      if (message.payload.action === 'HOLD') {
        this.candlesByCycle.delete(ctx.cycleId);
        return [{ to: this.config.next, type: 'Decision', payload: message.payload }];
      }
      return this.onDecision(message.payload, ctx);
    }
    return [];
  }

  private async onSnapshot(snapshot: MarketSnapshot, ctx: CycleContext): Promise<OutgoingMessage[]> {
    const out: OutgoingMessage[] = [];
    const book = await ctx.book();
    const key = `${ctx.userId}:${snapshot.symbol}`;
    const since = this.checkedUntil.get(key);
    const candles = snapshot.candles;
    // Without a record (first cycle, restart) only the newest candle is checked.
    const from = since === undefined ? candles.length - 1 : firstAfter(candles, since);
    for (let i = Math.max(0, from); i < candles.length; i++) {
      const stop = fillStopHit(book, this.broker, snapshot.symbol, candles[i], ctx.newOrderId, ctx.clock.now());
      if (!stop) continue;
      const { fill, hit } = stop;
      const how = hit.gap ? `gapped through, filled at the open ${hit.price}` : `filled at ${hit.price}`;
      ctx.log(
        this.name,
        `${hit.kind} of ${snapshot.symbol} hit on the candle closing ${new Date(candles[i].closeTime).toISOString()}: ${fill.side} ${fill.quantity}, ${how}`,
      );
      out.push({ to: AGENTS.engine, type: 'StopTriggered', payload: { fill, kind: hit.kind } });
      break;
    }
    if (candles.length > 0) this.checkedUntil.set(key, candles[candles.length - 1].closeTime);
    this.candlesByCycle.set(ctx.cycleId, candles);
    const { view, transition } = await this.config.governor.observe(ctx.userId, book.equity(ctx.marks));
    if (transition?.to === 'HALTED') {
      out.push({
        to: AGENTS.engine,
        type: 'TradingHalted',
        payload: { reasonCode: haltCodeOf(transition.reasonCode), reason: transition.reason },
      });
    }
    if (transition) ctx.log('governor', `${transition.from} -> ${transition.to}: ${transition.reason}`);
    else ctx.log('governor', () => `${view.state}; daily PnL ${view.dailyPnl.toFixed(2)}, drawdown ${(view.drawdown * 100).toFixed(2)}%`);
    return out;
  }

  private async onDecision(decision: Decision, ctx: CycleContext): Promise<OutgoingMessage[]> {
    const candles = this.candlesByCycle.get(ctx.cycleId) ?? [];
    this.candlesByCycle.delete(ctx.cycleId);
    if (decision.action === 'HOLD') return [{ to: this.config.next, type: 'Decision', payload: decision }];
    const price = ctx.marks.get(decision.symbol);
    if (price === undefined) throw new Error(`no mark price for ${decision.symbol}`);
    const book = await ctx.book();
    const { view } = await this.config.governor.observe(ctx.userId, book.equity(ctx.marks));
    if (view.state === 'HALTED')
      return [
        orderDenied(ctx, this.name, decision, price, 0, {
          reasonCode: haltCodeOf(view.reasonCode),
          reason: view.reason ?? 'trading halted',
        }),
      ];
    const held = book.quantity(decision.symbol);
    const adding = (decision.action === 'BUY' && held > 0) || (decision.action === 'SELL' && held < 0);
    const entries = book.entries(decision.symbol);
    if (adding && entries >= this.config.maxEntriesPerPosition) {
      const hold: Decision = {
        ...decision,
        action: 'HOLD',
        reason: `${decision.reason}; already ${held > 0 ? 'long' : 'short'} ${Math.abs(held)} ${decision.symbol} (${entries} of MAX_ENTRIES_PER_POSITION ${this.config.maxEntriesPerPosition} entries), not adding`,
      };
      ctx.log(this.name, `Not adding to the open ${decision.symbol} position`);
      return [{ to: this.config.next, type: 'Decision', payload: hold }];
    }
    const levels =
      held === 0
        ? atrStopLevels(decision.action, price, lastAtr(candles, this.config.stops.atrPeriod), this.config.stops)
        : { stopLoss: null, takeProfit: null, distance: null };
    const sized = sizeEntry(decision.action, decision.symbol, price, book, ctx.marks, this.broker, this.config.sizing, levels.distance);
    if (!sized.ok) return [orderDenied(ctx, this.name, decision, price, 0, sized)];
    const intent: OrderIntent = {
      symbol: decision.symbol,
      side: sized.side,
      quantity: sized.quantity,
      referencePrice: price,
      strategy: decision.strategy,
      ...(levels.stopLoss !== null ? { stopLoss: levels.stopLoss } : {}),
      ...(levels.takeProfit !== null ? { takeProfit: levels.takeProfit } : {}),
    };
    const denial = await firstDenial(this.config.rules, {
      decision,
      intent,
      book,
      marks: ctx.marks,
      userId: ctx.userId,
      now: ctx.clock.now(),
    });
    if (denial) return [orderDenied(ctx, this.name, decision, price, intent.quantity, denial)];
    const stops =
      intent.stopLoss !== undefined
        ? ` (stop ${intent.stopLoss.toFixed(2)}${intent.takeProfit !== undefined ? `, target ${intent.takeProfit.toFixed(2)}` : ''})`
        : '';
    ctx.log(this.name, `Approved ${intent.side} ${intent.quantity} ${intent.symbol}${stops}`);
    return [{ to: this.config.next, type: 'OrderIntent', payload: intent }];
  }
}

/** Index of the first candle closing after `time`. */
function firstAfter(candles: readonly Candle[], time: number): number {
  let i = candles.length;
  while (i > 0 && candles[i - 1].closeTime > time) i--;
  return i;
}

/** Wilder ATR of the newest candles (over at most 5 * period of them), null when too few. */
export function lastAtr(candles: readonly Candle[], period: number): number | null {
  if (candles.length < period + 1) return null;
  const atr = new ATR(period);
  let value: number | null = null;
  for (let i = Math.max(0, candles.length - 5 * period); i < candles.length; i++) value = atr.update(candles[i]);
  return value;
}
