/**
 * Research on worker threads (issue 13): walk-forward, 12 windows x 100 trees (depth 10) over a year of BTCUSDT 1h
 * (8,760 candles, 2,160 training bars each), with RESEARCH_THREADS=1 (in-process) and one thread per core; the two
 * runs must give the same windows and stitched run (checked here too). Training time is separated from the one
 * kernel run that trades the windows. Also a Monte Carlo job large enough for the threads to pay off.
 *
 * Run: `node --import tsx bench/research-bench.ts` or `npm run bench -- research` (writes bench/results/research.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { monteCarlo, monteCarloParallel } from '../src/backtest/monte-carlo.js';
import { walkForward } from '../src/backtest/walk-forward.js';
import { loadConfig } from '../src/config.js';
import { readCandlesCsv } from '../src/market/csv-candles.js';
import { mulberry32 } from '../src/ml/prng.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KLINES = process.env.CONCLAVE_SHARED_DATA ? join(process.env.CONCLAVE_SHARED_DATA, 'klines') : resolve(ROOT, '../shared/data/klines');

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

async function walkForwardCase(threads: number) {
  const all = readCandlesCsv(join(KLINES, 'BTCUSDT_1h.csv'));
  const start = all.findIndex((c) => c.openTime >= Date.UTC(2024, 0, 1));
  const train = 2160;
  let trainedAt = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const wf = await walkForward({
    symbol: 'BTCUSDT',
    interval: '1h',
    candles: all.slice(start - train, start + 8760),
    trainBars: train,
    testBars: 730,
    mode: 'rolling',
    config: loadConfig({ LOG_LEVEL: 'silent', MODEL_TREES: '100', MODEL_MAX_DEPTH: '10', RESEARCH_THREADS: String(threads) }),
    onProgress: (done, total, stage) => {
      if (stage === 'training' && done === total && trainedAt === 0) trainedAt = performance.now();
    },
  });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const { elapsedMs: _a, oos, ...rest } = wf;
  const { elapsedMs: _b, store: _s, ...run } = oos;
  return {
    figures: {
      threads,
      windows: wf.windows.length,
      elapsed_s: round(wall),
      training_s: round((trainedAt - t0) / 1000),
      kernel_run_s: round(wall - (trainedAt - t0) / 1000),
      main_thread_cpu_s: round((cpu.user + cpu.system) / 1e6),
      mean_accuracy: round(wf.summary.meanAccuracy, 4),
      mean_majority_baseline: round(wf.summary.meanMajorityBaseline, 4),
    },
    comparable: { ...rest, oos: run },
  };
}

function monteCarloCase(threads: number) {
  const r = mulberry32(3);
  const returns = Array.from({ length: 1000 }, () => (r() - 0.48) * 0.04);
  const opts = { method: 'bootstrap' as const, runs: 20_000, seed: 42 };
  const t0 = performance.now();
  const result = threads === 1 ? Promise.resolve(monteCarlo(returns, opts)) : monteCarloParallel(returns, opts, threads);
  return result.then((res) => ({
    threads,
    runs: opts.runs,
    trades: returns.length,
    elapsed_s: round((performance.now() - t0) / 1000),
    res,
  }));
}

export async function runResearchBench(): Promise<Record<string, unknown>> {
  const load = loadavg()[0];
  const threads = availableParallelism();
  const one = await walkForwardCase(1);
  const many = await walkForwardCase(threads);
  const mc1 = await monteCarloCase(1);
  const mcN = await monteCarloCase(threads);
  return {
    machine: { node: process.version, cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', loadavg_1m_at_start: round(load, 2) },
    walk_forward: {
      case: 'BTCUSDT 1h, 2024 (8,760 candles), 12 windows x 100 trees depth 10, 2,160 training bars each',
      target: '<= 2 s on 2 cores',
      runs: [one.figures, many.figures],
      identical_results: isDeepStrictEqual(one.comparable, many.comparable),
      met: many.figures.elapsed_s <= 2,
    },
    monte_carlo: {
      case: '20,000 bootstrap runs of 1,000 trades',
      runs: [
        { threads: 1, elapsed_s: mc1.elapsed_s },
        { threads, elapsed_s: mcN.elapsed_s },
      ],
      identical_results: isDeepStrictEqual(mc1.res, mcN.res),
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await runResearchBench();
  const out = join(ROOT, 'bench/results/research.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
