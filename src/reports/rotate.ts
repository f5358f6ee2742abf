import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface RotateOptions {
  /** Keep the newest N runs. */
  readonly keep?: number;
  /** And/or remove runs older than this (epoch ms). */
  readonly olderThan?: number;
}

/** Run report directories (`run_<id>`) under `reportsDir`, newest first by modification time. */
export function listRuns(reportsDir: string): { id: string; dir: string; mtimeMs: number }[] {
  if (!existsSync(reportsDir)) return [];
  return readdirSync(reportsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name.startsWith('run_'))
    .map((e) => {
      const dir = join(reportsDir, e.name);
      return { id: e.name.slice(4), dir, mtimeMs: statSync(dir).mtimeMs };
    })
    .sort((a, b) => b.mtimeMs - a.mtimeMs || b.id.localeCompare(a.id));
}

/** Removes old run reports; returns the ids removed. Only `run_*` directories are ever touched. */
export function rotateRuns(reportsDir: string, opts: RotateOptions): string[] {
  const removed: string[] = [];
  listRuns(reportsDir).forEach((run, index) => {
    const tooMany = opts.keep !== undefined && index >= opts.keep;
    const tooOld = opts.olderThan !== undefined && run.mtimeMs < opts.olderThan;
    if (tooMany || tooOld) {
      rmSync(run.dir, { recursive: true, force: true });
      removed.push(run.id);
    }
  });
  return removed;
}
