import type { Server } from 'node:http';
import type { Command } from 'commander';
import { loadConfig, loadDotEnv } from '../../config.js';
import { ConclaveError } from '../../domain/errors.js';
import { type Clock, LiveClock } from '../../engine/clock.js';
import { AsOfClock } from '../../engine/queue/as-of.js';
import { createCycleWorker } from '../../engine/queue/cycle-worker.js';
import { asOfReplay, connectDistributed, DEFAULT_QUEUE_PREFIX, ensureRedisReachable, scheduledSymbols } from '../../engine/queue/wiring.js';
import { LOCAL_USER_ID } from '../../engine/trading-engine.js';
import type { MarketDataSource } from '../../market/port.js';
import { createRuntime } from '../../runtime.js';
import { applyDeskSettings } from '../../startup/desk-settings.js';
import { createLogger } from '../../telemetry/logger.js';
import { startMetricsServer } from '../../telemetry/metrics-server.js';

interface WorkerOpts {
  concurrency: string;
  prefix: string;
  replay?: string[];
  metricsPort?: string;
  metricsHost: string;
  jobLockMs: string;
  lockTtlMs: string;
}

/** `conclave worker`: takes cycle jobs from the BullMQ queue at REDIS_URL (distributed mode). */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'Run cycle jobs from the Redis queue (REDIS_URL) against the shared store (DATABASE_URL, PostgreSQL); any number of workers on any machines',
    )
    .option('-c, --concurrency <n>', 'jobs run at once by this process', '4')
    .option('--prefix <prefix>', 'Redis key prefix of the queue (the same for serve and every worker)', DEFAULT_QUEUE_PREFIX)
    .option('--replay <specs...>', "trade recorded candles as of each job's candle: SYMBOL_INTERVAL.csv files or ALIAS=file")
    .option('--metrics-port <port>', 'serve Prometheus /metrics of this worker on <port> (see --metrics-host)')
    .option(
      '--metrics-host <address>',
      'address of the /metrics endpoint; off loopback it requires METRICS_TOKEN as a bearer token',
      '127.0.0.1',
    )
    .option('--job-lock-ms <ms>', 'a job not renewed for this long is taken as crashed and retried once', '30000')
    .option('--lock-ttl-ms <ms>', 'lifetime of the symbol and account locks of a crashed worker', '10000')
    .action(async (opts: WorkerOpts) => {
      await runWorker(opts);
    });
}

async function runWorker(opts: WorkerOpts): Promise<void> {
  loadDotEnv();
  // The same protocol and limits as serve: the desk's saved settings (PUT /api/settings) included.
  const { config } = applyDeskSettings(loadConfig());
  const log = createLogger({ level: config.LOG_LEVEL, dir: config.LOG_DIR || undefined }).child({ role: 'worker', pid: process.pid });
  if (!config.REDIS_URL)
    throw new ConclaveError('CONFIG_INVALID', 'conclave worker: REDIS_URL is not set; expected redis://host:6379', { field: 'REDIS_URL' });
  if (config.database.kind !== 'postgres')
    log.warn('worker on SQLite: only workers on this machine can share the store; use DATABASE_URL=postgres://... across machines');
  const lockTtlMs = positive(opts.lockTtlMs, '--lock-ttl-ms');
  const jobLockMs = positive(opts.jobLockMs, '--job-lock-ms');
  const dist = connectDistributed(config.REDIS_URL, {
    prefix: opts.prefix,
    lock: { ttlMs: lockTtlMs },
    log,
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
  });
  await ensureRedisReachable(dist, config.REDIS_URL, config.REDIS_CONNECT_TIMEOUT_MS);
  const specs = opts.replay ?? (config.MARKET_SOURCE.startsWith('replay:') ? [config.MARKET_SOURCE.slice('replay:'.length)] : undefined);
  const replay = specs ? asOfReplay(specs) : undefined;
  const clock: Clock = replay ? new AsOfClock(replay.asOf, new LiveClock()) : new LiveClock();
  const runtime = await createRuntime(config, log, {
    clock,
    source: replay?.source as MarketDataSource | undefined,
    bookLock: dist.bookLock,
    queueHealth: dist.health,
    metricsLabels: { role: 'worker' },
  });
  const symbols = scheduledSymbols(runtime.store.symbols, { userId: LOCAL_USER_ID, symbol: config.DEFAULT_SYMBOL });
  const scheduler = dist.scheduler({ clock, state: runtime.store.agents, symbols });
  runtime.metrics.setQueueProbe(() => scheduler.probe());
  const worker = createCycleWorker({
    connection: dist.workerConnection(),
    naming: { prefix: dist.prefix },
    redis: dist.redis,
    engine: runtime.engine,
    scheduler,
    lock: dist.cycleLock,
    clock,
    log,
    hooks: runtime.metrics.schedulerHooks(),
    concurrency: positive(opts.concurrency, '--concurrency'),
    asOf: replay?.asOf,
    lockDurationMs: jobLockMs,
    stalledIntervalMs: jobLockMs,
  });
  let server: Server | undefined;
  if (opts.metricsPort !== undefined) {
    const port = Number(opts.metricsPort);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new ConclaveError('VALIDATION_ERROR', `--metrics-port: expected 0..65535, got "${opts.metricsPort}"`);
    ({ server } = await startMetricsServer({ host: opts.metricsHost, port, token: config.METRICS_TOKEN, metrics: runtime.metrics }));
  }
  await worker.waitUntilReady();
  log.info({ prefix: dist.prefix, concurrency: opts.concurrency, source: runtime.source.venue, replay: Boolean(replay) }, 'worker ready');

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'worker shutting down: finishing running jobs');
    await worker.close();
    server?.close();
    await dist.close();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

function positive(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new ConclaveError('VALIDATION_ERROR', `${name}: expected a positive integer, got "${value}"`, { field: name });
  return n;
}
