import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runGate } from '../../src/backtest/gate-run.js';
import { monteCarlo, monteCarloParallel } from '../../src/backtest/monte-carlo.js';
import { walkForward } from '../../src/backtest/walk-forward.js';
import { loadConfig } from '../../src/config.js';
import { isConclaveError } from '../../src/domain/errors.js';
import { readCandlesCsv } from '../../src/market/csv-candles.js';
import { mulberry32 } from '../../src/ml/prng.js';
import { researchThreads, runParallel } from '../../src/research/thread-pool.js';
import { sharedData } from '../helpers/shared-data.js';

/**
 * Research on worker_threads (src/research/thread-pool.ts): the same work with RESEARCH_THREADS=1 (in-process)
 * and with worker threads gives identical results, and a task's error crosses the thread with its code.
 */

const all = readCandlesCsv(sharedData('klines', 'BTCUSDT_1h.csv'));
const start = all.findIndex((c) => c.openTime >= Date.UTC(2023, 0, 1));
const candles = all.slice(start, start + 1400);
const base = { LOG_LEVEL: 'silent', MODEL_TREES: '15', MODEL_MAX_DEPTH: '6', ORDER_FRACTION: '0.5' };

describe('research threads', () => {
  it('walk-forward gives the same windows, models and stitched run on 1 thread and on 3 worker threads', async () => {
    const run = async (threads: string) => {
      const r = await walkForward({
        symbol: 'BTCUSDT',
        interval: '1h',
        candles,
        trainBars: 500,
        testBars: 225,
        mode: 'rolling',
        config: loadConfig({ ...base, RESEARCH_THREADS: threads }),
      });
      const { elapsedMs: _a, oos, ...rest } = r;
      const { elapsedMs: _b, ...run } = oos;
      return { ...rest, oos: run };
    };
    const single = await run('1');
    expect(single.windows.length).toBe(4);
    expect(single.oos.trades.length).toBeGreaterThan(0);
    expect(await run('3')).toEqual(single);
  }, 120_000);

  it('Monte Carlo split over worker threads equals the single-threaded run (both methods)', async () => {
    const r = mulberry32(5);
    const returns = Array.from({ length: 400 }, () => (r() - 0.48) * 0.04);
    for (const method of ['bootstrap', 'shuffle'] as const) {
      // 7,001 runs x 400 trades is above the in-process threshold, and 7,001 does not split evenly.
      const opts = { method, runs: 7001, seed: 11 };
      const single = monteCarlo(returns, opts);
      expect(await monteCarloParallel(returns, opts, 3)).toEqual(single);
      expect(await monteCarloParallel(returns, opts, 1)).toEqual(single);
      // (shuffling keeps every final return: the paths, hence the drawdowns, are what a seed changes)
      expect((await monteCarloParallel(returns, { ...opts, seed: 12 }, 3)).maxDrawdown).not.toEqual(single.maxDrawdown);
    }
  }, 60_000);

  it('mulberry32 with skip continues the sequence exactly', () => {
    const whole = mulberry32(99);
    const seq = Array.from({ length: 50 }, () => whole());
    const rest = mulberry32(99, 20);
    expect(Array.from({ length: 30 }, () => rest())).toEqual(seq.slice(20));
  });

  it('the gate gives the same verdict and portfolio with its members on worker threads', async () => {
    const gate = async (threads: string) => {
      const r = await runGate({
        series: [{ symbol: 'BTCUSDT', interval: '1h', candles }],
        candidate: 'breakout',
        portfolio: ['sma-cross', 'mean-reversion'],
        inSampleFraction: 0.7,
        config: loadConfig({ ...base, RESEARCH_THREADS: threads }),
      });
      return { verdict: r.verdict, portfolio: r.portfolio, splitTime: r.splitTime, trades: r.candidate.trades };
    };
    const single = await gate('1');
    expect(single.portfolio.map((p) => p.trades).every((t) => t > 0)).toBe(true);
    expect(await gate('2')).toEqual(single);
  }, 120_000);

  it("a worker's ConclaveError reaches the caller with its code", async () => {
    const task = {
      symbol: 'BTCUSDT',
      interval: '1h' as const,
      candles: candles.slice(0, 300),
      trainBars: 120,
      labelThreshold: 0.001,
      trees: 3,
      maxDepth: 3,
      seed: 1,
    };
    for (const threads of [1, 2]) {
      const error = await runParallel('walk-forward-window', [task, task], threads).catch((e: unknown) => e);
      expect(isConclaveError(error, 'INSUFFICIENT_DATA')).toBe(true);
    }
  }, 60_000);

  it('RESEARCH_THREADS: 0 means one per core; negative or fractional values are refused', async () => {
    expect(researchThreads(0)).toBe(availableParallelism());
    expect(researchThreads(3)).toBe(3);
    expect(loadConfig({ RESEARCH_THREADS: '2' }).RESEARCH_THREADS).toBe(2);
    for (const bad of ['-1', '1.5', 'many']) {
      expect(() => loadConfig({ RESEARCH_THREADS: bad })).toThrow(/RESEARCH_THREADS/);
    }
    await expect(runParallel('walk-forward-window', [], 0)).rejects.toThrow(/threads/);
  });
});
