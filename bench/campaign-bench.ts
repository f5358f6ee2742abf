/**
 * Issue 14's campaign benchmark: 200 sma-cross trials (TPE, pruning on, as `conclave research run` defaults)
 * over the newest year of BTCUSDT 1h candles in ../shared/data, with 12 walk-forward windows. Every trial runs
 * the kernel paper trading runs (pipeline, governor, stops). Writes bench/results/campaign.json when run
 * through `npm run bench -- campaign`. Target: under 60 s; reported next to the measured figure, never adjusted.
 */
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { readCandlesCsv } from '../src/market/csv-candles.js';
import { CAMPAIGN_BATCH, runCampaign } from '../src/research/campaign.js';
import { researchThreads } from '../src/research/thread-pool.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KLINES = process.env.CONCLAVE_SHARED_DATA ? join(process.env.CONCLAVE_SHARED_DATA, 'klines') : resolve(ROOT, '../shared/data/klines');
const TARGET_S = 60;
const YEAR_BARS = 8766;

export async function runCampaignBench(): Promise<unknown> {
  const all = readCandlesCsv(join(KLINES, 'BTCUSDT_1h.csv'));
  const candles = all.slice(-YEAR_BARS);
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const threads = researchThreads(config.RESEARCH_THREADS);
  const loadBefore = loadavg()[0];
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const r = await runCampaign({
    series: [{ symbol: 'BTCUSDT', interval: '1h', candles }],
    config,
    strategy: 'sma-cross',
    search: 'tpe',
    trials: 200,
    objective: 'sharpe',
    windows: 12,
    seed: 1,
  });
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return {
    machine: { node: process.version, cpus: cpus().length, model: cpus()[0]?.model.split(' ').slice(0, 2).join(' ') },
    note: `Trials in batches of ${CAMPAIGN_BATCH} on ${threads} worker thread(s) (RESEARCH_THREADS, 0 = one per core). Wall time depends on the machine load: cpu_s is the process CPU time, all threads.`,
    threads,
    load_average_before: Number(loadBefore.toFixed(2)),
    load_average_after: loadavg().map((x) => Number(x.toFixed(2))),
    case: '200 sma-cross trials (TPE, pruning), BTCUSDT 1h, newest year, 12 walk-forward windows',
    data: {
      from: new Date(candles[0].openTime).toISOString(),
      to: new Date(candles[candles.length - 1].closeTime).toISOString(),
      candles: candles.length,
    },
    traded_bars: r.bars,
    trials: r.tried,
    completed: r.tried - r.pruned - r.failed,
    pruned: r.pruned,
    failed: r.failed,
    elapsed_s: Number(elapsed.toFixed(2)),
    cpu_s: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    target_s: TARGET_S,
    meets_target: elapsed < TARGET_S,
    verdict: r.verdict.verdict,
    candidate: r.candidate.params,
    deflated_sharpe: r.dsr?.dsr ?? null,
    pbo: r.pbo?.pbo ?? null,
  };
}
