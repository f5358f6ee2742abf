import type { AppConfig } from '../config.js';
import type { Clock } from '../engine/clock.js';
import type { Store } from '../store/index.js';
import type { Logger } from '../telemetry/logger.js';
import { type MaintenanceSchedule, scheduleMaintenance } from './maintenance.js';

const HOUR_MS = 3_600_000;
/** Long enough that start-up (training, the first cycles) is over; short enough that a daily restart still compacts. */
export const FIRST_MAINTENANCE_DELAY_MS = 10 * 60_000;

/** `conclave serve`'s maintenance schedule per MAINTENANCE_INTERVAL_H (off at 0), logging each run. */
export function startMaintenance(runtime: {
  readonly config: Pick<AppConfig, 'MAINTENANCE_INTERVAL_H' | 'RETENTION_DAYS'>;
  readonly store: Pick<Store, 'compact' | 'vacuum' | 'sizeBytes'>;
  readonly clock: Clock;
  readonly log: Pick<Logger, 'info' | 'warn'>;
}): MaintenanceSchedule {
  const { config, log } = runtime;
  if (config.MAINTENANCE_INTERVAL_H === 0) return { close: async () => {} };
  return scheduleMaintenance(
    { store: runtime.store, clock: runtime.clock, retentionDays: config.RETENTION_DAYS },
    {
      intervalMs: config.MAINTENANCE_INTERVAL_H * HOUR_MS,
      firstDelayMs: FIRST_MAINTENANCE_DELAY_MS,
      onRun: (r) =>
        log.info(
          {
            bytes_before: r.bytesBefore,
            bytes_after: r.bytesAfter,
            cycles_compacted: r.compaction?.cycles ?? 0,
            messages_deleted: r.compaction?.messagesDeleted ?? 0,
            duration_ms: r.durationMs,
          },
          'maintenance: database compacted and vacuumed',
        ),
      onError: (error) => log.warn({ err: error.message }, 'maintenance failed; retrying at the next interval'),
    },
  );
}
