import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { Interval } from '../../domain/candle.js';
import { ConclaveError } from '../../domain/errors.js';
import { type CandleColumns, parseKlineFileName, readCandleColumns } from '../../market/csv-candles.js';
import type { ReplaySeries } from '../../market/replay-source.js';
import type { ComponentHealth } from '../../telemetry/health.js';
import type { Logger } from '../../telemetry/logger.js';
import type { BookLock } from '../book-keeper.js';
import type { Clock } from '../clock.js';
import type { ScheduleStateStore } from '../scheduler.js';

export { scheduledSymbols } from '../scheduler.js';

import { AsOf, AsOfReplaySource } from './as-of.js';
import { DistributedScheduler, keys } from './cycle-queue.js';
import { isCommandTimeout, redisProblem } from './redis-errors.js';
import { RedisLock, type RedisLockOptions } from './redis-lock.js';

export const DEFAULT_QUEUE_PREFIX = 'conclave';

/** The Redis side of distributed mode for one process: connections, locks, naming. */
export interface Distributed {
  /**
   * Conclave's own commands (stats, claims, locks) and the producer side of the queue (job schedulers, fan-out,
   * counts): every command answers or fails within the command deadline, and fails at once while disconnected.
   */
  readonly redis: Redis;
  readonly prefix: string;
  /** Command deadline of `redis`, ms (REDIS_COMMAND_TIMEOUT_MS). */
  readonly commandTimeoutMs: number;
  /** Per-(user, symbol) cycle lock. */
  readonly cycleLock: RedisLock;
  /** Cross-process account lock for RuntimeOptions.bookLock. @throws ConclaveError QUEUE_UNAVAILABLE when Redis fails. */
  readonly bookLock: BookLock;
  /**
   * The connection for BullMQ workers (opened on first call): their blocking reads wait longer than any command
   * deadline, so it has none and retries forever, as BullMQ requires.
   */
  workerConnection(): Redis;
  /** The scheduler over this connection (serve: MonitoringControl; worker: fan-out of tick jobs). */
  scheduler(deps: {
    clock: Clock;
    state: ScheduleStateStore;
    symbols: (userId: number) => Promise<readonly string[]>;
    closeDelayMs?: number;
  }): DistributedScheduler;
  /** The `queue` component of /health: a PING within the command deadline. */
  health(): Promise<ComponentHealth>;
  close(): Promise<void>;
}

export interface DistributedOptions {
  readonly prefix?: string;
  readonly lock?: RedisLockOptions;
  readonly log?: Logger;
  /** Deadline of every command on `redis`, ms (default 2000). */
  readonly commandTimeoutMs?: number;
}

export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 2_000;

/**
 * Connects to REDIS_URL. Two kinds of connection, because BullMQ's needs differ by role (its docs: workers need
 * `maxRetriesPerRequest: null`, producers should fail fast): `redis` gives every command a deadline
 * (`commandTimeout`), no retries and no offline queue, so a request that needs Redis answers 503
 * QUEUE_UNAVAILABLE within the deadline instead of waiting for a Redis that may never come back, and a command
 * given up on is never sent later (a late SET NX would hold a lock nobody owns). A heartbeat drops a connection
 * whose PING times out, so a half-open socket (Redis host gone without a FIN) is replaced instead of timing out
 * every command until the kernel notices; ioredis reconnects on its own, so everything recovers without a restart.
 * @throws ConclaveError CONFIG_INVALID when the URL is empty.
 */
export function connectDistributed(url: string, options: DistributedOptions = {}): Distributed {
  if (!url)
    throw new ConclaveError('CONFIG_INVALID', 'distributed mode: REDIS_URL is empty; expected redis://host:6379', { field: 'REDIS_URL' });
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
  const log = options.log;
  const redis = new Redis(url, {
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    connectTimeout: Math.max(commandTimeoutMs, 1_000),
    lazyConnect: false,
  });
  let down = false;
  redis.on('error', (error) => {
    if (!down) log?.warn({ err: error.message }, 'redis connection error');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log?.info('redis connection back');
    down = false;
  });
  let worker: Redis | undefined;
  const workerConnection = (): Redis => {
    if (!worker) {
      worker = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
      worker.on('error', () => {});
    }
    return worker;
  };
  const prefix = options.prefix ?? DEFAULT_QUEUE_PREFIX;
  const cycleLock = new RedisLock(redis, options.lock);
  const bookLocks = new RedisLock(redis, options.lock);
  const schedulers: DistributedScheduler[] = [];
  const heartbeat = setInterval(
    () => {
      if (redis.status !== 'ready') return;
      redis.ping().catch((error: unknown) => {
        if (redis.status === 'ready' && isCommandTimeout(error)) {
          log?.warn({ timeout_ms: commandTimeoutMs }, 'redis did not answer a PING in time: reconnecting');
          redis.disconnect(true);
        }
      });
    },
    Math.max(commandTimeoutMs, 1_000),
  );
  heartbeat.unref();
  return {
    redis,
    prefix,
    commandTimeoutMs,
    cycleLock,
    bookLock: async (userId) => (await bookLocks.acquire(keys.bookLock(prefix, userId))).release,
    workerConnection,
    scheduler: (deps) => {
      // A BullMQ call is a command or two, plus waiting for the connection: twice the command deadline bounds it.
      const s = new DistributedScheduler({
        ...deps,
        redis,
        connection: redis,
        naming: { prefix },
        operationTimeoutMs: 2 * commandTimeoutMs,
      });
      schedulers.push(s);
      return s;
    },
    health: async () => {
      const started = performance.now();
      try {
        await redis.ping();
        return { status: 'ok', details: { latency_ms: Math.round((performance.now() - started) * 10) / 10 } };
      } catch (error) {
        return { status: 'down', details: { error: redisProblem(error), timeout_ms: commandTimeoutMs } };
      }
    },
    close: async () => {
      clearInterval(heartbeat);
      for (const s of schedulers) await s.close().catch(() => {});
      for (const c of [redis, worker]) await c?.quit().catch(() => c.disconnect());
    },
  };
}

/** The URL without its password, for messages an operator reads. */
function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * Start-up check: ioredis reconnects forever by design, so without this a process configured for
 * Redis that cannot reach it would neither become ready nor exit.
 * @throws ConclaveError QUEUE_UNAVAILABLE when Redis does not answer a PING within `timeoutMs` (the connection is closed).
 */
export async function ensureRedisReachable(dist: Pick<Distributed, 'redis'>, url: string, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    // Without an offline queue a PING before the connection is up would fail at once: wait for it first.
    await Promise.race([ready(dist.redis), deadline]);
    const ping = dist.redis.ping();
    // Past the deadline nobody awaits the PING any more; its late rejection must not crash the process.
    ping.catch(() => {});
    await Promise.race([ping, deadline]);
  } catch (error) {
    // Stop ioredis's endless reconnects so the process can exit with the message below.
    dist.redis.disconnect();
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConclaveError(
      'QUEUE_UNAVAILABLE',
      `REDIS_URL=${redactedUrl(url)} is unreachable (${reason}); start Redis, or unset REDIS_URL to run cycles in this process`,
      { timeout_ms: timeoutMs },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once the connection is ready (ioredis keeps reconnecting in between). */
function ready(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => redis.once('ready', () => resolve()));
}

/**
 * A replay for workers over several kline CSVs, each seen as of the job's candle. A spec is a path named
 * `SYMBOL_INTERVAL.csv[.gz]` or `ALIAS=path` (the alias becomes the symbol; the interval still comes from the
 * file name), so one recording can stand for a second market in tests.
 * @throws ConclaveError VALIDATION_ERROR when a file name says no interval or the file cannot be read.
 */
export function asOfReplay(specs: readonly string[]): { source: AsOfReplaySource; asOf: AsOf } {
  const series: ReplaySeries[] = specs.map((spec) => {
    const eq = spec.indexOf('=');
    const alias = eq > 0 ? spec.slice(0, eq).toUpperCase() : undefined;
    const path = eq > 0 ? spec.slice(eq + 1) : spec;
    const named = parseKlineFileName(path);
    if (!named) {
      throw new ConclaveError('VALIDATION_ERROR', `replay ${path}: expected a file named SYMBOL_INTERVAL.csv (BTCUSDT_1h.csv)`, {
        source: path,
      });
    }
    const candles: CandleColumns = readCandleColumns(path);
    return { symbol: alias ?? named.symbol, interval: named.interval as Interval, candles };
  });
  const asOf = new AsOf();
  return { source: new AsOfReplaySource({ series }, asOf), asOf };
}
