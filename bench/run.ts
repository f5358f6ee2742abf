/**
 * `npm run bench`: the quick benchmarks (model, http, backtest, research, campaign), each writing bench/results/<name>.json, plus a
 * combined bench/results/summary.json. Pass names to run others or a subset: `npm run bench -- http model`.
 * The long ones run only by name: `memory` (500,000 run-cycles against the npm start process) and `soak`
 * (24 h of 1m candles for 20 symbols through the brain protocol, the scheduler and SQLite).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'bench/results');

type Bench = () => Promise<unknown>;
const BENCHES: Record<string, () => Promise<Bench>> = {
  model: async () => (await import('./model-bench.js')).runModelBench,
  http: async () => (await import('./http-bench.js')).runHttpBench,
  backtest: async () => (await import('./backtest-bench.js')).runBacktestBench,
  research: async () => (await import('./research-bench.js')).runResearchBench,
  campaign: async () => (await import('./campaign-bench.js')).runCampaignBench,
  memory: async () => (await import('./memory-bench.js')).runMemoryBench,
  'backtest-memory': async () => (await import('./backtest-memory-bench.js')).runBacktestMemoryBench,
  soak: async () => (await import('./soak-bench.js')).runSoakBench,
};
const QUICK = ['model', 'http', 'backtest', 'research', 'campaign'];

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : QUICK;
mkdirSync(RESULTS, { recursive: true });
const summary: Record<string, unknown> = {
  machine: { node: process.version, platform: process.platform, cpus: (await import('node:os')).cpus().length },
};
for (const name of names) {
  const load = BENCHES[name];
  if (!load) throw new Error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(', ')}`);
  process.stderr.write(`== bench ${name}\n`);
  const result = await (await load())();
  writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${name}: ${JSON.stringify(result, null, 2)}\n`);
  summary[name] = result;
}
writeFileSync(join(RESULTS, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
