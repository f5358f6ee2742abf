import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimClock } from '../../../src/engine/clock.js';
import { runMaintenance } from '../../../src/services/maintenance.js';
import { FIRST_MAINTENANCE_DELAY_MS, startMaintenance } from '../../../src/services/maintenance-schedule.js';
import type { CompactionResult } from '../../../src/store/index.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

function fakeStore(opts: { failFirst?: boolean } = {}) {
  const calls: string[] = [];
  let size = 1_000;
  let fail = opts.failFirst ?? false;
  return {
    calls,
    store: {
      async compact(before: number): Promise<CompactionResult> {
        calls.push(`compact ${before}`);
        if (fail) {
          fail = false;
          throw new Error('disk full');
        }
        return { before, cycles: 2, messagesDeleted: 10, snapshotsCompacted: 2 };
      },
      async vacuum() {
        calls.push('vacuum');
        size = 600;
      },
      async sizeBytes() {
        return size;
      },
    },
  };
}

describe('runMaintenance', () => {
  it('compacts before now - RETENTION_DAYS, then vacuums, and reports the sizes around it', async () => {
    const clock = new SimClock(100 * DAY);
    const { store, calls } = fakeStore();
    const report = await runMaintenance({ store, clock, retentionDays: 30 });
    expect(calls).toEqual([`compact ${70 * DAY}`, 'vacuum']);
    expect(report).toEqual({
      bytesBefore: 1_000,
      bytesAfter: 600,
      compaction: { before: 70 * DAY, cycles: 2, messagesDeleted: 10, snapshotsCompacted: 2 },
      durationMs: 0,
    });
  });

  it('RETENTION_DAYS=0 keeps every row and only vacuums', async () => {
    const { store, calls } = fakeStore();
    const report = await runMaintenance({ store, clock: new SimClock(DAY), retentionDays: 0 });
    expect(calls).toEqual(['vacuum']);
    expect(report.compaction).toBeNull();
  });
});

describe('serve maintenance schedule', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const log = () => {
    const lines: string[] = [];
    return { lines, info: (_o: unknown, m: string) => lines.push(`info ${m}`), warn: (_o: unknown, m: string) => lines.push(`warn ${m}`) };
  };

  it('runs 10 minutes after start and then every MAINTENANCE_INTERVAL_H; a failed run does not stop it', async () => {
    const { store, calls } = fakeStore({ failFirst: true });
    const logger = log();
    const schedule = startMaintenance({
      config: { MAINTENANCE_INTERVAL_H: 6, RETENTION_DAYS: 7 },
      store,
      clock: new SimClock(50 * DAY),
      log: logger as never,
    });
    await vi.advanceTimersByTimeAsync(FIRST_MAINTENANCE_DELAY_MS - 1);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([`compact ${43 * DAY}`]);
    expect(logger.lines).toEqual(['warn maintenance failed; retrying at the next interval']);
    await vi.advanceTimersByTimeAsync(6 * HOUR);
    expect(calls).toEqual([`compact ${43 * DAY}`, `compact ${43 * DAY}`, 'vacuum']);
    expect(logger.lines[1]).toBe('info maintenance: database compacted and vacuumed');
    await schedule.close();
    await vi.advanceTimersByTimeAsync(24 * HOUR);
    expect(calls).toHaveLength(3);
  });

  it('MAINTENANCE_INTERVAL_H=0 schedules nothing', async () => {
    const { store, calls } = fakeStore();
    const schedule = startMaintenance({
      config: { MAINTENANCE_INTERVAL_H: 0, RETENTION_DAYS: 7 },
      store,
      clock: new SimClock(0),
      log: log() as never,
    });
    await vi.advanceTimersByTimeAsync(30 * 24 * HOUR);
    expect(calls).toEqual([]);
    await schedule.close();
  });
});
