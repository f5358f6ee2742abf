import { join } from 'node:path';
import type { Agent } from './agents/base.js';
import { CONSENSUS_AGENT } from './agents/consensus.js';
import { LLMDecisionAgent } from './agents/llm-decision-agent.js';
import type { AppConfig } from './config.js';
import { type Candle, intervalMs } from './domain/candle.js';
import type { Venue } from './domain/market.js';
import { calendarFor } from './domain/trading-calendar.js';
import type { AgentRegistry } from './engine/agent-registry.js';
import type { BookKeeper, BookLock } from './engine/book-keeper.js';
import { type Clock, LiveClock } from './engine/clock.js';
import { MarketService } from './engine/market-service.js';
import type { TradingEngine } from './engine/trading-engine.js';
import type { PaperBroker } from './execution/paper-broker.js';
import { buildKernel } from './kernel.js';
import { createMarketSource } from './market/factory.js';
import { MarketHalts } from './market/market-halts.js';
import type { MarketDataSource } from './market/port.js';
import { ReplaySource } from './market/replay-source.js';
import { resolveSymbol } from './market/symbols.js';
import type { TradingModel } from './ml/model.js';
import { loadOrTrain } from './ml/model-loader.js';
import { ChallengerDesk } from './research/challengers.js';
import { llmFromConfig } from './scanner/factory.js';
import { venueRouterAround } from './services/venue-reader.js';
import { loadPrompts } from './startup/prompts.js';
import { openStore, type Store } from './store/db.js';
import type { EnableMapStore } from './strategies/enable-map-file.js';
import { FeedBoard } from './telemetry/feed-board.js';
import { FeedHealth } from './telemetry/feed-health.js';
import { type ComponentHealth, type HealthReport, overallStatus } from './telemetry/health.js';
import type { Logger } from './telemetry/logger.js';
import { instrumentSource, Metrics } from './telemetry/metrics.js';
import type { TradingServices } from './trading-services.js';
import { VERSION } from './version.js';

export { VERSION };

/** The model in use; replaced atomically when retrained. */
export class ModelHolder {
  constructor(private model: TradingModel) {}
  get current(): TradingModel {
    return this.model;
  }
  replace(model: TradingModel): void {
    this.model = model;
  }
}

export interface Runtime {
  readonly config: AppConfig;
  readonly log: Logger;
  readonly clock: Clock;
  readonly store: Store;
  readonly source: MarketDataSource;
  /** Symbols the price-jump guard has halted per venue; transitions feed metrics, the log and /ws. */
  readonly marketHalts: MarketHalts;
  /** The recording when MARKET_SOURCE=replay:<csv> (its cursor is the clock); null otherwise. */
  readonly replay: ReplaySource | null;
  readonly model: ModelHolder;
  readonly broker: PaperBroker;
  readonly books: BookKeeper;
  readonly registry: AgentRegistry;
  readonly engine: TradingEngine;
  readonly market: MarketService;
  /** Risk governor, enable map, strategies and the protocol's stateful agents (regime, research, monitor). */
  readonly trading: TradingServices;
  /** Prometheus series of this process (GET /metrics). */
  readonly metrics: Metrics;
  readonly startedAt: number;
  /** Per-venue feed state for the dashboard's indicator (GET /api/feeds, `feed` on /ws). */
  readonly feeds: FeedBoard;
  /** Research challengers shadow-trading beside the house account (embedded mode: they follow this engine's cycles). */
  readonly challengers: ChallengerDesk;
  health(): Promise<HealthReport>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  readonly clock?: Clock;
  readonly source?: MarketDataSource;
  readonly onTrainProgress?: (done: number, total: number) => void;
  /** Skips train-or-load (tests that need a scripted decision). */
  readonly model?: TradingModel;
  /** Enable map held in memory instead of ENABLE_MAP_PATH (tests). */
  readonly enableMap?: EnableMapStore;
  /** Further consensus voters (the LLM decision agent). */
  readonly extraVoters?: readonly Agent[];
  /**
   * Several processes trade the same accounts (distributed mode): books are reloaded on every cycle and held
   * under this cross-process lock from load to save.
   */
  readonly bookLock?: BookLock;
  /** The `queue` component of /health in distributed mode (Redis answers within its command deadline). */
  readonly queueHealth?: () => Promise<ComponentHealth>;
  /** Constant labels on every metric of this process (e.g. `{ role: 'worker' }`). */
  readonly metricsLabels?: Readonly<Record<string, string>>;
}

/**
 * Composition root shared by `serve`, `cycle`, `train` and workers: opens the store, picks the market source,
 * trains or loads the model, and wires the protocol's agents into the engine.
 */
export async function createRuntime(config: AppConfig, log: Logger, options: RuntimeOptions = {}): Promise<Runtime> {
  const replay = !options.source && !options.clock && config.MARKET_SOURCE.startsWith('replay:') ? replaySource(config) : null;
  // A recorded market brings its own time: the engine's clock is the replay's cursor.
  const clock: Clock = options.clock ?? (replay ? { now: () => replay.now() } : new LiveClock());
  const startedAt = clock.now();
  const store = await openStore(config.database, { log: (m) => log.info(m) });
  try {
    const metrics = new Metrics({ clock, processMetrics: true, drawdownLimit: config.MAX_DRAWDOWN, labels: options.metricsLabels });
    const marketHalts = new MarketHalts();
    metrics.attachMarketHalts(marketHalts);
    marketHalts.onChange((e) =>
      e.halted
        ? log.warn(
            { venue: e.venue, symbol: e.symbol, reason: e.reason, price: e.price, reference: e.reference },
            `market halted: ${e.message}`,
          )
        : log.info({ venue: e.venue, symbol: e.symbol, price: e.price }, `market resumed: ${e.message}`),
    );
    // Live venues route by symbol (AAPL to Yahoo beside a crypto venue); offline sources serve every symbol.
    const source = instrumentSource(options.source ?? replay ?? routedSource(config, clock, marketHalts), metrics);
    const { model, source: modelSource } = options.model
      ? { model: options.model, source: 'injected' }
      : await loadOrTrain({
          modelPath: config.MODEL_PATH,
          fetchCandles: () => fetchTrainingCandles(source, config, clock.now()),
          symbol: config.DEFAULT_SYMBOL,
          interval: config.KLINE_INTERVAL,
          labelThreshold: config.LABEL_THRESHOLD,
          trees: config.MODEL_TREES,
          maxDepth: config.MODEL_MAX_DEPTH,
          seed: config.MODEL_SEED,
          // Trained on the symbol's own venue, so stocks read their sessions as the calendar, not as holes.
          calendar: calendarFor(venueOf(source, config.DEFAULT_SYMBOL)),
          onProgress: options.onTrainProgress,
          log: (m) => log.info(m),
        });
    log.info({ model_version: model.version, how: modelSource, metrics: model.metrics }, 'model ready');
    const holder = new ModelHolder(model);
    const kernel = buildKernel(config, {
      source,
      recording: replay,
      clock,
      model: () => holder.current,
      cycles: store.cycles,
      riskState: store.risk,
      loadBook: (userId) => store.portfolio.loadBook(userId, config.STARTING_CAPITAL),
      // On PostgreSQL the database itself locks each account's book, so processes sharing it never double-spend
      // one account, with or without Redis; the Redis lock is used only where the store has none.
      bookLock: store.lockAccount ?? options.bookLock,
      storeProbe: async () => {
        const h = await store.health();
        return { ok: h.ok, latencyMs: h.latencyMs };
      },
      enableMap: options.enableMap,
      extraVoters: options.extraVoters ?? llmVoters(config, log),
      observer: metrics.busObserver,
    });
    const { engine, broker, books, registry, services: trading } = kernel;
    log.info({ protocol: engine.protocolName, fill_timing: kernel.fillTiming }, 'kernel ready');
    const challengers = new ChallengerDesk({
      config,
      clock,
      source,
      recording: replay,
      model: () => holder.current,
      enableMap: trading.enableMap,
      promotionsPath: join(config.REPORTS_DIR, 'promotions.jsonl'),
      championKlineLimit: kernel.klineLimit,
      warn: (message, fields) => log.warn(fields, message),
    });
    engine.onCycle(challengers.onChampionCycle);
    challengers.onEvent((e) => log.info({ event: e.type, ...e.payload }, `research: ${e.type}`));
    metrics.attach(engine);
    const cryptoVenue = config.MARKET_SOURCE === 'bybit' ? 'bybit' : 'binance';
    const market = new MarketService(
      source,
      clock,
      { interval: config.KLINE_INTERVAL, klineLimit: config.KLINE_LIMIT, defaultSymbol: config.DEFAULT_SYMBOL },
      (input) => resolveSymbol(input, { cryptoVenue }).symbol,
    );
    const feed = new FeedHealth({ downAfter: config.HEALTH_FEED_FAILURES, staleAfterMs: 3 * intervalMs(config.KLINE_INTERVAL) });
    engine.onCycle((o) => feed.succeeded(o.snapshot.candleTime));
    engine.onCycleFailed((_symbol, error) => feed.failed(error));
    const feeds = new FeedBoard({
      staleAfterMs: 3 * intervalMs(config.KLINE_INTERVAL),
      localVenues: new Set(['synthetic', 'replay']),
      venues: [source.venue],
    });
    engine.onCycle((o) => feeds.succeeded(venueOf(source, o.symbol), o.snapshot.candleTime, clock.now()));
    engine.onCycleFailed((symbol, error) => {
      try {
        feeds.failed(venueOf(source, symbol), error, clock.now());
      } catch {
        // A symbol no venue serves failed for that reason, not for the feed's.
      }
    });

    const health = async (): Promise<HealthReport> => {
      const db = await store.health();
      const now = clock.now();
      const components: Record<string, ComponentHealth> = {
        store: {
          status: db.ok ? 'ok' : 'down',
          details: { dialect: store.dialect, latency_ms: db.latencyMs, ...(db.error ? { error: db.error } : {}) },
        },
        model: { status: 'ok', details: { version: holder.current.version, ...holder.current.metrics } },
        market_feed: feed.component(source.venue, now),
        agents: {
          status: registry.all().some((a) => a.lastErrorAt !== null && a.lastErrorAt === a.lastRunAt) ? 'degraded' : 'ok',
          details: Object.fromEntries(
            registry.all().map((a) => [a.name, { runs: a.runs, errors: a.errors, last_run_at: a.lastRunAt, last_error: a.lastError }]),
          ),
        },
        ...monitorComponent(trading),
        ...(options.queueHealth ? { queue: await options.queueHealth() } : {}),
      };
      return { status: overallStatus(components), version: VERSION, uptime_s: Math.round((now - startedAt) / 1000), components };
    };

    return {
      config,
      log,
      clock,
      store,
      source,
      marketHalts,
      replay,
      model: holder,
      broker,
      books,
      registry,
      engine,
      market,
      trading,
      metrics,
      startedAt,
      feeds,
      challengers,
      health,
      close: () => store.close(),
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** The configured source; a live venue is wrapped in a router so stock symbols reach Yahoo and crypto the venue. */
function routedSource(config: AppConfig, clock: Clock, halts: MarketHalts): MarketDataSource {
  const main = createMarketSource(config, { now: () => clock.now(), halts });
  return main.venue === 'synthetic' || main.venue === 'replay' ? main : venueRouterAround(main, config, () => clock.now(), halts);
}

/** The LLM analyst as a consensus voter when CONSENSUS_LLM_VOTER is on (config rules ensure the LLM is set). */
function llmVoters(config: AppConfig, log: Logger): Agent[] | undefined {
  if (config.PROTOCOL !== 'consensus' || !config.CONSENSUS_LLM_VOTER) return undefined;
  const { llm } = llmFromConfig(config, log);
  return llm ? [new LLMDecisionAgent(llm, { next: CONSENSUS_AGENT, systemPrompt: loadPrompts(config.PROMPTS_DIR).llmVoter })] : undefined;
}

/**
 * A replay positioned after enough recorded history to train on and to warm the indicators, so a recorded
 * market starts like a live one; serve then steps it a candle at a time (REPLAY_STEP_MS).
 */
function replaySource(config: AppConfig): ReplaySource {
  const path = config.MARKET_SOURCE.slice('replay:'.length);
  const warmupBars = config.TRAINING_CANDLES + config.KLINE_LIMIT + 2;
  try {
    return ReplaySource.fromCsv(path, { warmupBars });
  } catch {
    // A file not named SYMBOL_INTERVAL.csv is taken as DEFAULT_SYMBOL at KLINE_INTERVAL.
    return ReplaySource.fromCsv(path, { symbol: config.DEFAULT_SYMBOL, interval: config.KLINE_INTERVAL, warmupBars });
  }
}

/**
 * The newest TRAINING_CANDLES closed candles of the default symbol, paged by startTime from the source.
 * The window is anchored at the venue's newest candle rather than the local clock, so a skewed clock or a
 * recorded market still gets a full window.
 */
export async function fetchTrainingCandles(source: MarketDataSource, config: AppConfig, now: number): Promise<Candle[]> {
  const step = intervalMs(config.KLINE_INTERVAL);
  const [newest] = (await source.getRecentKlines(config.DEFAULT_SYMBOL, config.KLINE_INTERVAL, 1)).slice(-1);
  const anchor = newest ? Math.min(newest.openTime, Math.floor(now / step) * step) : Math.floor(now / step) * step;
  const startTime = anchor - config.TRAINING_CANDLES * step;
  const candles = await source.getKlines({
    symbol: config.DEFAULT_SYMBOL,
    interval: config.KLINE_INTERVAL,
    startTime,
    limit: config.TRAINING_CANDLES + 1,
  });
  return candles.filter((c) => c.closeTime <= now).slice(-config.TRAINING_CANDLES);
}

/** The venue that serves `symbol` from `source` (a router knows per symbol). */
function venueOf(source: MarketDataSource, symbol: string): Venue {
  return source.venueFor?.(symbol) ?? source.venue;
}

/** The monitor agent's last report as a /health component (brain protocol only). */
function monitorComponent(trading: TradingServices): Record<string, ComponentHealth> {
  const report = trading.brain?.monitor.last();
  if (!report) return {};
  return {
    monitor: {
      status: report.status,
      details: {
        at: report.at,
        feed: report.feed,
        store: report.store,
        agents: Object.fromEntries(
          report.agents.map((a) => [a.name, { last_run_age_ms: a.lastRunAgeMs, errors: a.errors, failing: a.failing }]),
        ),
      },
    },
  };
}
