import { DEFAULT_REGIME_CONFIG, type RegimeConfig } from './agents/regime-rules.js';
import type { AppConfig } from './config.js';
import type { BrainProtocol } from './engine/protocols/brain.js';
import type { ConsensusProtocol } from './engine/protocols/consensus.js';
import type { RiskGovernor, RiskLimits } from './risk/governor.js';
import type { EnableMapStore } from './strategies/enable-map-file.js';
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
