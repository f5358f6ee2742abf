import { type ConnectionOptions, type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { INTERVALS, type Interval, intervalMs, isInterval } from '../../domain/candle.js';
import type { Clock } from '../clock.js';
import type { MonitoringControl, MonitoringStatus } from '../monitoring.js';
import { closeBoundary, cycleKey, DEFAULT_CLOSE_DELAY_MS, SCHEDULE_AGENT, type ScheduleStateStore } from '../scheduler.js';
import { redisCall } from './redis-errors.js';

export const CYCLE_QUEUE = 'cycles';

/** A tick job (from a job scheduler per interval): fan out one cycle job per running user's symbol. */
export interface TickJobData {
  readonly kind: 'tick';
  readonly interval: Interval;
}

/** One cycle of one symbol for the candle that closed at `boundary` (epoch ms). */
export interface CycleJobData {
  readonly kind: 'cycle';
  readonly userId: number;
  readonly symbol: string;
  readonly interval: Interval;
  readonly boundary: number;
  /** Idempotency key of the cycle (user, symbol, interval, candle open time). */
  readonly key: string;
}

export type ConclaveJobData = TickJobData | CycleJobData;

export interface QueueNaming {
  /** BullMQ key prefix in Redis (default `conclave`); tests use a unique one. */
  readonly prefix: string;
}

/** Redis keys Conclave keeps beside BullMQ's (stats, locks), under the same prefix. */
export const keys = {
  stats: (p: string, userId: number) => `${p}:stats:u${userId}`,
  symbolLock: (p: string, userId: number, symbol: string) => `${p}:lock:cycle:u${userId}:${symbol}`,
  bookLock: (p: string, userId: number) => `${p}:lock:book:u${userId}`,
};

/** BullMQ forbids ':' in custom job ids; the key's parts stay readable with '|'. */
export function cycleJobId(key: string): string {
  return key.replaceAll(':', '|');
}

/** Job scheduler ids may not contain ':' either (they become part of `repeat:<id>:<millis>` job ids). */
export function tickSchedulerId(interval: Interval): string {
  return `tick-${interval}`;
}

/** A crashed worker's job is retried once; a failed one too (venue blip), after a short backoff. */
export const CYCLE_JOB_OPTIONS: JobsOptions = {
  attempts: 2,
  backoff: { type: 'fixed', delay: 1_000 },
  removeOnComplete: { age: 86_400, count: 50_000 },
  removeOnFail: { age: 7 * 86_400 },
};

/**
 * Claims (user, boundary) once across all processes and returns the previous boundary (-1 when none), or -2
 * when the boundary was already claimed: two tick jobs for one close (two `serve` processes) fan out once.
 */
const CLAIM = `
local prev = tonumber(redis.call('hget', KEYS[1], 'lastBoundary') or '-1')
local b = tonumber(ARGV[1])
if prev >= b then return -2 end
redis.call('hset', KEYS[1], 'lastBoundary', ARGV[1])
return prev`;

export interface DistributedSchedulerDeps {
  readonly clock: Clock;
  /** Conclave's own keys (stats, claims), with a command deadline (Distributed.redis). */
  readonly redis: Redis;
  /** The producer connection for BullMQ's Queue (no blocking reads, so the command deadline suits it). */
  readonly connection: ConnectionOptions;
  readonly naming: QueueNaming;
  readonly state: ScheduleStateStore;
  /** The user's symbols to trade now (active ones). */
  readonly symbols: (userId: number) => Promise<readonly string[]>;
  /** Wait after each candle close before the tick, ms (default 2000). */
  readonly closeDelayMs?: number;
  /** Longest one Redis operation (a command, a BullMQ call) may take before QUEUE_UNAVAILABLE, ms; default unbounded. */
  readonly operationTimeoutMs?: number;
}

/**
 * Distributed scheduling (REDIS_URL): one BullMQ job scheduler per interval in use emits a tick job a little
 * after every candle close; whichever worker takes it fans out one cycle job per running user's symbol, with
 * the cycle's idempotency key as job id (a second fan-out of the same close adds nothing). `conclave worker`
 * processes on any machine run the cycle jobs. Schedules live in agent_state (shared PostgreSQL), counters in
 * Redis, so any `serve` answers status for every user.
 */
export class DistributedScheduler implements MonitoringControl {
  readonly queue: Queue<ConclaveJobData>;
  private readonly delayMs: number;

  constructor(private readonly deps: DistributedSchedulerDeps) {
    // No version check: it is one more INFO at creation, and a Queue whose creation-time command failed (Redis slow
    // for a moment) stays broken for good and rejects unhandled from its job-scheduler getter. Workers still check.
    this.queue = new Queue<ConclaveJobData>(CYCLE_QUEUE, {
      connection: deps.connection,
      prefix: deps.naming.prefix,
      skipVersionCheck: true,
    });
    // Connection errors reach the log once through the wiring's listener; each call fails on its own deadline.
    this.queue.on('error', () => {});
    this.delayMs = deps.closeDelayMs ?? DEFAULT_CLOSE_DELAY_MS;
  }

  /** Re-creates the job schedulers of every interval some user runs (start-up of `serve`); returns them. */
  async resume(): Promise<Interval[]> {
    const intervals = new Set<Interval>();
    for (const row of await this.deps.state.all()) {
      const interval = row.config.interval;
      if (row.name === SCHEDULE_AGENT && row.status === 'running' && typeof interval === 'string' && isInterval(interval))
        intervals.add(interval);
    }
    for (const interval of intervals) await this.ensureTicker(interval);
    return [...intervals];
  }

  async start(userId: number, interval: Interval): Promise<MonitoringStatus> {
    const row = await this.deps.state.get(userId, SCHEDULE_AGENT);
    const same = row?.status === 'running' && row.config.interval === interval;
    const startedAt = same && typeof row?.config.startedAt === 'number' ? row.config.startedAt : this.deps.clock.now();
    // The ticker first: with Redis down the request fails before the schedule is stored as running.
    await this.ensureTicker(interval);
    await this.deps.state.put({
      userId,
      name: SCHEDULE_AGENT,
      status: 'running',
      config: { ...(row?.config ?? {}), interval, startedAt },
      lastRunAt: row?.lastRunAt ?? null,
      lastError: row?.lastError ?? null,
      updatedAt: this.deps.clock.now(),
    });
    return this.status(userId);
  }

  async stop(userId: number): Promise<MonitoringStatus> {
    const row = await this.deps.state.get(userId, SCHEDULE_AGENT);
    if (row && row.status === 'running') {
      // Stored as stopped only while Redis answers, so the ticker can go too (not a stopped row beside a live ticker).
      await this.redisOp('reach the queue', () => this.deps.redis.ping());
      await this.deps.state.put({ ...row, status: 'stopped', updatedAt: this.deps.clock.now() });
      const interval = row.config.interval;
      if (typeof interval === 'string' && isInterval(interval) && !(await this.intervalInUse(interval))) {
        await this.redisOp('stop the tick scheduler', () => this.queue.removeJobScheduler(tickSchedulerId(interval)));
      }
    }
    return this.status(userId);
  }

  async status(userId: number): Promise<MonitoringStatus> {
    const row = await this.deps.state.get(userId, SCHEDULE_AGENT);
    const stats = await this.redisOp('read the schedule counters', () =>
      this.deps.redis.hgetall(keys.stats(this.deps.naming.prefix, userId)),
    );
    const num = (v: string | undefined): number => (v === undefined ? 0 : Number(v));
    const interval = row && typeof row.config.interval === 'string' && isInterval(row.config.interval) ? row.config.interval : INTERVALS[0];
    return {
      userId,
      running: row?.status === 'running',
      interval,
      symbols: stats.symbols ? (JSON.parse(stats.symbols) as string[]) : [],
      startedAt: typeof row?.config.startedAt === 'number' ? row.config.startedAt : null,
      lastCycleAt: stats.lastCycleAt ? Number(stats.lastCycleAt) : null,
      cyclesRun: num(stats.cyclesRun),
      missedTicks: num(stats.missedTicks),
      errors: num(stats.errors),
      lastError: stats.lastError ?? null,
    };
  }

  /**
   * Adds the cycle jobs of the candle that closed at the newest `interval` boundary before `now` (minus the
   * close delay) for every user running at that interval; ticks a user skipped count as missed. Returns the
   * jobs added. The tick job handler calls this; tests call it directly with replay times.
   */
  async fanOut(interval: Interval, now: number): Promise<CycleJobData[]> {
    const boundary = closeBoundary(now, interval, this.delayMs);
    const ms = intervalMs(interval);
    const jobs: CycleJobData[] = [];
    for (const row of await this.deps.state.all()) {
      if (row.name !== SCHEDULE_AGENT || row.status !== 'running' || row.config.interval !== interval) continue;
      const statsKey = keys.stats(this.deps.naming.prefix, row.userId);
      const previous = Number(
        await this.redisOp('claim the candle close', () => this.deps.redis.eval(CLAIM, 1, statsKey, String(boundary))),
      );
      if (previous === -2) continue;
      if (previous >= 0 && boundary - previous > ms) {
        await this.redisOp('count missed ticks', () =>
          this.deps.redis.hincrby(statsKey, 'missedTicks', Math.round((boundary - previous) / ms) - 1),
        );
      }
      const symbols = await this.deps.symbols(row.userId);
      await this.redisOp('record the scheduled symbols', () => this.deps.redis.hset(statsKey, 'symbols', JSON.stringify(symbols)));
      for (const symbol of symbols) {
        jobs.push({
          kind: 'cycle',
          userId: row.userId,
          symbol,
          interval,
          boundary,
          key: cycleKey(row.userId, symbol, interval, boundary - ms),
        });
      }
    }
    if (jobs.length > 0) {
      await this.redisOp('enqueue cycle jobs', () =>
        this.queue.addBulk(jobs.map((data) => ({ name: 'cycle', data, opts: { ...CYCLE_JOB_OPTIONS, jobId: cycleJobId(data.key) } }))),
      );
    }
    return jobs;
  }

  /** Job counts by state and connected workers, for the metrics probe. */
  async probe(): Promise<{ depth: Record<string, number>; workers: number }> {
    const [depth, workers] = await this.redisOp('read the queue depth', () =>
      Promise.all([this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized'), this.queue.getWorkersCount()]),
    );
    return { depth, workers };
  }

  async close(): Promise<void> {
    await this.queue.close();
  }

  /** One Redis or BullMQ operation of this scheduler, bounded as a whole by operationTimeoutMs. */
  private redisOp<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return redisCall(what, fn, this.deps.operationTimeoutMs);
  }

  private async ensureTicker(interval: Interval): Promise<void> {
    // `every` runs on multiples of the interval from the epoch, i.e. on candle closes; the offset adds the delay.
    await this.redisOp('start the tick scheduler', () =>
      this.queue.upsertJobScheduler(
        tickSchedulerId(interval),
        { every: intervalMs(interval), offset: this.delayMs },
        { name: 'tick', data: { kind: 'tick', interval }, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } },
      ),
    );
  }

  private async intervalInUse(interval: Interval): Promise<boolean> {
    return (await this.deps.state.all()).some((r) => r.name === SCHEDULE_AGENT && r.status === 'running' && r.config.interval === interval);
  }
}
