import { AGENTS, type Agent } from '../../agents/base.js';
import { CONSENSUS_AGENT, ConsensusAgent, StrategyVoterAgent } from '../../agents/consensus.js';
import { ExecutionAgent } from '../../agents/execution-agent.js';
import { MarketMonitoringAgent } from '../../agents/market-monitor.js';
import type { Protocol } from '../trading-engine.js';
import { buildStrategies, type GovernedProtocolDeps, riskManager } from './brain.js';

export interface ConsensusDeps extends GovernedProtocolDeps {
  /** Strategies that vote, one voter agent each (`voter:<name>`). */
  readonly voters: readonly string[];
  /** Further voters (the LLM decision agent): agents that answer a MarketSnapshot with a `Vote` to `consensus`. */
  readonly extraVoters?: readonly Agent[];
  readonly minAgreement: number;
}

export interface ConsensusProtocol extends Protocol {
  readonly consensus: ConsensusAgent;
}

/**
 * The consensus protocol: MarketMonitor -> Consensus; Consensus -> RiskManager (stops, governor) and -> every
 * voter; votes -> Consensus (weighted by recent out-of-sample accuracy; ties and low agreement -> HOLD) ->
 * Decision -> RiskManager -> Execution.
 */
export function consensusProtocol(deps: ConsensusDeps): ConsensusProtocol {
  const strategies = buildStrategies(deps, deps.voters);
  const voters: Agent[] = [...[...strategies.values()].map((s) => new StrategyVoterAgent(s, CONSENSUS_AGENT)), ...(deps.extraVoters ?? [])];
  const consensus = new ConsensusAgent({
    voters: voters.map((v) => v.name),
    minAgreement: deps.minAgreement,
    riskManager: AGENTS.riskManager,
  });
  const agents: Agent[] = [
    new MarketMonitoringAgent(deps.source, { interval: deps.interval, klineLimit: deps.klineLimit, next: CONSENSUS_AGENT }),
    consensus,
    ...voters,
    riskManager(deps),
    new ExecutionAgent(deps.broker),
  ];
  return { name: 'consensus', agents: new Map(agents.map((a) => [a.name, a])), entry: AGENTS.marketMonitor, consensus };
}
