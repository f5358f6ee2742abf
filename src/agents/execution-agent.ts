import type { AgentMessage, OutgoingMessage } from '../domain/messages.js';
import type { ExecutionReport } from '../domain/order.js';
import type { PaperBroker } from '../execution/paper-broker.js';
import { AGENTS, type Agent, type CycleContext } from './base.js';

/**
 * Fills approved orders on the paper broker and books them. Never sends anything to a venue: this version has
 * no live broker. In paper trading the fill price is the live price the decision saw (plus slippage).
 */
export class ExecutionAgent implements Agent {
  readonly name = AGENTS.execution;

  constructor(private readonly broker: PaperBroker) {}

  async handle(message: AgentMessage, ctx: CycleContext): Promise<readonly OutgoingMessage[]> {
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
    const book = await ctx.book();
    const fill = this.broker.fill(intent, ctx.newOrderId(), intent.referencePrice, now);
    book.apply(fill);
    if (intent.stopLoss !== undefined || intent.takeProfit !== undefined) {
      book.setStops(intent.symbol, { stopLoss: intent.stopLoss ?? null, takeProfit: intent.takeProfit ?? null });
    }
    const report: ExecutionReport = {
      executed: true,
      orderId: fill.orderId,
      status: 'FILLED',
      action: intent.side,
      symbol: intent.symbol,
      price: fill.price,
      executionPrice: fill.executionPrice,
      quantity: fill.quantity,
      fee: fill.fee,
      time: now,
      reason: null,
    };
    ctx.log(this.name, `Trade executed successfully: ${intent.side} ${fill.quantity} ${intent.symbol} at ${fill.executionPrice.toFixed(8)}`);
    return [{ to: AGENTS.engine, type: 'OrderFilled', payload: { fill, report } }];
  }
}
