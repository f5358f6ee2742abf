import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isConclaveError } from '../../src/domain/errors.js';
import { runDir, runFile } from '../../src/reports/run-path.js';

const ROOT = resolve('/srv/reports');

function refused(id: string): boolean {
  try {
    runDir(ROOT, id);
    return false;
  } catch (error) {
    return isConclaveError(error, 'VALIDATION_ERROR');
  }
}

describe('runDir: the one path guard for run ids (issue 11, finding 21)', () => {
  it('maps an id (with or without run_) to one directory directly under REPORTS_DIR', () => {
    expect(runDir(ROOT, 'backtest-20260105T120000-a1b2c3')).toBe(join(ROOT, 'run_backtest-20260105T120000-a1b2c3'));
    expect(runDir(ROOT, 'run_paper-u1-x')).toBe(join(ROOT, 'run_paper-u1-x'));
    expect(runFile(ROOT, 'a.b_c', 'trades.csv')).toBe(join(ROOT, 'run_a.b_c', 'trades.csv'));
  });

  it.each(['../../../x', '..', '.', '', 'a/b', 'a\\b', '/etc/passwd', 'run_../x', '.hidden', 'x\u0000y', `${'a'.repeat(200)}`])(
    'refuses %j',
    (id) => {
      expect(refused(id)).toBe(true);
    },
  );
});

describe('conclave montecarlo --run (the real CLI process)', () => {
  it('refuses a run id that walks out of REPORTS_DIR, without reading the file there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-runpath-'));
    const reports = join(dir, 'a', 'b', 'reports');
    mkdirSync(reports, { recursive: true });
    // The file `run_../../../x/trades.csv` reaches from REPORTS_DIR without the guard: <dir>/a/b/x/trades.csv.
    mkdirSync(join(dir, 'a', 'b', 'x'), { recursive: true });
    writeFileSync(join(dir, 'a', 'b', 'x', 'trades.csv'), 'return_on_equity\n0.5\n');
    const proc = spawnSync(process.execPath, ['bin/conclave.js', 'montecarlo', '--run', '../../../x', '-n', '10'], {
      encoding: 'utf8',
      env: { ...process.env, REPORTS_DIR: reports, LOG_LEVEL: 'silent', DATABASE_URL: join(dir, 'c.db') },
      timeout: 60_000,
    });
    expect(proc.status).not.toBe(0);
    expect(proc.stderr).toMatch(/VALIDATION_ERROR/);
    expect(proc.stderr).toMatch(/--run: expected a run id/);
    expect(proc.stdout).not.toMatch(/Monte Carlo/);
  }, 60_000);
});
