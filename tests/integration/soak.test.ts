import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { SoakReport } from '../../scripts/soak.js';
import { REPO_ROOT, SHARED_DATA, sharedData } from '../helpers/shared-data.js';

const run = promisify(execFile);

/**
 * A shortened soak (300 cycles: 60 one-minute closes x 5 symbols, brain protocol) in its own process with --expose-gc, so heap
 * figures are measured after a real collection. The full 24 h run is `node --expose-gc --import tsx scripts/soak.ts`.
 */
describe('soak (shortened)', () => {
  it('runs every scheduled cycle without error, keeps the equity identity after each, and holds the heap', async () => {
    sharedData('klines', 'bybit-linear', 'BTCUSDT_1m.csv');
    const { stdout } = await run(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', 'scripts/soak.ts', '--minutes', '60', '--symbols', '5', '--json'],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, CONCLAVE_SHARED_DATA: SHARED_DATA },
        maxBuffer: 1 << 20,
      },
    );
    const report = JSON.parse(stdout.trim().split('\n').pop() as string) as SoakReport;
    expect(report.firstError).toBeNull();
    expect(report.errors).toBe(0);
    expect(report.cycles).toBe(300);
    expect(report.missedTicks).toBe(0);
    expect(report.duplicates).toBe(0);
    expect(report.identityChecks).toBe(300);
    expect(report.identityViolations).toBe(0);
    expect(report.heapMb).not.toBeNull();
    // After warm-up the collected heap wobbles by well under 1 MB; keeping each cycle's messages and candles
    // (tens of KB a cycle) would add several MB over 240 cycles.
    expect(report.heapMb?.growth ?? Number.POSITIVE_INFINITY).toBeLessThan(4);
  }, 120_000);
});
