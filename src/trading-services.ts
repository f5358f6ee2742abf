import type { Agent } from './agents/base.js';
import type { DecisionModel } from './agents/decision-maker.js';
import { DEFAULT_REGIME_CONFIG, type RegimeConfig } from './agents/regime-rules.js';
import type { AppConfig } from './config.js';
import type { AgentRegistry } from './engine/agent-registry.js';
import type { Clock } from './engine/clock.js';
import { type BrainProtocol, brainProtocol, buildStrategies, type GovernedProtocolDeps } from './engine/protocols/brain.js';
import { type ConsensusProtocol, consensusProtocol } from './engine/protocols/consensus.js';
import { pipelineProtocol } from './engine/protocols/pipeline.js';
import type { Protocol } from './engine/trading-engine.js';
import type { PaperBroker } from './execution/paper-broker.js';
import type { MarketDataSource } from './market/port.js';
import { type GovernorStatePort, RiskGovernor, type RiskLimits } from './risk/governor.js';
import { EnableMapStore } from './strategies/enable-map-file.js';
import type { Strategy } from './strategies/strategy.js';

/** Risk, strategy and regime services the API reads next to the engine. */
export interface TradingServices {
  readonly governor: RiskGovernor;
  readonly enableMap: EnableMapStore;
  /** Every bundled strategy with its configured parameters (the brain's own set when PROTOCOL=brain). */
  readonly strategies: ReadonlyMap<string, Strategy>;
  readonly regimeConfig: RegimeConfig;
  /** Set when PROTOCOL=brain. */
  readonly brain: BrainProtocol | null;
  /** Set when PROTOCOL=consensus. */
  readonly consensus: ConsensusProtocol | null;
}

export interface ProtocolWiring {
  readonly source: MarketDataSource;
  readonly broker: PaperBroker;
  readonly model: () => DecisionModel;
  readonly registry: AgentRegistry;
  readonly clock: Clock;
  readonly riskState: GovernorStatePort;
  readonly storeProbe?: () => Promise<{ ok: boolean; latencyMs: number }>;
  /** Further consensus voters (the LLM decision agent). */
  readonly extraVoters?: readonly Agent[];
  /** Enable map held in memory instead of config.ENABLE_MAP_PATH (tests). */
  readonly enableMap?: EnableMapStore;
}

export function riskLimitsOf(config: AppConfig): RiskLimits {
  return {
    maxDailyLoss: config.MAX_DAILY_LOSS,
    maxDrawdown: config.MAX_DRAWDOWN,
    reduceAt: config.RISK_REDUCE_AT,
    maxExposure: config.MAX_EXPOSURE,
    maxPositionPerSymbol: config.MAX_POSITION_PER_SYMBOL,
    maxOrdersPerMinute: config.MAX_ORDERS_PER_MINUTE,
  };
}

export function regimeConfigOf(config: AppConfig): RegimeConfig {
  return {
    ...DEFAULT_REGIME_CONFIG,
    trendWindow: config.REGIME_TREND_WINDOW,
    volWindow: config.REGIME_VOL_WINDOW,
    confirmBars: config.REGIME_CONFIRM_BARS,
  };
}

/**
 * The protocol named by PROTOCOL (pipeline, brain, consensus) with the risk governor in its command path,
 * and the services the API reads. `pipeline` is the seed's chain with the governor as its one rule.
 * @throws ConclaveError VALIDATION_ERROR for an enable map file that does not validate.
 */
export function createProtocol(config: AppConfig, w: ProtocolWiring): { protocol: Protocol; services: TradingServices } {
  // With REDIS_URL several processes trade one account: re-read the stored state on every check.
  const governor = new RiskGovernor(riskLimitsOf(config), w.riskState, w.clock, { shared: config.REDIS_URL !== '' });
  const enableMap = w.enableMap ?? EnableMapStore.open(config.ENABLE_MAP_PATH);
  const regimeConfig = regimeConfigOf(config);
  const rules = [governor.rule()];
  const governed: GovernedProtocolDeps = {
    source: w.source,
    broker: w.broker,
    interval: config.KLINE_INTERVAL,
    klineLimit: config.KLINE_LIMIT,
    model: w.model,
    minConfidence: config.MIN_CONFIDENCE,
    sizing: {
      mode: config.SIZING_MODE,
      fraction: config.ORDER_FRACTION,
      riskPerTrade: config.RISK_PER_TRADE,
      quantityStep: config.QUANTITY_STEP,
      allowShort: config.ALLOW_SHORT,
    },
    stops: { atrPeriod: config.ATR_PERIOD, atrMult: config.ATR_STOP_MULT, takeProfitR: config.TAKE_PROFIT_R },
    governor,
    rules,
    registry: w.registry,
    storeProbe: w.storeProbe,
  };
  const base = { governor, enableMap, regimeConfig, brain: null, consensus: null };
  if (config.PROTOCOL === 'brain') {
    const brain = brainProtocol({ ...governed, enableMap: () => enableMap.current(), regime: regimeConfig });
    return { protocol: brain, services: { ...base, strategies: brain.strategies, brain } };
  }
  if (config.PROTOCOL === 'consensus') {
    const consensus = consensusProtocol({
      ...governed,
      voters: config.CONSENSUS_VOTERS.split(','),
      extraVoters: w.extraVoters,
      minAgreement: config.CONSENSUS_MIN_AGREEMENT,
    });
    return { protocol: consensus, services: { ...base, strategies: buildStrategies(governed), consensus } };
  }
  const protocol = pipelineProtocol({
    source: w.source,
    model: w.model,
    broker: w.broker,
    interval: config.KLINE_INTERVAL,
    klineLimit: config.KLINE_LIMIT,
    minConfidence: config.MIN_CONFIDENCE,
    sizing: { fraction: config.ORDER_FRACTION, quantityStep: config.QUANTITY_STEP, allowShort: config.ALLOW_SHORT },
    rules,
  });
  return { protocol, services: { ...base, strategies: buildStrategies(governed) } };
}
