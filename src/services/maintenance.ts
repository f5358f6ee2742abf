import type { Clock } from '../engine/clock.js';
import type { CompactionResult, Store } from '../store/index.js';

const DAY_MS = 86_400_000;

export interface MaintenanceDeps {
  readonly store: Pick<Store, 'compact' | 'vacuum' | 'sizeBytes'>;
  readonly clock: Clock;
  /** Detail older than this many days is compacted; 0 keeps everything (VACUUM still runs). */
  readonly retentionDays: number;
}

/** One maintenance run: what was compacted and the database size around it. */
export interface MaintenanceReport {
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  /** Null when RETENTION_DAYS is 0. */
  readonly compaction: CompactionResult | null;
  readonly durationMs: number;
}

/**
 * The seed's vacuum_and_rotate: compacts cycle detail older than the retention window (messages, snapshot
 * features; outcomes stay), then VACUUMs so the file gives the space back. `conclave db vacuum` runs it once;
 * `conclave serve` every MAINTENANCE_INTERVAL_H hours.
 */
export async function runMaintenance(deps: MaintenanceDeps): Promise<MaintenanceReport> {
  const started = deps.clock.now();
  const bytesBefore = await deps.store.sizeBytes();
  const compaction = deps.retentionDays > 0 ? await deps.store.compact(started - deps.retentionDays * DAY_MS) : null;
  await deps.store.vacuum();
  const bytesAfter = await deps.store.sizeBytes();
  return { bytesBefore, bytesAfter, compaction, durationMs: deps.clock.now() - started };
}

export interface MaintenanceSchedule {
  /** Stops the timer and waits for a run in progress. */
  close(): Promise<void>;
}

/**
 * Runs maintenance `firstDelayMs` after start (so a server restarted daily still compacts) and then every
 * `intervalMs`. A run that fails is reported and the schedule goes on; runs never overlap.
 */
export function scheduleMaintenance(
  deps: MaintenanceDeps,
  opts: {
    readonly intervalMs: number;
    readonly firstDelayMs: number;
    readonly onRun: (report: MaintenanceReport) => void;
    readonly onError: (error: Error) => void;
  },
): MaintenanceSchedule {
  let running: Promise<void> | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  const run = () => {
    if (closed || running) return;
    running = runMaintenance(deps)
      .then(opts.onRun, (error: unknown) => opts.onError(error instanceof Error ? error : new Error(String(error))))
      .finally(() => {
        running = null;
        if (!closed) arm(opts.intervalMs);
      });
  };
  const arm = (ms: number) => {
    timer = setTimeout(run, ms);
    // Maintenance alone must not keep a stopping process alive.
    timer.unref();
  };
  arm(opts.firstDelayMs);
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
