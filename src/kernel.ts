import type { Agent } from './agents/base.js';
import type { DecisionModel } from './agents/decision-maker.js';
import type { FillTiming } from './agents/execution-agent.js';
import type { AppConfig } from './config.js';
import { AgentRegistry } from './engine/agent-registry.js';
import { BookKeeper, type BookLoader, type BookLock } from './engine/book-keeper.js';
import type { BusObserver } from './engine/bus.js';
import type { Clock } from './engine/clock.js';
import { fillTimingFor, replayBar, withNextOpenFills } from './engine/fill-timing.js';
import type { CycleStore } from './engine/ports.js';
import { brainProtocol, buildStrategies, type GovernedProtocolDeps } from './engine/protocols/brain.js';
import { consensusProtocol } from './engine/protocols/consensus.js';
import { pipelineProtocol } from './engine/protocols/pipeline.js';
import { type Protocol, TradingEngine } from './engine/trading-engine.js';
import { PaperBroker } from './execution/paper-broker.js';
import type { MarketDataSource } from './market/port.js';
import type { ReplaySource } from './market/replay-source.js';
import { type GovernorStatePort, RiskGovernor } from './risk/governor.js';
import { EnableMapStore } from './strategies/enable-map-file.js';
import type { Strategy } from './strategies/strategy.js';
import { regimeConfigOf, riskLimitsOf, type TradingServices } from './trading-services.js';

/** What differs between paper trading, a replay and a backtest: the adapters, never the rules. */
export interface KernelAdapters {
  /** Where cycles read prices and candles (a venue, the synthetic market, or a recording). */
  readonly source: MarketDataSource;
  /** The recording behind `source` when it is one: orders then fill at the next candle's open. */
  readonly recording: ReplaySource | null;
  readonly clock: Clock;
  readonly model: () => DecisionModel;
  /** Where every cycle is saved (the SQL store, or a backtest's in-memory one). */
  readonly cycles: CycleStore;
  /** Where the governor keeps its state (the store's risk_state, or memory in a backtest). */
  readonly riskState: GovernorStatePort;
  /** Loads an account's book; with `bookLock` (workers sharing an account) it is reloaded on every cycle. */
  readonly loadBook: BookLoader;
  readonly bookLock?: BookLock;
  /** Enable map held in memory instead of config.ENABLE_MAP_PATH (tests). */
  readonly enableMap?: EnableMapStore;
  /** Further consensus voters (the LLM decision agent). */
  readonly extraVoters?: readonly Agent[];
  readonly storeProbe?: () => Promise<{ ok: boolean; latencyMs: number }>;
  readonly observer?: BusObserver;
  /** pipeline only: decide with this strategy instead of the model (`conclave backtest --strategy sma-cross`). */
  readonly decider?: Strategy;
}

/** One trading system: the engine running the configured protocol over its books, governor and broker. */
export interface Kernel {
  readonly engine: TradingEngine;
  readonly protocol: Protocol;
  readonly services: TradingServices;
  readonly broker: PaperBroker;
  readonly books: BookKeeper;
  readonly registry: AgentRegistry;
  readonly fillTiming: FillTiming;
  /** Candles each cycle reads: KLINE_LIMIT, or more when a strategy needs a longer warm-up. */
  readonly klineLimit: number;
}

/**
 * The one way to build a trading system. `npm start`, `conclave worker|cycle`, every backtest, walk-forward,
 * gate and Monte Carlo run, and POST /api/backtests get their kernel here: the protocol named by PROTOCOL
 * (pipeline, brain, consensus) with the one risk manager (governor, sizing mode, ATR stops and take-profit,
 * MAX_ENTRIES_PER_POSITION) and the fill timing of the market (fillTimingFor). Only the adapters differ.
 * @throws ConclaveError VALIDATION_ERROR for an enable map file that does not validate.
 */
export function buildKernel(config: AppConfig, a: KernelAdapters): Kernel {
  const registry = new AgentRegistry();
  const broker = new PaperBroker({ slippageBps: config.SLIPPAGE_BPS, feeBps: config.FEE_BPS });
  const books = new BookKeeper({ startingCapital: config.STARTING_CAPITAL, allowShort: config.ALLOW_SHORT }, a.loadBook, {
    shared: a.bookLock !== undefined,
    lock: a.bookLock,
  });
  // With REDIS_URL several processes trade one account: re-read the stored state on every check.
  const governor = new RiskGovernor(riskLimitsOf(config), a.riskState, a.clock, { shared: config.REDIS_URL !== '' });
  const enableMap = a.enableMap ?? EnableMapStore.open(config.ENABLE_MAP_PATH);
  const regimeConfig = regimeConfigOf(config);
  const voters = config.CONSENSUS_VOTERS.split(',');
  // A strategy whose warm-up exceeds KLINE_LIMIT would never leave HOLD: its cycles read enough candles.
  const warmup =
    config.PROTOCOL === 'pipeline'
      ? (a.decider?.warmup ?? 0)
      : maxWarmup(
          buildStrategies({ model: a.model, minConfidence: config.MIN_CONFIDENCE }, config.PROTOCOL === 'brain' ? undefined : voters),
        );
  const klineLimit = Math.max(config.KLINE_LIMIT, warmup + 1);
  const deps: GovernedProtocolDeps = {
    source: a.source,
    broker,
    interval: config.KLINE_INTERVAL,
    klineLimit,
    model: a.model,
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
    rules: [governor.rule()],
    maxEntriesPerPosition: config.MAX_ENTRIES_PER_POSITION,
    registry,
    storeProbe: a.storeProbe,
  };
  const base = { governor, enableMap, regimeConfig, brain: null, consensus: null };
  let built: { protocol: Protocol; services: TradingServices };
  if (config.PROTOCOL === 'brain') {
    const brain = brainProtocol({ ...deps, enableMap: () => enableMap.current(), regime: regimeConfig });
    built = { protocol: brain, services: { ...base, strategies: brain.strategies, brain } };
  } else if (config.PROTOCOL === 'consensus') {
    const consensus = consensusProtocol({ ...deps, voters, extraVoters: a.extraVoters, minAgreement: config.CONSENSUS_MIN_AGREEMENT });
    built = { protocol: consensus, services: { ...base, strategies: buildStrategies(deps), consensus } };
  } else {
    built = { protocol: pipelineProtocol({ ...deps, decider: a.decider }), services: { ...base, strategies: buildStrategies(deps) } };
  }
  const fillTiming = fillTimingFor(a.recording);
  const protocol =
    fillTiming === 'next-open' && a.recording
      ? withNextOpenFills(built.protocol, broker, replayBar(a.recording, config.KLINE_INTERVAL))
      : built.protocol;
  const engine = new TradingEngine({ clock: a.clock, store: a.cycles, books, protocol, registry, observer: a.observer });
  return { engine, protocol, services: built.services, broker, books, registry, fillTiming, klineLimit };
}

function maxWarmup(strategies: ReadonlyMap<string, Strategy>): number {
  let most = 0;
  for (const s of strategies.values()) most = Math.max(most, s.warmup);
  return most;
}

/** Setting name -> value, as a run used them. */
export type RunSettings = Readonly<Record<string, string | number | boolean>>;

const RUN_SETTINGS = [
  'PROTOCOL',
  'KLINE_INTERVAL',
  'KLINE_LIMIT',
  'STARTING_CAPITAL',
  'FEE_BPS',
  'SLIPPAGE_BPS',
  'MIN_CONFIDENCE',
  'SIZING_MODE',
  'ORDER_FRACTION',
  'RISK_PER_TRADE',
  'QUANTITY_STEP',
  'ALLOW_SHORT',
  'MAX_ENTRIES_PER_POSITION',
  'ATR_PERIOD',
  'ATR_STOP_MULT',
  'TAKE_PROFIT_R',
  'MAX_DAILY_LOSS',
  'MAX_DRAWDOWN',
  'RISK_REDUCE_AT',
  'MAX_EXPOSURE',
  'MAX_POSITION_PER_SYMBOL',
  'MAX_ORDERS_PER_MINUTE',
] as const satisfies readonly (keyof AppConfig)[];

const PROTOCOL_SETTINGS = {
  pipeline: [],
  brain: ['ENABLE_MAP_PATH', 'REGIME_TREND_WINDOW', 'REGIME_VOL_WINDOW', 'REGIME_CONFIRM_BARS'],
  consensus: ['CONSENSUS_VOTERS', 'CONSENSUS_MIN_AGREEMENT', 'CONSENSUS_LLM_VOTER'],
} as const satisfies Record<AppConfig['PROTOCOL'], readonly (keyof AppConfig)[]>;

/**
 * The settings a kernel trades by, named as in the config table (KLINE_LIMIT as raised for a strategy's
 * warm-up), plus its fill timing: what a run report lists so a reader knows which rules produced the trades.
 */
export function kernelSettings(config: AppConfig, kernel: Pick<Kernel, 'fillTiming' | 'klineLimit'>): RunSettings {
  const out: Record<string, string | number | boolean> = {};
  for (const name of [...RUN_SETTINGS, ...PROTOCOL_SETTINGS[config.PROTOCOL]]) out[name] = config[name];
  out.KLINE_LIMIT = kernel.klineLimit;
  out.FILL_TIMING = kernel.fillTiming;
  return out;
}
