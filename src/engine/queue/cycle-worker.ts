import { type ConnectionOptions, type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { intervalMs } from '../../domain/candle.js';
import { isConclaveError } from '../../domain/errors.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Clock } from '../clock.js';
import type { CycleRunner, SchedulerHooks } from '../scheduler.js';
import type { AsOf } from './as-of.js';
import { type ConclaveJobData, CYCLE_QUEUE, type CycleJobData, type DistributedScheduler, keys, type QueueNaming } from './cycle-queue.js';
import type { RedisLock } from './redis-lock.js';

export interface CycleWorkerOptions {
  readonly connection: ConnectionOptions;
  readonly naming: QueueNaming;
  /** Conclave's own ioredis connection (stats). */
  readonly redis: Redis;
  readonly engine: CycleRunner;
  /** Fans tick jobs out into cycle jobs. */
  readonly scheduler: Pick<DistributedScheduler, 'fanOut'>;
  /** Per-symbol lock: one cycle per (user, symbol) at a time across every worker. */
  readonly lock: RedisLock;
  readonly clock: Clock;
  readonly log: Logger;
  readonly hooks?: SchedulerHooks;
  /** Jobs this process runs at once (default 4). */
  readonly concurrency?: number;
  /**
   * With a replay, each cycle runs "as of" its candle (every worker sees the same market for a job). Live
   * sources leave this out: the cycle sees the venue's newest data.
   */
  readonly asOf?: AsOf;
  /**
   * Live mode: a job whose candle closed more than this long ago is skipped and counted as missed rather than
   * trading newer data under an old key (default: one interval). Ignored with `asOf`.
   */
  readonly maxLatenessMs?: number;
  /** How long a job may run before BullMQ treats its worker as crashed and retries it (default 30,000 ms). */
  readonly lockDurationMs?: number;
  /** How often stalled (crashed) jobs are looked for (default 30,000 ms). */
  readonly stalledIntervalMs?: number;
}

export type CycleJobResult =
  | { readonly status: 'ok'; readonly cycleId: number }
  | { readonly status: 'duplicate' | 'missed' | 'market_closed' }
  | { readonly status: 'fanout'; readonly jobs: number };

/**
 * A `conclave worker` process's consumer of the cycle queue. A cycle job takes the (user, symbol) lock, runs
 * the engine with the job's idempotency key and counts the result in Redis. A crashed worker's job comes back
 * once (BullMQ stalled-job check, `maxStalledCount: 1`); if the first run had saved, the retry meets CONFLICT
 * on the key and completes as `duplicate` without filling again.
 */
export function createCycleWorker(options: CycleWorkerOptions): Worker<ConclaveJobData, CycleJobResult> {
  const { engine, lock, clock, log, naming, redis } = options;
  const hooks = options.hooks ?? {};

  const runCycle = async (job: Job<ConclaveJobData>, data: CycleJobData): Promise<CycleJobResult> => {
    const stats = keys.stats(naming.prefix, data.userId);
    const info = { userId: data.userId, symbol: data.symbol, key: data.key };
    if (!options.asOf) {
      const lateness = clock.now() - data.boundary;
      if (lateness > (options.maxLatenessMs ?? intervalMs(data.interval))) {
        await redis.hincrby(stats, 'missedTicks', 1);
        hooks.onMissed?.(data.userId, 1);
        log.warn({ cycle_key: data.key, lateness_ms: lateness }, 'cycle job too late: counted as missed');
        return { status: 'missed' };
      }
    }
    const run = () => engine.runCycle(data.symbol, { userId: data.userId, idempotencyKey: data.key });
    try {
      const outcome = await lock.with(keys.symbolLock(naming.prefix, data.userId, data.symbol), () =>
        options.asOf ? options.asOf.run(data.boundary, run) : run(),
      );
      await redis.multi().hincrby(stats, 'cyclesRun', 1).hset(stats, 'lastCycleAt', String(clock.now())).exec();
      hooks.onCycle?.('ok', { ...info, cycleId: outcome.cycleId });
      log.info({ cycle_id: outcome.cycleId, cycle_key: data.key, job_id: job.id, attempt: job.attemptsMade + 1 }, 'cycle done');
      return { status: 'ok', cycleId: outcome.cycleId };
    } catch (error) {
      if (isConclaveError(error, 'CONFLICT') && !(error.details && 'lock' in error.details)) {
        // The key was saved by an earlier attempt (a worker that died after its commit): nothing to redo.
        hooks.onCycle?.('duplicate', { ...info, code: error.code, message: error.message });
        log.info({ cycle_key: data.key, job_id: job.id }, 'cycle already saved: duplicate job completed');
        return { status: 'duplicate' };
      }
      if (isConclaveError(error, 'MARKET_CLOSED')) {
        // A stock outside its session: nothing ran, nothing to retry until the next candle.
        hooks.onCycle?.('market_closed', { ...info, code: error.code, message: error.message });
        return { status: 'market_closed' };
      }
      const code = isConclaveError(error) ? error.code : 'INTERNAL_ERROR';
      const message = (error as Error)?.message ?? String(error);
      await redis
        .multi()
        .hincrby(stats, 'errors', 1)
        .hset(stats, 'lastError', `${code}: ${message}`)
        .exec()
        .catch(() => {});
      hooks.onCycle?.('error', { ...info, code, message });
      log.warn({ cycle_key: data.key, job_id: job.id, code, err: message }, 'cycle failed');
      throw error;
    }
  };

  const worker = new Worker<ConclaveJobData, CycleJobResult>(
    CYCLE_QUEUE,
    async (job) => {
      const data = job.data;
      if (data.kind === 'tick') {
        const jobs = await options.scheduler.fanOut(data.interval, scheduledAt(job) ?? clock.now());
        return { status: 'fanout', jobs: jobs.length };
      }
      return runCycle(job, data);
    },
    {
      connection: options.connection,
      prefix: naming.prefix,
      concurrency: options.concurrency ?? 4,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: 1,
    },
  );
  // Without a listener an error event would be unhandled; connection blips are retried by BullMQ itself.
  worker.on('error', (error) => log.error({ err: error.message }, 'queue worker error'));
  return worker;
}

/** The slot time of a job-scheduler job (`repeat:<scheduler>:<millis>`), so a late tick still fans out its own close. */
function scheduledAt(job: Job): number | undefined {
  const millis = Number(String(job.id ?? '').split(':')[2]);
  return Number.isFinite(millis) && millis > 0 ? millis : undefined;
}
