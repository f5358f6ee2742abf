import { buildApp } from './api/app.js';
import type { ApiApp } from './api/app-types.js';
import type { ApiDeps } from './api/deps.js';
import { createPlatform } from './api/platform.js';
import { registerAuditRoutes } from './api/routes/audit.routes.js';
import { registerBacktestChartRoutes } from './api/routes/backtest-chart.routes.js';
import { registerBacktestReportRoutes } from './api/routes/backtest-report.routes.js';
import { registerBacktestRoutes } from './api/routes/backtests.routes.js';
import { registerCandleRoutes } from './api/routes/candles.routes.js';
import { feedMessage, registerFeedRoutes } from './api/routes/feeds.routes.js';
import { registerMetricsRoutes } from './api/routes/metrics.routes.js';
import { registerResearchRoutes } from './api/routes/research.routes.js';
import { challengerMessage, registerChallengerRoutes } from './api/routes/research-challengers.routes.js';
import { registerScannerRoutes } from './api/routes/scanner.routes.js';
import { registerSettingsRoutes } from './api/routes/settings.routes.js';
import { defaultWebDir, registerStaticRoutes } from './api/routes/static.routes.js';
import { tradingAreaRoutes } from './api/trading-routes.js';
import type { MonitoringControl } from './engine/monitoring.js';
import type { Scheduler } from './engine/scheduler.js';
import { scheduledSymbols } from './engine/scheduler.js';
import { LOCAL_USER_ID } from './engine/trading-engine.js';
import { CampaignService } from './research/campaign-service.js';
import { ResearchSchedule, researchEveryMs } from './research/research-schedule.js';
import { type Runtime, VERSION } from './runtime.js';
import { createScannerService } from './scanner/factory.js';
import { unavailableMonitoring } from './services/agent-service.js';
import { auditTrail } from './services/audit-trail.js';
import { platformMarketReader } from './services/venue-reader.js';
import { scheduleLogHooks } from './startup/console.js';
import { embeddedScheduler } from './startup/scheduler.js';

export interface ServerExtras extends Partial<Pick<ApiDeps, 'extraRoutes'>> {
  /** The scheduler behind POST /api/agents/market-monitor (tests inject a fake). */
  readonly monitoring?: MonitoringControl;
}

/**
 * The API over a runtime, with every area's routes behind the auth gate. The composition of HTTP areas lives
 * here and only here.
 * @throws ConclaveError CONFIG_INVALID when HOST is not loopback and JWT_SECRET is missing.
 */
export async function buildServer(runtime: Runtime, extra: ServerExtras = {}): Promise<ApiApp> {
  const scanner = createScannerService(runtime.config, {
    now: () => runtime.clock.now(),
    log: runtime.log,
    halts: runtime.marketHalts,
  });
  const embedded = extra.monitoring ? null : await resumedScheduler(runtime);
  try {
    const platform = createPlatform({
      config: runtime.config,
      clock: runtime.clock,
      store: runtime.store,
      market: platformMarketReader(runtime.source, runtime.config, runtime.clock, runtime.marketHalts),
      engine: runtime.engine,
      registry: runtime.registry,
      model: () => runtime.model.current,
      monitoring: extra.monitoring ?? embedded ?? unavailableMonitoring(runtime.config.KLINE_INTERVAL),
      marketHalts: runtime.marketHalts,
    });
    const campaigns = new CampaignService({
      reportsDir: runtime.config.REPORTS_DIR,
      now: () => runtime.clock.now(),
      publish: (e) =>
        platform.hub.publish(e.userId, {
          type: e.type,
          data: { id: e.id, status: e.status, progress: e.progress },
        }),
      metrics: {
        ended: (status) => runtime.metrics.researchCampaigns.inc({ status }),
        trial: (status) => runtime.metrics.researchTrials.inc({ status }),
        running: (n) => runtime.metrics.researchRunning.set(n),
      },
    });
    const app = await buildApp(
      {
        version: VERSION,
        config: runtime.config,
        engine: runtime.engine,
        market: runtime.market,
        trades: runtime.store.trades,
        health: runtime.health,
        installAuth: platform.installAuth,
        extraRoutes: [
          ...platform.routes,
          ...tradingAreaRoutes(runtime),
          (app) => registerScannerRoutes(app, { scanner }),
          (app) =>
            registerBacktestRoutes(app, {
              backtests: runtime.store.backtests,
              candles: runtime.store.candles,
              config: runtime.config,
              reportsDir: runtime.config.REPORTS_DIR,
              version: VERSION,
              now: () => runtime.clock.now(),
              publish: (e) => platform.hub.publish(e.userId, { type: e.type, data: { id: e.id, status: e.status, progress: e.progress } }),
            }),
          (app) =>
            registerResearchRoutes(app, {
              campaigns,
              candles: runtime.store.candles,
              config: runtime.config,
              now: () => runtime.clock.now(),
            }),
          (app) =>
            registerCandleRoutes(app, {
              source: runtime.source,
              resolveSymbol: (input) => runtime.market.resolveSymbol(input),
              defaultInterval: runtime.config.KLINE_INTERVAL,
            }),
          (app) => registerMetricsRoutes(app, { metrics: runtime.metrics }),
          (app) => registerChallengerRoutes(app, { challengers: runtime.challengers }),
          (app) => registerFeedRoutes(app, { feeds: runtime.feeds, now: () => runtime.clock.now() }),
          (app) => registerBacktestChartRoutes(app, { backtests: runtime.store.backtests }),
          (app) => registerAuditRoutes(app, { audit: runtime.store.audit }),
          (app) =>
            registerSettingsRoutes(app, { config: runtime.config, audit: auditTrail(runtime.store.audit, () => runtime.clock.now()) }),
          (app) => registerBacktestReportRoutes(app, { backtests: runtime.store.backtests, candles: runtime.store.candles }),
          (app) => registerStaticRoutes(app, { dir: defaultWebDir() }),
          ...(extra.extraRoutes ?? []),
        ],
      },
      { logger: runtime.log },
    );
    app.addHook('onClose', async () => platform.close());
    const research = researchAgent(runtime, campaigns);
    const every = researchEveryMs(runtime.config.RESEARCH_SCHEDULE);
    if (every !== null) {
      research.start(every);
      runtime.log.info({ every: runtime.config.RESEARCH_SCHEDULE, strategy: runtime.config.RESEARCH_STRATEGY }, 'research agent scheduled');
    }
    app.addHook('onClose', async () => research.close());
    app.addHook('onClose', async () => campaigns.close());
    const stopFeeds = runtime.feeds.onChange((v) => platform.hub.broadcast(feedMessage(v)));
    app.addHook('onClose', async () => stopFeeds());
    const stopChallengers = runtime.challengers.onEvent((e) => platform.hub.broadcast(challengerMessage(e, runtime.challengers)));
    app.addHook('onClose', async () => stopChallengers());
    // Before runtime.close(): running cycles finish and the schedule is saved while the store is open.
    if (embedded) app.addHook('onClose', () => embedded.close());
    return app;
  } catch (error) {
    await embedded?.close();
    throw error;
  }
}

/**
 * The embedded scheduler over the runtime's engine and store, with persisted schedules resumed. With
 * REDIS_URL the distributed scheduler (src/engine/queue) is the one to wire; until it is, monitoring says so.
 */
async function resumedScheduler(runtime: Runtime): Promise<Scheduler | null> {
  if (runtime.config.REDIS_URL) return null;
  const embedded = embeddedScheduler(runtime, scheduleLogHooks(runtime.log));
  const resumed = await embedded.resume();
  if (resumed > 0) runtime.log.info({ users: resumed }, 'monitoring resumed');
  embedded.startLoop();
  return embedded;
}

/**
 * The research agent over a runtime: the local user's traded symbols, their stored candles on the venue that
 * serves them, the API's campaign service and the challenger desk (RESEARCH_SCHEDULE starts its timer).
 */
export function researchAgent(runtime: Runtime, campaigns: CampaignService): ResearchSchedule {
  const { source } = runtime;
  return new ResearchSchedule({
    config: runtime.config,
    campaigns,
    candles: runtime.store.candles,
    symbols: () => scheduledSymbols(runtime.store.symbols, { userId: LOCAL_USER_ID, symbol: runtime.config.DEFAULT_SYMBOL })(LOCAL_USER_ID),
    venueOf: (symbol) => source.venueFor?.(symbol) ?? source.venue,
    challengers: runtime.challengers,
    userId: LOCAL_USER_ID,
    now: () => runtime.clock.now(),
    log: runtime.log,
  });
}
