import type { AgentMessage, OutgoingMessage } from '../domain/messages.js';
import type { OrderIntent } from '../domain/order.js';
import type { PaperBroker } from '../execution/paper-broker.js';
import type { RiskRule } from '../risk/rules.js';
import { type FixedFractionSizing, sizeOrder } from '../risk/sizing.js';
import { AGENTS, type Agent, type CycleContext } from './base.js';
import { firstDenial, orderDenied } from './order-denial.js';

export interface RiskManagerConfig {
  readonly sizing: FixedFractionSizing;
  /** Checks run in order on every proposed order; the first denial wins. */
  readonly rules: readonly RiskRule[];
  readonly next: string;
}

/**
 * The gate in the command path: sizes each BUY/SELL decision and runs the risk rules. An approved order goes
 * on as an OrderIntent; a breach is an `OrderDenied` event with a reason code (shown as REJECTED), never a throw.
 * HOLD passes straight on so the execution agent can report it as SKIPPED.
 */
export class RiskManagerAgent implements Agent {
  readonly name = AGENTS.riskManager;

  constructor(
    private readonly broker: PaperBroker,
    private readonly config: RiskManagerConfig,
  ) {}

  async handle(message: AgentMessage, ctx: CycleContext): Promise<readonly OutgoingMessage[]> {
    if (message.type !== 'Decision') return [];
    const decision = message.payload;
    if (decision.action === 'HOLD') return [{ to: this.config.next, type: 'Decision', payload: decision }];
    const price = ctx.marks.get(decision.symbol);
    if (price === undefined) throw new Error(`no mark price for ${decision.symbol}`);
    const book = await ctx.book();
    const sized = sizeOrder(decision.action, decision.symbol, price, book, ctx.marks, this.broker, this.config.sizing);
    if (!sized.ok) return [orderDenied(ctx, this.name, decision, price, 0, sized)];
    const intent: OrderIntent = {
      symbol: decision.symbol,
      side: sized.side,
      quantity: sized.quantity,
      referencePrice: price,
      strategy: decision.strategy,
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
    ctx.log(this.name, `Approved ${intent.side} ${intent.quantity} ${intent.symbol}`);
    return [{ to: this.config.next, type: 'OrderIntent', payload: intent }];
  }
}
