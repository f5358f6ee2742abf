import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ConclaveError } from '../../domain/errors.js';
import { redisProblem } from './redis-errors.js';

export interface RedisLockOptions {
  /** Lock lifetime without renewal, ms: how long a crashed holder blocks others (default 10,000). */
  readonly ttlMs?: number;
  /** How long acquire waits before giving up, ms (default 60,000). */
  readonly waitMs?: number;
  /** Poll step while waiting, ms (default 25). */
  readonly retryMs?: number;
}

/** Deletes the key only if it still holds our token: a lock that expired and was re-taken is not ours to free. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/** Extends the lease only while we still own it. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/** A held lock; `release` is idempotent and never throws. */
export interface HeldLock {
  readonly key: string;
  release(): Promise<void>;
}

/**
 * A mutex across processes and machines on one Redis: SET NX PX with a random token, renewed at a third of its
 * TTL while held, released by compare-and-delete. A holder that dies stops renewing, so its lock frees itself
 * after `ttlMs` (and the work it did is protected by the cycle's idempotency key, not by the lock).
 */
export class RedisLock {
  private readonly ttlMs: number;
  private readonly waitMs: number;
  private readonly retryMs: number;

  constructor(
    private readonly redis: Redis,
    options: RedisLockOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.waitMs = options.waitMs ?? 60_000;
    this.retryMs = options.retryMs ?? 25;
  }

  /**
   * Waits until the lock is ours.
   * @throws ConclaveError CONFLICT when it stays held by someone else for `waitMs`; QUEUE_UNAVAILABLE when Redis fails or misses its command deadline.
   */
  async acquire(key: string): Promise<HeldLock> {
    const token = randomUUID();
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      let ok: string | null;
      try {
        ok = await this.redis.set(key, token, 'PX', this.ttlMs, 'NX');
      } catch (error) {
        // Nothing has run under the lock yet, so failing here leaves nothing half-written.
        throw new ConclaveError('QUEUE_UNAVAILABLE', `lock ${key}: Redis failed: ${redisProblem(error)}`, { lock: key }, { cause: error });
      }
      if (ok === 'OK') return this.held(key, token);
      if (Date.now() >= deadline) {
        throw new ConclaveError('CONFLICT', `lock ${key}: still held by another process after ${this.waitMs} ms`, { lock: key });
      }
      await new Promise((resolve) => setTimeout(resolve, this.retryMs));
    }
  }

  /** Runs `fn` holding the lock. @throws as acquire, and whatever fn throws. */
  async with<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lock = await this.acquire(key);
    try {
      return await fn();
    } finally {
      await lock.release();
    }
  }

  private held(key: string, token: string): HeldLock {
    const renew = setInterval(
      () => {
        this.redis.eval(RENEW, 1, key, token, String(this.ttlMs)).catch(() => {});
      },
      Math.max(10, Math.floor(this.ttlMs / 3)),
    );
    renew.unref();
    let released = false;
    return {
      key,
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(renew);
        await this.redis.eval(RELEASE, 1, key, token).catch(() => {});
      },
    };
  }
}
