import { AGENTS, type Agent } from '../../agents/base.js';
import { BrainAgent } from '../../agents/brain.js';
import type { DecisionModel } from '../../agents/decision-maker.js';
import { ExecutionAgent } from '../../agents/execution-agent.js';
import { MarketMonitoringAgent } from '../../agents/market-monitor.js';
import { MonitorAgent } from '../../agents/monitor.js';
import { RegimeAgent } from '../../agents/regime.js';
import type { RegimeConfig } from '../../agents/regime-rules.js';
import { ResearchAgent } from '../../agents/research.js';
import { RiskManagerAgent } from '../../agents/risk-manager.js';
import { StrategySelectionAgent } from '../../agents/strategy-selection.js';
import type { Interval } from '../../domain/candle.js';
import type { PaperBroker } from '../../execution/paper-broker.js';
import type { MarketDataSource } from '../../market/port.js';
import type { RiskGovernor } from '../../risk/governor.js';
import type { RiskSizingConfig } from '../../risk/position-sizing.js';
import type { RiskRule } from '../../risk/rules.js';
import type { AtrStopConfig } from '../../risk/stops.js';
import type { EnableMap } from '../../strategies/enable-map.js';
import { ParamsFollowingStrategy } from '../../strategies/params-following.js';
import { createStrategy, STRATEGY_NAMES, type StrategyName } from '../../strategies/registry.js';
import type { Strategy } from '../../strategies/strategy.js';
import type { AgentRegistry } from '../agent-registry.js';
import type { Protocol } from '../trading-engine.js';

/** What every protocol shares: market, model, broker, risk (sizing, stops, governor, entries). */
export interface GovernedProtocolDeps {
  readonly source: MarketDataSource;
  readonly broker: PaperBroker;
  readonly interval: Interval;
  readonly klineLimit: number;
  readonly model: () => DecisionModel;
  readonly minConfidence: number;
  readonly sizing: RiskSizingConfig;
  readonly stops: AtrStopConfig & { readonly atrPeriod: number };
  readonly governor: RiskGovernor;
  /** Rules after sizing (normally `[governor.rule()]`). */
  readonly rules: readonly RiskRule[];
  /** MAX_ENTRIES_PER_POSITION: 1 = a BUY while long is HOLD. */
  readonly maxEntriesPerPosition: number;
  readonly registry: AgentRegistry;
  readonly storeProbe?: () => Promise<{ ok: boolean; latencyMs: number }>;
  /** Strategy parameters by name (defaults otherwise). */
  readonly strategyParams?: Partial<Record<StrategyName, Partial<Record<string, number>>>>;
}

export interface BrainDeps extends GovernedProtocolDeps {
  readonly enableMap: () => EnableMap;
  readonly regime: RegimeConfig;
}

/** The brain protocol plus handles on its stateful agents (for the API). */
export interface BrainProtocol extends Protocol {
  readonly regime: RegimeAgent;
  readonly selection: StrategySelectionAgent;
  readonly research: ResearchAgent;
  readonly monitor: MonitorAgent;
  readonly strategies: ReadonlyMap<string, Strategy>;
}

/** The one risk manager, as every protocol configures it. */
export function riskManager(deps: GovernedProtocolDeps): RiskManagerAgent {
  return new RiskManagerAgent(deps.broker, {
    sizing: deps.sizing,
    stops: deps.stops,
    governor: deps.governor,
    rules: deps.rules,
    maxEntriesPerPosition: deps.maxEntriesPerPosition,
    next: AGENTS.execution,
  });
}

/** Every bundled strategy with its configured parameters. */
export function buildStrategies(
  deps: Pick<GovernedProtocolDeps, 'model' | 'minConfidence' | 'strategyParams'>,
  names: readonly string[] = STRATEGY_NAMES,
): Map<string, Strategy> {
  const out = new Map<string, Strategy>();
  for (const name of names) {
    const params = {
      ...(name === 'ml-classifier' ? { minConfidence: deps.minConfidence } : {}),
      ...(deps.strategyParams?.[name as StrategyName] ?? {}),
    };
    out.set(name, createStrategy(name, params, { model: deps.model }));
  }
  return out;
}

/**
 * The brain protocol (seed 003's seven agents): MarketMonitor -> Brain; Brain -> RiskManager (stops, governor)
 * and -> Regime -> StrategySelection -> Brain; Brain runs the enabled strategies (signals to Research) ->
 * Decision -> RiskManager -> Execution; Brain -> Monitor (heartbeats).
 */
export function brainProtocol(deps: BrainDeps): BrainProtocol {
  // The enable map's strategy_params (a research promotion) replace a strategy's parameters from the next cycle.
  const strategies = new Map<string, Strategy>(
    [...buildStrategies(deps)].map(([name, built]) => [
      name,
      new ParamsFollowingStrategy(
        built,
        () => deps.enableMap().params?.[name as StrategyName],
        (params) => buildStrategies({ ...deps, strategyParams: { ...deps.strategyParams, [name]: params } }, [name]).get(name)!,
      ),
    ]),
  );
  const regime = new RegimeAgent({ ...deps.regime, next: AGENTS.strategySelection, unclassified: AGENTS.brain });
  const selection = new StrategySelectionAgent({ enableMap: deps.enableMap, next: AGENTS.brain });
  const research = new ResearchAgent();
  const monitor = new MonitorAgent({ registry: deps.registry, storeProbe: deps.storeProbe });
  const agents: Agent[] = [
    new MarketMonitoringAgent(deps.source, { interval: deps.interval, klineLimit: deps.klineLimit, next: AGENTS.brain }),
    new BrainAgent({
      strategies,
      allowShort: deps.sizing.allowShort,
      riskManager: AGENTS.riskManager,
      regime: AGENTS.regime,
      research: AGENTS.research,
      monitor: AGENTS.monitor,
    }),
    regime,
    selection,
    riskManager(deps),
    new ExecutionAgent(deps.broker),
    research,
    monitor,
  ];
  return {
    name: 'brain',
    agents: new Map(agents.map((a) => [a.name, a])),
    entry: AGENTS.marketMonitor,
    regime,
    selection,
    research,
    monitor,
    strategies,
  };
}
