/**
 * The 24-hour soak as a benchmark: scripts/soak.ts in its own process with --expose-gc (heap and RSS are sampled
 * after a real collection), 1,440 one-minute ticks x 20 symbols through the brain protocol, the scheduler and the
 * SQLite store. Writes bench/results/soak.json through `npm run bench -- soak`; fails when the soak fails.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { type SoakReport, soakPassed } from '../scripts/soak.js';

const ROOT = resolve(import.meta.dirname, '..');

export async function runSoakBench(): Promise<SoakReport & { readonly command: string; readonly passed: boolean }> {
  const args = ['--expose-gc', '--import', 'tsx', 'scripts/soak.ts', '--json'];
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: ROOT, maxBuffer: 1 << 22 }).catch(
    (error: { stdout?: string }) => {
      // A failed soak exits 1 and still prints its report: keep the figures.
      if (error.stdout) return { stdout: error.stdout };
      throw error;
    },
  );
  const report = JSON.parse(stdout.trim().split('\n').pop() as string) as SoakReport;
  return { command: `node ${args.join(' ')}`, ...report, passed: soakPassed(report) };
}
