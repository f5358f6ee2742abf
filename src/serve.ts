import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, loadDotEnv } from './config.js';
import type { MonitoringControl } from './engine/monitoring.js';
import type { Distributed } from './engine/queue/wiring.js';
import { SCHEDULE_AGENT, scheduledSymbols } from './engine/scheduler.js';
import { LOCAL_USER_ID } from './engine/trading-engine.js';
import { PaperSessionRecorder } from './reports/paper-session.js';
import { createRuntime, type Runtime, VERSION } from './runtime.js';
import { buildServer } from './server.js';
import { startMaintenance } from './services/maintenance-schedule.js';
import { banner, scheduleLogHooks } from './startup/console.js';
import { applyDeskSettings } from './startup/desk-settings.js';
import { embeddedScheduler } from './startup/scheduler.js';
import { checkVenueReachable, offlineHint } from './startup/venue-check.js';
import { cycleFields, cycleLine } from './telemetry/cycle-line.js';
import { createLogger, resolveLogFormat } from './telemetry/logger.js';

/**
 * `npm start` / `conclave serve`: the API server with the paper-trading engine and its scheduler. Without
 * REDIS_URL the embedded scheduler runs every cycle in this process; with it this process only schedules
 * (BullMQ job schedulers) and `conclave worker` processes run the cycles. On the very first start the local
 * user's monitoring is switched on, so `npm start` alone trades DEFAULT_SYMBOL on paper around the clock.
 * `overrides` win over the environment and `.env` (the demo's own source and files).
 */
export async function serve(overrides: Readonly<Record<string, string>> = {}): Promise<void> {
  loadDotEnv();
  // Protocol and limits saved from the dashboard's desk (PUT /api/settings) apply from this start on.
  const { config, applied } = applyDeskSettings(loadConfig({ ...process.env, ...overrides }));
  // Before anything is written: without a route to the venue, say why and what works offline, then stop.
  try {
    await checkVenueReachable(config, Date.now);
  } catch (error) {
    const hint = offlineHint(error, config);
    if (!hint) throw error;
    process.stderr.write(`${hint}\n`);
    process.exitCode = 1;
    return;
  }
  const log = createLogger({
    level: config.LOG_LEVEL,
    dir: config.LOG_DIR || undefined,
    format: resolveLogFormat(config.LOG_FORMAT, process.stdout.isTTY === true),
  });
  if (Object.keys(applied).length > 0) log.info({ desk_settings: applied }, 'settings saved from the desk applied (PUT /api/settings)');
  const legacy = join(config.DATA_DIR, 'conclave.db');
  if (!config.DATABASE_URL && existsSync(legacy)) {
    log.warn(
      { legacy, database: config.database },
      `${legacy} is from an earlier version, which kept every source in one database; state now lives per market source under ${join(config.DATA_DIR, config.stateScope)}. To keep trading on the old book, set DATABASE_URL=${legacy}`,
    );
  }
  // BullMQ and ioredis load only in the distributed mode: they cost start-up time a laptop does not need.
  const wiring = config.REDIS_URL ? await import('./engine/queue/wiring.js') : null;
  const dist = wiring ? wiring.connectDistributed(config.REDIS_URL, { log, commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS }) : null;
  if (wiring && dist) await wiring.ensureRedisReachable(dist, config.REDIS_URL, config.REDIS_CONNECT_TIMEOUT_MS);
  const runtime = await createRuntime(
    config,
    log,
    dist ? { bookLock: dist.bookLock, queueHealth: dist.health, metricsLabels: { role: 'serve' } } : {},
  );
  const monitoring = dist ? await distributedMonitoring(runtime, dist) : await embeddedMonitoring(runtime);
  const session = new PaperSessionRecorder({
    reportsDir: config.REPORTS_DIR,
    interval: config.KLINE_INTERVAL,
    startingCapital: config.STARTING_CAPITAL,
    parameters: {
      protocol: runtime.engine.protocolName,
      source: runtime.source.venue,
      fee_bps: config.FEE_BPS,
      slippage_bps: config.SLIPPAGE_BPS,
    },
    versions: { conclave: VERSION, model: runtime.model.current.version, node: process.version },
  });
  runtime.engine.onCycle(session.record);
  const maintenance = startMaintenance(runtime);
  // Every saved cycle, scheduled or asked for over HTTP, is one console line.
  runtime.engine.onCycle((outcome) => log.info({ event: 'cycle', ...cycleFields(outcome) }, cycleLine(outcome)));
  const app = await buildServer(runtime, { monitoring: monitoring.control });
  const address = await app.listen({ host: config.HOST, port: config.PORT });
  // After listen: switching trading on runs a first cycle, and the API should not wait for it.
  await switchOnAtFirstStart(runtime, monitoring.control);
  const schedule = await monitoring.control.status(LOCAL_USER_ID);
  log.info(
    {
      event: 'banner',
      address,
      dashboard: `${address}/`,
      docs: `${address}/docs`,
      source: runtime.source.venue,
      protocol: runtime.engine.protocolName,
      mode: dist ? 'distributed' : 'embedded',
      auto_trade: schedule.running ? schedule.interval : null,
    },
    banner({
      version: VERSION,
      address,
      source: config.MARKET_SOURCE,
      protocol: runtime.engine.protocolName,
      autoTrade: schedule.running ? schedule.interval : null,
      database: config.database.kind === 'sqlite' ? config.database.path : 'PostgreSQL (DATABASE_URL)',
      modelPath: config.MODEL_PATH,
    }),
  );

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down: finishing running cycles');
    await app.close();
    await maintenance.close();
    // Running cycles finish and the schedule is saved while the store is still open.
    await monitoring.close();
    await dist?.close();
    // Every paper session leaves a run report, read like a backtest's (`conclave report show`).
    for (const report of await session.finish(runtime.clock.now()).catch((error: unknown) => {
      log.warn({ err: (error as Error).message }, 'paper session report not written');
      return [];
    })) {
      log.info({ dir: report.dir }, 'paper session report written');
    }
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/** On the very first start (no stored schedule) the local user's paper trading is switched on. */
export async function switchOnAtFirstStart(runtime: Runtime, control: MonitoringControl): Promise<void> {
  if (await runtime.store.agents.get(LOCAL_USER_ID, SCHEDULE_AGENT)) return;
  const status = await control.start(LOCAL_USER_ID, runtime.config.KLINE_INTERVAL);
  runtime.log.info({ interval: status.interval, symbols: status.symbols }, 'first start: paper trading switched on for the local user');
}

export interface MonitoringHandle {
  readonly control: MonitoringControl;
  close(): Promise<void>;
}

export interface EmbeddedMonitoring extends MonitoringHandle {
  /**
   * With a replay: moves the recording one candle and ticks the scheduler at its close; false once the
   * recording has no more candles. serve calls it every REPLAY_STEP_MS.
   */
  step(): Promise<boolean>;
}

/**
 * npm start's scheduler without REDIS_URL: every cycle runs in this process, on the runtime's engine. Over a
 * replay the recording is stepped a candle at a time (`stepTimer: false` leaves the stepping to the caller,
 * as the parity suite does).
 */
export async function embeddedMonitoring(runtime: Runtime, options: { stepTimer?: boolean } = {}): Promise<EmbeddedMonitoring> {
  // Saved cycles print their own line (engine.onCycle in serve); failures and schedule changes are said here.
  const scheduler = embeddedScheduler(runtime, runtime.metrics.schedulerHooks(scheduleLogHooks(runtime.log)));
  const resumed = await scheduler.resume();
  if (resumed > 0) runtime.log.info({ users: resumed }, 'monitoring resumed');
  runtime.metrics.setQueueProbe(async () => ({ depth: { active: scheduler.running }, workers: 1 }));
  const replay = runtime.replay;
  if (!replay) {
    scheduler.startLoop();
    return { control: scheduler, close: () => scheduler.close(), step: async () => false };
  }
  // A replay moves one recorded candle per step and the scheduler ticks at each new close, so a recorded day
  // trades in minutes through the very same scheduler and engine.
  const step = async (): Promise<boolean> => {
    if (!replay.advance()) return false;
    await scheduler.tick(replay.now());
    // Challengers shadow the cycle just run: the recording moves on only after they saw the same candle.
    await runtime.challengers.idle();
    return true;
  };
  if (options.stepTimer === false) return { control: scheduler, close: () => scheduler.close(), step };
  let stepping = false;
  const timer = setInterval(() => {
    if (stepping) return;
    stepping = true;
    void step()
      .then((advanced) => {
        if (advanced) return;
        clearInterval(timer);
        runtime.log.info('replay finished: the recording has no more candles');
      })
      .catch((error: unknown) => runtime.log.warn({ err: (error as Error).message }, 'replay step failed'))
      .finally(() => {
        stepping = false;
      });
  }, runtime.config.REPLAY_STEP_MS);
  return {
    control: scheduler,
    close: async () => {
      clearInterval(timer);
      await scheduler.close();
    },
    step,
  };
}

async function distributedMonitoring(runtime: Runtime, dist: Distributed): Promise<MonitoringHandle> {
  const scheduler = dist.scheduler({
    clock: runtime.clock,
    state: runtime.store.agents,
    symbols: scheduledSymbols(runtime.store.symbols, { userId: LOCAL_USER_ID, symbol: runtime.config.DEFAULT_SYMBOL }),
  });
  const intervals = await scheduler.resume();
  runtime.log.info({ intervals, prefix: dist.prefix }, 'distributed scheduling: cycles run on `conclave worker` processes');
  runtime.metrics.setQueueProbe(() => scheduler.probe());
  return { control: scheduler, close: () => scheduler.close() };
}
