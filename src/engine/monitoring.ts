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
  start(userId: number, interval: Interval): Promise<MonitoringStatus>;
  stop(userId: number): Promise<MonitoringStatus>;
  status(userId: number): Promise<MonitoringStatus>;
}
