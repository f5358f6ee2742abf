import { AsyncLocalStorage } from 'node:async_hooks';
import { ReplaySource, type ReplaySourceOptions } from '../../market/replay-source.js';
import type { Clock } from '../clock.js';

/**
 * "Now" for the work running inside `run(time, fn)`. A worker process takes cycle jobs for many candles at
 * once; each job sees the market and the clock as of its own candle, not as of a cursor shared by the process
 * (or by other machines), so every worker gives a job the same answer.
 */
export class AsOf {
  private readonly storage = new AsyncLocalStorage<number>();

  run<T>(time: number, fn: () => Promise<T>): Promise<T> {
    return this.storage.run(time, fn);
  }

  /** The time of the enclosing run(), or undefined outside one. */
  get(): number | undefined {
    return this.storage.getStore();
  }
}

/** The job's time inside AsOf.run, else the fallback clock's. */
export class AsOfClock implements Clock {
  constructor(
    private readonly asOf: AsOf,
    private readonly fallback: Clock,
  ) {}

  now(): number {
    return this.asOf.get() ?? this.fallback.now();
  }
}

/**
 * A replay whose visible "now" is the job's time (AsOf), so a job for candle T sees exactly the candles closed
 * by T whichever worker runs it and in whatever order. Outside a job it behaves as a plain ReplaySource.
 */
export class AsOfReplaySource extends ReplaySource {
  constructor(
    options: ReplaySourceOptions,
    private readonly asOf: AsOf,
  ) {
    super(options);
  }

  override now(): number {
    return this.asOf.get() ?? super.now();
  }
}
