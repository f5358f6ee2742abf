import type { Interval } from '../domain/candle.js';

/** Continuous monitoring of one user's symbols as the API and the dashboard see it. */
export interface MonitoringStatus {
  readonly userId: number;
  readonly running: boolean;
  readonly interval: Interval;
  readonly symbols: readonly string[];
  readonly startedAt: number | null;
  readonly lastCycleAt: number | null;
  readonly cyclesRun: number;
  readonly missedTicks: number;
  readonly errors: number;
  readonly lastError: string | null;
}

/**
 * Starts and stops continuous trading of a user's active symbols on a schedule aligned to candle closes.
 * Implemented by the embedded scheduler (one process) and by the BullMQ scheduler (REDIS_URL). The state is
 * persisted (agent_state) so a restart resumes the same schedule.
 */
export interface MonitoringControl {
  /**
   * `chosen`: the user named the interval (API, dashboard). A schedule started without one follows
   * KLINE_INTERVAL: when the setting changes, the next start re-times it.
   */
  start(userId: number, interval: Interval, options?: { readonly chosen?: boolean }): Promise<MonitoringStatus>;
  stop(userId: number): Promise<MonitoringStatus>;
  status(userId: number): Promise<MonitoringStatus>;
}
