/**
 * Peak memory of a backtest (issue 13: all ~456k BTCUSDT 1m candles, trades and equity kept, <= 250 MiB peak
 * RSS). Runs the bundled CLI (`dist/cli.js backtest --strategy sma-cross`) as its own process, once without and
 * once with the run report, and reads the process's peak RSS (getrusage's maxRSS, printed at exit by a preload).
 *
 *   node --import tsx bench/backtest-memory-bench.ts                    # the whole file (minutes per run)
 *   node --import tsx bench/backtest-memory-bench.ts --to 2021-05-01    # a shorter run
 *
 * Writes bench/results/backtest-memory.json. Not part of `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const DATA = process.env.CONCLAVE_SHARED_DATA ?? resolve(ROOT, '../shared/data');
const PRELOAD = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss_kb='+process.resourceUsage().maxRSS+'\\n'))`;

interface MemoryRun {
  readonly report: boolean;
  readonly wall_s: number;
  readonly peak_rss_mib: number;
  readonly exit_code: number | null;
}

function run(to: string | undefined, report: boolean): MemoryRun {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-memory-'));
  try {
    const args = ['--import', PRELOAD, join(ROOT, 'dist/cli.js'), 'backtest', '--data', join(DATA, 'klines/BTCUSDT_1m.csv.gz')];
    args.push('--strategy', 'sma-cross', ...(to ? ['--to', to] : []), ...(report ? [] : ['--no-report']));
    const t0 = performance.now();
    const child = spawnSync(process.execPath, args, {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, LOG_LEVEL: 'silent', DATA_DIR: dir, REPORTS_DIR: join(dir, 'reports'), DATABASE_URL: join(dir, 'c.db') },
    });
    const kb = Number(/maxrss_kb=(\d+)/.exec(child.stderr)?.[1] ?? Number.NaN);
    return {
      report,
      wall_s: Number(((performance.now() - t0) / 1000).toFixed(1)),
      peak_rss_mib: Number((kb / 1024).toFixed(1)),
      exit_code: child.status,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runBacktestMemoryBench(to?: string): Promise<Record<string, unknown>> {
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  const load = loadavg()[0];
  const runs = [run(to, false), run(to, true)];
  return {
    case: `conclave backtest --strategy sma-cross on BTCUSDT_1m.csv.gz${to ? ` up to ${to}` : ' (all ~456k candles)'}, bundled CLI, default config`,
    loadavg_1m_at_start: Number(load.toFixed(2)),
    runs,
    target: { peak_rss_mib: 250, met: runs.every((r) => r.exit_code === 0 && r.peak_rss_mib <= 250) },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const { values } = parseArgs({ options: { to: { type: 'string' } } });
  const result = await runBacktestMemoryBench(values.to);
  const json = `${JSON.stringify(result, null, 2)}\n`;
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/backtest-memory.json'), json);
  process.stdout.write(json);
}
