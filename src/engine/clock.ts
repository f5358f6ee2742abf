import type { Clock } from '../domain/clock.js';

/** The port lives in domain/ (agents and risk read it); the clocks that implement it live here. */
export type { Clock } from '../domain/clock.js';

export class LiveClock implements Clock {
  now(): number {
    return Date.now();
  }
}

/** A clock that moves only when told to: backtests and tests set it to each candle's close. */
export class SimClock implements Clock {
  private current: number;

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  set(time: number): void {
    if (time < this.current) throw new Error(`SimClock cannot go backwards: ${time} < ${this.current}`);
    this.current = time;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
