import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { MaintenanceReport } from '../../src/services/maintenance.js';
import { openStore } from '../../src/store/db.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { cycleRecord } from '../unit/store/cycle-record.fixture.js';

const run = promisify(execFile);
const DAY = 86_400_000;

/** `conclave db vacuum` in its own process, as an operator (or cron) runs it. */
function cli(args: string[], env: Record<string, string>) {
  return run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'db', 'vacuum', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    maxBuffer: 1 << 20,
  });
}

describe('conclave db vacuum', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-dbvac-'));
  const path = join(dir, 'conclave.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('compacts cycles older than RETENTION_DAYS, keeps the recent ones whole, and gives the space back', async () => {
    const store = await openStore({ kind: 'sqlite', path });
    const now = Date.now();
    // 300 cycles 40 days old with a bulky message each, 20 from the last hour.
    const oldIds: number[] = [];
    for (let i = 0; i < 320; i++) {
      const id = await store.cycles.nextCycleId();
      const old = i < 300;
      if (old) oldIds.push(id);
      const record = cycleRecord({ cycleId: id, userId: 1, time: old ? now - 40 * DAY + i : now - 3_600_000 + i, status: 'SKIPPED' });
      const bulky = { ...record.messages[0], id: `bulk-${id}`, seq: 9, payload: { symbol: 'X'.repeat(4_000) } };
      await store.cycles.saveCycle({ ...record, messages: [...record.messages, bulky] as typeof record.messages });
    }
    await store.close();

    const { stdout } = await cli(['--json'], { DATABASE_URL: path, RETENTION_DAYS: '30' });
    const report = JSON.parse(stdout) as MaintenanceReport;
    expect(report.compaction).toMatchObject({ cycles: 300, messagesDeleted: 1_200, snapshotsCompacted: 300 });
    expect(report.compaction?.before).toBeGreaterThan(now - 30 * DAY - 60_000);
    expect(report.compaction?.before).toBeLessThan(now - 30 * DAY + 600_000);
    // 300 x ~4 KB of messages went away and VACUUM returned the pages to the file system.
    expect(report.bytesBefore - report.bytesAfter).toBeGreaterThan(1_000_000);

    const after = await openStore({ kind: 'sqlite', path });
    try {
      expect(await after.cycles.messages(oldIds[0], 1)).toEqual([]);
      expect(await after.cycles.get(oldIds[0], 1)).toMatchObject({ id: oldIds[0], action: 'HOLD' });
      const recent = await after.cycles.list({ userId: 1, limit: 1 });
      expect(await after.cycles.messages(recent[0].id, 1)).toHaveLength(4);
    } finally {
      await after.close();
    }

    // Human output names what happened.
    const text = await cli([], { DATABASE_URL: path, RETENTION_DAYS: '30' });
    expect(text.stdout).toMatch(/^compacted 0 cycle\(s\) finished before \d{4}-\d\d-\d\dT.*\ndatabase [\d.]+ MB -> [\d.]+ MB/);
  }, 240_000);

  it('--retention-days 0 compacts nothing; a bad value is refused with VALIDATION_ERROR', async () => {
    const { stdout } = await cli(['--retention-days', '0'], { DATABASE_URL: path });
    expect(stdout).toMatch(/^RETENTION_DAYS=0: nothing compacted\n/);
    const refused = await cli(['--retention-days', 'soon'], { DATABASE_URL: path }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain('VALIDATION_ERROR: --retention-days: expected a whole number 0..3650, got "soon"');
  }, 180_000);
});
