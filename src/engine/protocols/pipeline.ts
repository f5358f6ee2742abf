import { AGENTS, type Agent } from '../../agents/base.js';
import { DecisionMakingAgent } from '../../agents/decision-maker.js';
import { ExecutionAgent } from '../../agents/execution-agent.js';
import { MarketMonitoringAgent } from '../../agents/market-monitor.js';
import { StrategyDecisionAgent } from '../../agents/strategy-decision.js';
import type { Strategy } from '../../strategies/strategy.js';
import type { Protocol } from '../trading-engine.js';
import { type GovernedProtocolDeps, riskManager } from './brain.js';

export interface PipelineDeps extends GovernedProtocolDeps {
  /** Decides with this strategy instead of the model (`conclave backtest --strategy sma-cross`). */
  readonly decider?: Strategy;
}

/**
 * The seed's protocol: MarketMonitor -> DecisionMaker -> RiskManager -> Execution. The snapshot reaches the
 * risk manager before the decision (stops, governor), as in brain and consensus.
 */
export function pipelineProtocol(deps: PipelineDeps): Protocol {
  const agents: Agent[] = [
    new MarketMonitoringAgent(deps.source, {
      interval: deps.interval,
      klineLimit: deps.klineLimit,
      observers: [AGENTS.riskManager],
      next: AGENTS.decisionMaker,
    }),
    deps.decider
      ? new StrategyDecisionAgent(deps.decider, AGENTS.riskManager)
      : new DecisionMakingAgent(deps.model, { minConfidence: deps.minConfidence, next: AGENTS.riskManager }),
    riskManager(deps),
    new ExecutionAgent(deps.broker),
  ];
  return { name: 'pipeline', agents: new Map(agents.map((a) => [a.name, a])), entry: AGENTS.marketMonitor };
}
