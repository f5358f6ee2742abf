import { Redis } from 'ioredis';
import type { Interval } from '../../domain/candle.js';
import { ConclaveError } from '../../domain/errors.js';
import { type CandleColumns, parseKlineFileName, readCandleColumns } from '../../market/csv-candles.js';
import type { ReplaySeries } from '../../market/replay-source.js';
import type { Logger } from '../../telemetry/logger.js';
import type { BookLock } from '../book-keeper.js';
import type { Clock } from '../clock.js';
import type { ScheduleStateStore } from '../scheduler.js';

export { scheduledSymbols } from '../scheduler.js';

import { AsOf, AsOfReplaySource } from './as-of.js';
import { DistributedScheduler, keys } from './cycle-queue.js';
import { RedisLock, type RedisLockOptions } from './redis-lock.js';

export const DEFAULT_QUEUE_PREFIX = 'conclave';

/** The Redis side of distributed mode for one process: connection, locks, naming. */
export interface Distributed {
  readonly redis: Redis;
  readonly prefix: string;
  /** Per-(user, symbol) cycle lock. */
  readonly cycleLock: RedisLock;
  /** Cross-process account lock for RuntimeOptions.bookLock. */
  readonly bookLock: BookLock;
  /** The scheduler over this connection (serve: MonitoringControl; worker: fan-out of tick jobs). */
  scheduler(deps: {
    clock: Clock;
    state: ScheduleStateStore;
    symbols: (userId: number) => Promise<readonly string[]>;
    closeDelayMs?: number;
  }): DistributedScheduler;
  close(): Promise<void>;
}

/**
 * Connects to REDIS_URL. BullMQ needs `maxRetriesPerRequest: null` (its blocking reads must not time out);
 * the same options serve Conclave's own keys.
 * @throws ConclaveError CONFIG_INVALID when the URL is empty.
 */
export function connectDistributed(url: string, options: { prefix?: string; lock?: RedisLockOptions; log?: Logger } = {}): Distributed {
  if (!url)
    throw new ConclaveError('CONFIG_INVALID', 'distributed mode: REDIS_URL is empty; expected redis://host:6379', { field: 'REDIS_URL' });
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
  redis.on('error', (error) => options.log?.warn({ err: error.message }, 'redis connection error'));
  const prefix = options.prefix ?? DEFAULT_QUEUE_PREFIX;
  const cycleLock = new RedisLock(redis, options.lock);
  const bookLocks = new RedisLock(redis, options.lock);
  const schedulers: DistributedScheduler[] = [];
  return {
    redis,
    prefix,
    cycleLock,
    bookLock: async (userId) => (await bookLocks.acquire(keys.bookLock(prefix, userId))).release,
    scheduler: (deps) => {
      const s = new DistributedScheduler({ ...deps, redis, connection: redis, naming: { prefix } });
      schedulers.push(s);
      return s;
    },
    close: async () => {
      for (const s of schedulers) await s.close().catch(() => {});
      await redis.quit().catch(() => redis.disconnect());
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
 * Start-up check: ioredis retries forever by design (BullMQ needs it), so without this a process configured for
 * Redis that cannot reach it would neither become ready nor exit.
 * @throws ConclaveError QUEUE_UNAVAILABLE when Redis does not answer a PING within `timeoutMs` (the connection is closed).
 */
export async function ensureRedisReachable(dist: Pick<Distributed, 'redis'>, url: string, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([dist.redis.ping(), deadline]);
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
