import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './shared-data.js';

const run = promisify(execFile);

export interface CliRun {
  readonly stdout: string;
  readonly stderr: string;
  /** Temp folder the run's REPORTS_DIR, DATABASE_URL and files live in. */
  readonly dir: string;
}

/**
 * `conclave <args>` from the sources, as a user runs it, with a clean environment: a fresh temp folder for
 * reports and the database, quiet logs, and `env` on top.
 * @throws the child's error (with stdout/stderr) when it exits non-zero.
 */
export async function conclave(
  args: readonly string[],
  env: Record<string, string> = {},
  dir: string = mkdtempSync(join(tmpdir(), 'conclave-cli-')),
): Promise<CliRun> {
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    maxBuffer: 64 * 1024 * 1024,
    env: {
      PATH: process.env.PATH,
      LOG_LEVEL: 'silent',
      REPORTS_DIR: join(dir, 'reports'),
      DATABASE_URL: join(dir, 'c.db'),
      MODEL_PATH: join(dir, 'model.json'),
      ...env,
    },
  });
  return { stdout, stderr, dir };
}
