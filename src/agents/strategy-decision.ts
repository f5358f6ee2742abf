import type { AgentMessage, OutgoingMessage } from '../domain/messages.js';
import type { Strategy } from '../strategies/strategy.js';
import { AGENTS, type Agent, type CycleContext } from './base.js';

/** Asks one strategy for BUY / SELL / HOLD on each snapshot: the pipeline's decision maker with a rule strategy. */
export class StrategyDecisionAgent implements Agent {
  readonly name = AGENTS.decisionMaker;

  constructor(
    private readonly strategy: Strategy,
    private readonly next: string,
  ) {}

  handle(message: AgentMessage, ctx: CycleContext): readonly OutgoingMessage[] {
    if (message.type !== 'MarketSnapshot') return [];
    // The snapshot itself: its features are computed only if the strategy reads them.
    const decision = this.strategy.decide(message.payload);
    ctx.log(this.name, () => `${this.strategy.name} decided ${decision.action} (${decision.confidence.toFixed(2)})`);
    return [{ to: this.next, type: 'Decision', payload: decision }];
  }
}
