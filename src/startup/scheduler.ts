import { intervalMs } from '../domain/candle.js';
import { calendarFor } from '../domain/trading-calendar.js';
import { Scheduler, type SchedulerHooks, scheduledSymbols } from '../engine/scheduler.js';
import { LOCAL_USER_ID } from '../engine/trading-engine.js';
import type { Runtime } from '../runtime.js';

/**
 * The one embedded scheduler over a runtime (`npm start` without REDIS_URL, and a server built without a
 * monitoring control): the runtime's engine, clock and store, the local user's DEFAULT_SYMBOL when their list
 * is empty, and each symbol's market calendar, so a daily stock cycle runs inside the session rather than at
 * 00:00 UTC when the exchange is shut.
 */
export function embeddedScheduler(runtime: Runtime, hooks: SchedulerHooks): Scheduler {
  const { source } = runtime;
  return new Scheduler({
    clock: runtime.clock,
    engine: runtime.engine,
    symbols: scheduledSymbols(runtime.store.symbols, { userId: LOCAL_USER_ID, symbol: runtime.config.DEFAULT_SYMBOL }),
    state: runtime.store.agents,
    defaultInterval: runtime.config.KLINE_INTERVAL,
    sessionOffset: (symbol, interval) => calendarFor(source.venueFor?.(symbol) ?? source.venue).cycleOffsetMs(intervalMs(interval)),
    hooks,
  });
}
