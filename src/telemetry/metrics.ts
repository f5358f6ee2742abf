import { performance } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { isConclaveError } from '../domain/errors.js';
import type { BusObserver } from '../engine/bus.js';
import type { Clock } from '../engine/clock.js';
import type { CycleResult, SchedulerHooks } from '../engine/scheduler.js';
import type { CycleOutcome } from '../engine/trading-engine.js';
import type { MarketHalts } from '../market/market-halts.js';
import type { MarketDataSource } from '../market/port.js';

export interface MetricsOptions {
  readonly clock: Clock;
  /** Process metrics (CPU, memory, event loop lag, GC); off in tests that build many registries. */
  readonly processMetrics?: boolean;
  /** Constant labels on every series (e.g. `{ role: 'worker' }`). */
  readonly labels?: Readonly<Record<string, string>>;
  /** MAX_DRAWDOWN, exported so the alert compares against the configured limit. */
  readonly drawdownLimit?: number;
  /** How long one queue probe answers both queue gauges and repeated scrapes, wall ms (default 1000). */
  readonly queueProbeReuseMs?: number;
}

/** Queue figures read at scrape time (distributed mode). */
export type QueueProbe = () => Promise<{ readonly depth: Readonly<Record<string, number>>; readonly workers: number }>;

/** Order denials whose reason means the governor stopped trading (not a per-order limit). */
const HALT_CODES = new Set(['MAX_DAILY_LOSS', 'MAX_DRAWDOWN', 'MANUAL_HALT', 'TRADING_HALTED']);

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Conclave's Prometheus series on a registry of its own (so several runtimes in one process do not clash).
 * Fed by the engine (`attach`: every saved cycle), the bus (`busObserver`: per-agent latency), the schedulers
 * (`schedulerHooks`: failures, duplicates, missed ticks) and the market source (`instrumentSource`).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly cycles: Counter<'result'>;
  readonly cycleErrors: Counter<'code'>;
  readonly cycleDuration: Histogram<'protocol'>;
  readonly agentLatency: Histogram<'agent'>;
  readonly agentErrors: Counter<'agent' | 'code'>;
  readonly decisions: Counter<'action'>;
  readonly orders: Counter<'status'>;
  readonly riskDenials: Counter<'reason'>;
  readonly equity: Gauge<'user'>;
  readonly drawdown: Gauge<'user'>;
  readonly openPositions: Gauge<'user'>;
  readonly tradingHalted: Gauge<'user'>;
  readonly regime: Gauge<'symbol' | 'regime'>;
  readonly feedStaleness: Gauge<'symbol'>;
  readonly venueErrors: Counter<'venue' | 'code'>;
  readonly marketDataRejections: Counter<'venue' | 'reason'>;
  readonly marketHalts: Counter<'venue' | 'reason'>;
  readonly marketHalted: Gauge<'venue' | 'symbol'>;
  readonly venueLatency: Histogram<'venue' | 'method'>;
  readonly missedTicks: Counter;
  readonly queueDepth: Gauge<'state'>;
  readonly workers: Gauge;
  readonly queueUp: Gauge;
  readonly lastCycleTime: Gauge;
  readonly researchCampaigns: Counter<'status'>;
  readonly researchTrials: Counter<'status'>;
  readonly researchRunning: Gauge;
  private readonly peaks = new Map<number, number>();
  private readonly lastCandle = new Map<string, number>();
  private readonly regimes = new Map<string, string>();
  private queueProbe: QueueProbe | null = null;
  private probed: { at: number; value: Promise<Awaited<ReturnType<QueueProbe>> | null> } | null = null;

  private readonly queueProbeReuseMs: number;

  constructor(options: MetricsOptions) {
    this.queueProbeReuseMs = options.queueProbeReuseMs ?? 1_000;
    const r = this.registry;
    if (options.labels) r.setDefaultLabels({ ...options.labels });
    if (options.processMetrics) collectDefaultMetrics({ register: r });
    this.researchCampaigns = new Counter({
      name: 'conclave_research_campaigns_total',
      help: 'Research campaigns ended, by status (completed, failed, cancelled)',
      labelNames: ['status'],
      registers: [r],
    });
    this.researchTrials = new Counter({
      name: 'conclave_research_trials_total',
      help: 'Research trials tried, by status (ok, pruned, failed)',
      labelNames: ['status'],
      registers: [r],
    });
    this.researchRunning = new Gauge({
      name: 'conclave_research_campaigns_running',
      help: 'Research campaigns queued or running',
      registers: [r],
    });
    this.cycles = new Counter({
      name: 'conclave_cycles_total',
      help: 'Trading cycles by result: ok (saved), error (failed, nothing saved), duplicate (idempotency key already used)',
      labelNames: ['result'],
      registers: [r],
    });
    this.cycleErrors = new Counter({
      name: 'conclave_cycle_errors_total',
      help: 'Failed cycles by error code',
      labelNames: ['code'],
      registers: [r],
    });
    this.cycleDuration = new Histogram({
      name: 'conclave_cycle_duration_seconds',
      help: 'Wall time of a saved cycle, from request to saved',
      labelNames: ['protocol'],
      buckets: LATENCY_BUCKETS,
      registers: [r],
    });
    this.agentLatency = new Histogram({
      name: 'conclave_agent_latency_seconds',
      help: 'Time an agent spent handling one message',
      labelNames: ['agent'],
      buckets: LATENCY_BUCKETS,
      registers: [r],
    });
    this.agentErrors = new Counter({
      name: 'conclave_agent_errors_total',
      help: 'Agent failures by agent and error code',
      labelNames: ['agent', 'code'],
      registers: [r],
    });
    this.decisions = new Counter({ name: 'conclave_decisions_total', help: 'Decisions by action', labelNames: ['action'], registers: [r] });
    this.orders = new Counter({
      name: 'conclave_orders_total',
      help: 'Orders by status (FILLED, SKIPPED, REJECTED)',
      labelNames: ['status'],
      registers: [r],
    });
    this.riskDenials = new Counter({
      name: 'conclave_risk_denials_total',
      help: 'Orders denied by the risk gate, by reason code',
      labelNames: ['reason'],
      registers: [r],
    });
    this.equity = new Gauge({
      name: 'conclave_equity',
      help: 'Account equity after the latest cycle (quote currency)',
      labelNames: ['user'],
      registers: [r],
    });
    this.drawdown = new Gauge({
      name: 'conclave_drawdown_ratio',
      help: 'Fall of equity below its peak seen by this process, 0..1',
      labelNames: ['user'],
      registers: [r],
    });
    new Gauge({
      name: 'conclave_drawdown_limit_ratio',
      help: 'Configured MAX_DRAWDOWN (the governor halts at this drawdown)',
      registers: [r],
    }).set(options.drawdownLimit ?? 1);
    this.openPositions = new Gauge({
      name: 'conclave_open_positions',
      help: 'Open positions after the latest cycle',
      labelNames: ['user'],
      registers: [r],
    });
    this.tradingHalted = new Gauge({
      name: 'conclave_trading_halted',
      help: '1 when the risk governor halted trading for the user (seen on the latest cycle), else 0',
      labelNames: ['user'],
      registers: [r],
    });
    this.regime = new Gauge({
      name: 'conclave_regime',
      help: '1 for the market regime the regime agent last classified per symbol',
      labelNames: ['symbol', 'regime'],
      registers: [r],
    });
    const lastCandle = this.lastCandle;
    const clock = options.clock;
    this.feedStaleness = new Gauge({
      name: 'conclave_feed_staleness_seconds',
      help: 'Age of the newest candle a cycle saw, per symbol, at scrape time',
      labelNames: ['symbol'],
      registers: [r],
      collect() {
        const now = clock.now();
        for (const [symbol, t] of lastCandle) this.set({ symbol }, Math.max(0, (now - t) / 1000));
      },
    });
    this.venueErrors = new Counter({
      name: 'conclave_venue_errors_total',
      help: 'Failed market-data calls by venue and error code',
      labelNames: ['venue', 'code'],
      registers: [r],
    });
    this.marketDataRejections = new Counter({
      name: 'conclave_market_data_rejections_total',
      help: 'Venue answers refused by the market-data guard (502 MARKET_DATA_INVALID), by venue and reason',
      labelNames: ['venue', 'reason'],
      registers: [r],
    });
    this.marketHalts = new Counter({
      name: 'conclave_market_halts_total',
      help: 'Times the price-jump guard (MAX_PRICE_JUMP) halted a symbol on a venue, by venue and reason',
      labelNames: ['venue', 'reason'],
      registers: [r],
    });
    this.marketHalted = new Gauge({
      name: 'conclave_market_halted',
      help: '1 while the price-jump guard holds a symbol halted on a venue, 0 once a sane price lifted it',
      labelNames: ['venue', 'symbol'],
      registers: [r],
    });
    this.venueLatency = new Histogram({
      name: 'conclave_venue_request_duration_seconds',
      help: 'Market-data call time (after retries) by venue and method',
      labelNames: ['venue', 'method'],
      buckets: LATENCY_BUCKETS,
      registers: [r],
    });
    this.missedTicks = new Counter({
      name: 'conclave_missed_ticks_total',
      help: 'Scheduled cycles not run because the symbol was still busy or the process was down',
      registers: [r],
    });
    this.lastCycleTime = new Gauge({
      name: 'conclave_last_cycle_timestamp_seconds',
      help: 'Clock time of the latest saved cycle',
      registers: [r],
    });
    const self = this;
    this.queueDepth = new Gauge({
      name: 'conclave_queue_depth',
      help: 'Cycle jobs in the BullMQ queue by state (distributed mode); embedded mode reports running cycles as active',
      labelNames: ['state'],
      registers: [r],
      async collect() {
        const probed = await self.probeQueue();
        // Redis down: no figures rather than the last ones seen (conclave_queue_up says why).
        if (!probed) this.reset();
        else for (const [state, n] of Object.entries(probed.depth)) this.set({ state }, n);
      },
    });
    this.workers = new Gauge({
      name: 'conclave_queue_workers',
      help: 'Worker connections on the cycle queue (distributed mode)',
      registers: [r],
      async collect() {
        const probed = await self.probeQueue();
        if (probed) this.set(probed.workers);
        else this.reset();
      },
    });
    this.queueUp = new Gauge({
      name: 'conclave_queue_up',
      help: 'Whether the queue answered this scrape (1) or not (0: Redis down or past REDIS_COMMAND_TIMEOUT_MS; depth and workers are then absent)',
      registers: [r],
      async collect() {
        if (!self.queueProbe) return;
        this.set((await self.probeQueue()) ? 1 : 0);
      },
    });
  }

  /** Follows the price-jump guard's halts: the halted gauge per (venue, symbol) and a count of halts. */
  attachMarketHalts(halts: MarketHalts): () => void {
    return halts.onChange((e) => {
      this.marketHalted.set({ venue: e.venue, symbol: e.symbol }, e.halted ? 1 : 0);
      if (e.halted) this.marketHalts.inc({ venue: e.venue, reason: e.reason });
    });
  }

  /** Reads queue depth and worker count at each scrape. */
  setQueueProbe(probe: QueueProbe | null): void {
    this.queueProbe = probe;
  }

  /** One probe per scrape: both queue gauges read the same answer (reused for queueProbeReuseMs). */
  private probeQueue(): Promise<Awaited<ReturnType<QueueProbe>> | null> {
    const probe = this.queueProbe;
    if (!probe) return Promise.resolve(null);
    const now = performance.now();
    if (this.probed && now - this.probed.at < this.queueProbeReuseMs) return this.probed.value;
    // Redis unreachable: no figures this scrape (the probe's commands have a deadline, so a scrape never hangs).
    const value = probe().catch(() => null);
    this.probed = { at: now, value };
    return value;
  }

  /** Per-agent latency and errors, for TradingEngineDeps.observer. */
  readonly busObserver: BusObserver = {
    onHandled: (agent, _type, latencyMs, error) => {
      this.agentLatency.observe({ agent }, latencyMs / 1000);
      if (error) this.agentErrors.inc({ agent, code: error.code });
    },
  };

  /** Everything a saved cycle says: result, latency, decision, orders, denials, equity, drawdown, positions. */
  observeCycle(outcome: CycleOutcome, wallMs?: number): void {
    const user = String(outcome.userId);
    this.cycles.inc({ result: 'ok' });
    this.cycleDuration.observe({ protocol: outcome.protocol }, (wallMs ?? outcome.finishedAt - outcome.startedAt) / 1000);
    this.decisions.inc({ action: outcome.decision.action });
    let halted: boolean | null = null;
    for (const report of outcome.reports) this.orders.inc({ status: report.status });
    for (const m of outcome.messages) {
      if (m.type === 'OrderDenied') {
        this.riskDenials.inc({ reason: m.payload.reasonCode });
        if (HALT_CODES.has(m.payload.reasonCode)) halted = true;
      } else if (m.type === 'TradingHalted') {
        halted = true;
      } else if (m.type === 'OrderFilled' && halted === null) {
        halted = false;
      } else if (m.type === 'RegimeClassified') {
        this.setRegime(m.payload.symbol, m.payload.regime);
      }
    }
    if (halted !== null) this.tradingHalted.set({ user }, halted ? 1 : 0);
    const equity = outcome.portfolio.equity;
    const peak = Math.max(this.peaks.get(outcome.userId) ?? equity, equity);
    this.peaks.set(outcome.userId, peak);
    this.equity.set({ user }, equity);
    this.drawdown.set({ user }, peak > 0 ? (peak - equity) / peak : 0);
    this.openPositions.set({ user }, outcome.portfolio.positions.length);
    this.lastCandle.set(outcome.symbol, outcome.snapshot.candleTime);
    this.lastCycleTime.set(outcome.finishedAt / 1000);
  }

  /** Counts a cycle that did not save (an `ok` is counted by observeCycle). */
  recordCycle(result: Exclude<CycleResult, 'ok'>, code?: string): void {
    this.cycles.inc({ result });
    if (result === 'error') this.cycleErrors.inc({ code: code ?? 'INTERNAL_ERROR' });
  }

  /** Subscribes to the engine's saved cycles; returns the unsubscribe function. */
  attach(engine: { onCycle(listener: (outcome: CycleOutcome) => void): () => void }): () => void {
    return engine.onCycle((outcome) => this.observeCycle(outcome));
  }

  /** Hooks for a scheduler or worker: failures and duplicates counted here, saved cycles by `attach`. */
  schedulerHooks(next: SchedulerHooks = {}): SchedulerHooks {
    return {
      ...next,
      onCycle: (result, info) => {
        if (result !== 'ok') this.recordCycle(result, info.code);
        next.onCycle?.(result, info);
      },
      onMissed: (userId, ticks) => {
        this.missedTicks.inc(ticks);
        next.onMissed?.(userId, ticks);
      },
    };
  }

  /** Marks `regime` as the symbol's current regime (the previous one drops to 0). */
  setRegime(symbol: string, regime: string): void {
    const previous = this.regimes.get(symbol);
    if (previous === regime) return;
    if (previous !== undefined) this.regime.set({ symbol, regime: previous }, 0);
    this.regime.set({ symbol, regime }, 1);
    this.regimes.set(symbol, regime);
  }

  /** Prometheus text exposition of every series. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

const SOURCE_METHODS = new Set(['getCurrentPrice', 'getRecentKlines', 'getKlines', 'get24hTickers']);

/**
 * The same source, with every market-data call timed, every failure counted by its error code
 * (`conclave_venue_errors_total{venue,code}`) and every refused answer by its reason
 * (`conclave_market_data_rejections_total{venue,reason}`). Other members (a replay's cursor) pass through untouched.
 */
export function instrumentSource<S extends MarketDataSource>(source: S, metrics: Metrics): S {
  return new Proxy(source, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !SOURCE_METHODS.has(prop) || typeof value !== 'function') {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return async (...args: unknown[]) => {
        const started = performance.now();
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          metrics.venueErrors.inc({ venue: target.venue, code: isConclaveError(error) ? error.code : 'INTERNAL_ERROR' });
          if (isConclaveError(error, 'MARKET_DATA_INVALID')) {
            // The guard names the venue that answered (a router's stock side is Yahoo) and why it refused.
            const venue = typeof error.details?.venue === 'string' ? error.details.venue : target.venue;
            const reason = typeof error.details?.reason === 'string' ? error.details.reason : 'BAD_SHAPE';
            metrics.marketDataRejections.inc({ venue, reason });
          }
          throw error;
        } finally {
          metrics.venueLatency.observe({ venue: target.venue, method: prop }, (performance.now() - started) / 1000);
        }
      };
    },
  });
}
