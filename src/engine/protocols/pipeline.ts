import { AGENTS, type Agent } from '../../agents/base.js';
import { DecisionMakingAgent, type DecisionModel } from '../../agents/decision-maker.js';
import { ExecutionAgent } from '../../agents/execution-agent.js';
import { MarketMonitoringAgent } from '../../agents/market-monitor.js';
import { RiskManagerAgent } from '../../agents/risk-manager.js';
import type { Interval } from '../../domain/candle.js';
import type { PaperBroker } from '../../execution/paper-broker.js';
import type { MarketDataSource } from '../../market/port.js';
import type { RiskRule } from '../../risk/rules.js';
import type { FixedFractionSizing } from '../../risk/sizing.js';
import type { Protocol } from '../trading-engine.js';

export interface PipelineDeps {
  readonly source: MarketDataSource;
  readonly model: () => DecisionModel;
  readonly broker: PaperBroker;
  readonly interval: Interval;
  readonly klineLimit: number;
  readonly minConfidence: number;
  readonly sizing: FixedFractionSizing;
  readonly rules: readonly RiskRule[];
}

/** The seed's protocol: MarketMonitor -> DecisionMaker -> RiskManager -> Execution. */
export function pipelineProtocol(deps: PipelineDeps): Protocol {
  const agents: Agent[] = [
    new MarketMonitoringAgent(deps.source, { interval: deps.interval, klineLimit: deps.klineLimit, next: AGENTS.decisionMaker }),
    new DecisionMakingAgent(deps.model, { minConfidence: deps.minConfidence, next: AGENTS.riskManager }),
    new RiskManagerAgent(deps.broker, { sizing: deps.sizing, rules: deps.rules, next: AGENTS.execution }),
    new ExecutionAgent(deps.broker),
  ];
  return { name: 'pipeline', agents: new Map(agents.map((a) => [a.name, a])), entry: AGENTS.marketMonitor };
}
