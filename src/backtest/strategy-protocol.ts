import { AGENTS, type Agent, type CycleContext } from '../agents/base.js';
import { ExecutionAgent } from '../agents/execution-agent.js';
import { MarketMonitoringAgent } from '../agents/market-monitor.js';
import { RiskManagerAgent } from '../agents/risk-manager.js';
import type { AgentMessage, OutgoingMessage } from '../domain/messages.js';
import type { Strategy } from '../strategies/strategy.js';
import type { ProtocolFactory } from './runner.js';

/** Asks one strategy for BUY / SELL / HOLD on each snapshot: the decision maker of a single-strategy pipeline. */
export class StrategyDecisionAgent implements Agent {
  readonly name = AGENTS.decisionMaker;

  constructor(
    private readonly strategy: Strategy,
    private readonly next: string,
  ) {}

  handle(message: AgentMessage, ctx: CycleContext): readonly OutgoingMessage[] {
    if (message.type !== 'MarketSnapshot') return [];
    const s = message.payload;
    // The snapshot itself: its features are computed only if the strategy reads them.
    const decision = this.strategy.decide(s);
    ctx.log(this.name, `${this.strategy.name} decided ${decision.action} (${decision.confidence.toFixed(2)})`);
    return [{ to: this.next, type: 'Decision', payload: decision }];
  }
}

/**
 * The seed's pipeline (MarketMonitor -> decision -> RiskManager -> Execution) with one strategy as the
 * decision maker: what `conclave backtest --strategy <name>` runs.
 */
export function strategyPipeline(strategy: Strategy): ProtocolFactory {
  return (k) => {
    const agents: Agent[] = [
      new MarketMonitoringAgent(k.source, { interval: k.interval, klineLimit: k.klineLimit, next: AGENTS.decisionMaker }),
      new StrategyDecisionAgent(strategy, AGENTS.riskManager),
      new RiskManagerAgent(k.broker, { sizing: k.sizing, rules: k.rules, next: AGENTS.execution }),
      new ExecutionAgent(k.broker),
    ];
    return { name: `pipeline:${strategy.name}`, agents: new Map(agents.map((a) => [a.name, a])), entry: AGENTS.marketMonitor };
  };
}
