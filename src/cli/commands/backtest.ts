import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { enabledStrategies, promote, runGate } from '../../backtest/gate-run.js';
import { DEFAULT_GATE, gateTable } from '../../backtest/gates.js';
import { holeWarning } from '../../backtest/holes.js';
import { type MonteCarloResult, monteCarloParallel } from '../../backtest/monte-carlo.js';
import { backtestJson, backtestReportInput, eventsSection } from '../../backtest/report-input.js';
import type { BacktestResult } from '../../backtest/runner.js';
import { loadSeries, runStrategyBacktest } from '../../backtest/service.js';
import { walkForward, windowsTable } from '../../backtest/walk-forward.js';
import { type AppConfig, withOverrides } from '../../config.js';
import { ConclaveError } from '../../domain/errors.js';
import { REGIMES, type Regime } from '../../domain/regime.js';
import { columnsToCandles } from '../../market/csv-candles.js';
import { runFile } from '../../reports/run-path.js';
import { metricsTable, newRunId, writeRunReport, writeSectionsReport } from '../../reports/run-report.js';
import { researchThreads } from '../../research/thread-pool.js';
import { EnableMapStore } from '../../strategies/enable-map-file.js';
import { VERSION } from '../../version.js';
import { cliContext, progressBar } from '../context.js';
import { registerCliRun } from '../register-run.js';

export interface CommonOpts {
  data: string[];
  fee?: string;
  slippage?: string;
  capital?: string;
  fraction?: string;
  from?: string;
  to?: string;
  set?: string[];
  report: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function withCommon(cmd: Command): Command {
  return cmd
    .requiredOption('-d, --data <csv>', 'kline CSV named SYMBOL_INTERVAL.csv[.gz] (repeat for several symbols)', collect)
    .option('--fee <bps>', 'fee in basis points (default FEE_BPS)')
    .option('--slippage <bps>', 'slippage in basis points (default SLIPPAGE_BPS)')
    .option('--capital <quote>', 'starting capital (default STARTING_CAPITAL)')
    .option('--fraction <f>', 'share of equity per BUY, 0..1 (default ORDER_FRACTION)')
    .option('--from <date>', 'first candle to trade (ISO date or epoch ms)')
    .option('--to <date>', 'last candle to trade (ISO date or epoch ms)')
    .option(
      '--set <NAME=value>',
      'any setting of the config table for this run, e.g. --set MAX_DAILY_LOSS=0.02 (repeatable; env and .env apply too)',
      collect,
    )
    .option('--no-report', 'do not write reports/run_<id>/');
}

interface Bounds {
  readonly min?: number;
  readonly max?: number;
  /** `min` itself is not allowed (a capital or fraction of 0). */
  readonly above?: boolean;
  readonly integer?: boolean;
}

/**
 * A numeric flag, or `fallback` when absent.
 * @throws ConclaveError VALIDATION_ERROR naming the flag, the accepted range and what was given.
 */
export function num(name: string, value: string | undefined, fallback: number, b: Bounds = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  const low = b.min === undefined || (b.above ? n > b.min : n >= b.min);
  const high = b.max === undefined || n <= b.max;
  if (value.trim() === '' || !Number.isFinite(n) || !low || !high || (b.integer && !Number.isInteger(n))) {
    const range = [
      b.integer ? 'a whole number' : 'a number',
      b.min !== undefined ? `${b.above ? '>' : '>='} ${b.min}` : '',
      b.max !== undefined ? `<= ${b.max}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    throw new ConclaveError('VALIDATION_ERROR', `--${name}: expected ${range}, got "${value}"`, { field: name });
  }
  return n;
}

function time(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(t))
    throw new ConclaveError('VALIDATION_ERROR', `--${name}: expected an ISO date or epoch ms, got "${value}"`, { field: name });
  return t;
}

/** `--from`/`--to` as epoch ms. @throws ConclaveError VALIDATION_ERROR for a bad date or from after to. */
function period(o: Pick<CommonOpts, 'from' | 'to'>): { from?: number; to?: number } {
  const from = time('from', o.from);
  const to = time('to', o.to);
  if (from !== undefined && to !== undefined && from > to) {
    throw new ConclaveError('VALIDATION_ERROR', `--from ${o.from} is after --to ${o.to}`, { field: 'from' });
  }
  return { from, to };
}

/**
 * The run's config: the config table (env, `.env`) with `--set NAME=value` and the named flags applied, each
 * validated like the setting it names.
 * @throws ConclaveError VALIDATION_ERROR for a malformed --set, an unknown setting or a bad value.
 */
export function runConfig(o: CommonOpts & { protocol?: string }, c: AppConfig): AppConfig {
  const overrides: Record<string, string> = {};
  for (const pair of o.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConclaveError('VALIDATION_ERROR', `--set: expected NAME=value, got "${pair}"`, { field: 'set' });
    overrides[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const named: Record<string, string | undefined> = {
    FEE_BPS: o.fee === undefined ? undefined : String(num('fee', o.fee, 0, { min: 0, max: 1000 })),
    SLIPPAGE_BPS: o.slippage === undefined ? undefined : String(num('slippage', o.slippage, 0, { min: 0, max: 1000 })),
    STARTING_CAPITAL: o.capital === undefined ? undefined : String(num('capital', o.capital, 0, { min: 0, above: true })),
    ORDER_FRACTION: o.fraction === undefined ? undefined : String(num('fraction', o.fraction, 0, { min: 0, above: true, max: 1 })),
    PROTOCOL: o.protocol,
  };
  for (const [k, v] of Object.entries(named)) if (v !== undefined) overrides[k] = v;
  return withOverrides(c, overrides);
}

function params(list: string[] = []): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of list) {
    const [k, v] = p.split('=');
    if (!k || v === undefined || !Number.isFinite(Number(v))) {
      throw new ConclaveError('VALIDATION_ERROR', `--param: expected name=number, got "${p}"`, { field: 'param' });
    }
    out[k] = Number(v);
  }
  return out;
}

const out = (s: string) => process.stdout.write(`${s}\n`);
/** Warns on stderr (stdout stays the report) when the candles had holes. */
const warnHoles = (r: { holes: Parameters<typeof holeWarning>[0] }) => {
  const w = holeWarning(r.holes);
  if (w) process.stderr.write(`${w}\n`);
};

/** `backtest`, `walk-forward`, `montecarlo`, `gate`: research on recorded candles through the real engine. */
export function registerBacktestCommands(program: Command): void {
  withCommon(
    program
      .command('backtest')
      .description('Run the paper-trading kernel (protocol, governor, sizing, stops) over recorded candles, filling at the next open'),
  )
    .option('--protocol <name>', 'pipeline, brain or consensus (default PROTOCOL)')
    .option('-s, --strategy <name>', "pipeline's decision maker: ml-classifier (default: the model), sma-cross, breakout, mean-reversion")
    .option('-p, --param <name=value>', 'strategy parameter (repeatable), e.g. --param fast=20', collect)
    .option('--json <path>', 'write {settings, metrics, benchmark, denials, halts, stops, regimes, trades, equity} as JSON')
    .action(async (o: CommonOpts & { protocol?: string; strategy?: string; param?: string[]; json?: string }) => {
      const { config: base } = cliContext();
      const config = runConfig(o, base);
      const bar = progressBar(`backtest ${o.strategy ?? config.PROTOCOL}`);
      const { result, model } = await runStrategyBacktest({
        data: o.data,
        config,
        strategy: o.strategy,
        params: o.param ? params(o.param) : undefined,
        ...period(o),
        onProgress: (d, t) => bar.update(d, t),
      });
      bar.stop();
      warnHoles(result);
      out(
        `${result.strategy} on ${result.symbols.join(', ')} ${result.interval}: ${result.cycles} cycles in ${(result.elapsedMs / 1000).toFixed(1)} s\n`,
      );
      out(metricsTable(result.metrics, result.benchmark));
      out(`\n${eventsSection(result.events)}`);
      if (o.json) writeFileSync(o.json, `${JSON.stringify(backtestJson(result), null, 2)}\n`);
      const parameters = { strategy: result.strategy, params: params(o.param), data: o.data };
      let reportDir: string | null = null;
      if (o.report) {
        const versions = { conclave: VERSION, node: process.version, ...(model ? { model: model.version } : {}) };
        const input = backtestReportInput(result, 'backtest', parameters, versions);
        const written = await writeRunReport(config.REPORTS_DIR, newRunId('backtest', Date.now()), input);
        reportDir = written.dir;
        out(`\nreport: ${written.dir}/summary.md${written.parquetError ? ` (no Parquet: ${written.parquetError})` : ''}`);
      }
      await recorded(config, 'backtest', parameters, result, reportDir);
    });

  withCommon(
    program
      .command('walk-forward')
      .description('Retrain the model on each train window, trade the next test window, stitch the out-of-sample run'),
  )
    .option('--train <bars>', 'bars per training window', '2160')
    .option('--test <bars>', 'bars per test window (retraining period)', '720')
    .option('--anchored', 'train on everything before each test window instead of a rolling window')
    .option('--trees <n>', 'trees per model (default MODEL_TREES)')
    .option('--json <path>', 'write windows and the stitched metrics as JSON')
    .action(async (o: CommonOpts & { train: string; test: string; anchored?: boolean; trees?: string; json?: string }) => {
      const { config } = cliContext();
      if (o.data.length > 1) {
        throw new ConclaveError('VALIDATION_ERROR', 'walk-forward trains and trades one symbol: pass one --data file', { field: 'data' });
      }
      const [series] = loadSeries({ data: o.data });
      const { from, to } = period(o);
      const candles = columnsToCandles(series.cols).filter(
        (c) => (from === undefined || c.openTime >= from) && (to === undefined || c.openTime <= to),
      );
      const bar = progressBar('walk-forward');
      const r = await walkForward({
        symbol: series.symbol,
        interval: series.interval,
        candles,
        trainBars: num('train', o.train, 2160, { min: 100, integer: true }),
        testBars: num('test', o.test, 720, { min: 1, integer: true }),
        mode: o.anchored ? 'anchored' : 'rolling',
        config: withOverrides(runConfig(o, config), {
          MODEL_TREES: num('trees', o.trees, config.MODEL_TREES, { min: 1, max: 1000, integer: true }),
        }),
        onProgress: (d, t) => bar.update(d, t),
      });
      bar.stop();
      warnHoles(r.oos);
      out(windowsTable(r));
      out(`\nStitched out-of-sample run (${(r.elapsedMs / 1000).toFixed(1)} s):\n`);
      out(metricsTable(r.oos.metrics, r.oos.benchmark));
      if (o.json) writeFileSync(o.json, `${JSON.stringify({ windows: r.windows, summary: r.summary, ...backtestJson(r.oos) }, null, 2)}\n`);
      const parameters = { train: o.train, test: o.test, mode: r.mode, trees: o.trees ?? config.MODEL_TREES, data: o.data };
      let reportDir: string | null = null;
      if (o.report) {
        const input = backtestReportInput(r.oos, 'walk-forward', parameters, { conclave: VERSION, node: process.version }, [
          windowsTable(r),
        ]);
        const written = await writeRunReport(config.REPORTS_DIR, newRunId('walkforward', Date.now()), input);
        reportDir = written.dir;
        out(`\nreport: ${written.dir}/summary.md`);
      }
      await recorded(config, 'walk-forward', parameters, r.oos, reportDir);
    });

  program
    .command('montecarlo')
    .description('Bootstrap or shuffle the trade sequence of a backtest N times: percentiles of final return and max drawdown')
    .option('-d, --data <csv>', 'kline CSV to backtest first (with --strategy)', collect)
    .option('-s, --strategy <name>', 'strategy to backtest')
    .option('--run <id>', 'use the trades of reports/run_<id>/trades.csv instead of a new backtest')
    .option('-n, --runs <n>', 'resampled sequences', '1000')
    .option('--method <m>', 'bootstrap or shuffle', 'bootstrap')
    .option('--seed <n>', 'seed', '42')
    .option('--no-report', 'do not write reports/run_<id>/')
    .action(
      async (o: { data?: string[]; strategy?: string; run?: string; runs: string; method: string; seed: string; report: boolean }) => {
        const { config } = cliContext();
        // Every flag is checked before minutes of backtesting, so a typo fails at once.
        if (o.method !== 'bootstrap' && o.method !== 'shuffle')
          throw new ConclaveError('VALIDATION_ERROR', `--method: bootstrap or shuffle, got ${o.method}`, { field: 'method' });
        const runs = num('runs', o.runs, 1000, { min: 1, max: 1_000_000, integer: true });
        const seed = num('seed', o.seed, 42, { integer: true });
        if (o.run && (o.data || o.strategy)) {
          throw new ConclaveError('VALIDATION_ERROR', 'montecarlo takes either --run <id> or --data and --strategy, not both');
        }
        if (!o.run && (!o.data || !o.strategy))
          throw new ConclaveError('VALIDATION_ERROR', 'montecarlo needs --run <id>, or --data and --strategy');
        let returns: number[];
        let result: BacktestResult | null = null;
        if (o.run) {
          returns = tradeReturnsFromCsv(runFile(config.REPORTS_DIR, o.run, 'trades.csv', '--run'));
        } else {
          const bar = progressBar(`backtest ${o.strategy}`);
          ({ result } = await runStrategyBacktest({
            data: o.data,
            strategy: o.strategy,
            config,
            onProgress: (d, t) => bar.update(d, t),
          }));
          bar.stop();
          warnHoles(result);
          returns = result.trades.map((t) => t.returnOnEquity);
        }
        const r = await monteCarloParallel(returns, { method: o.method, runs, seed }, researchThreads(config.RESEARCH_THREADS));
        const table = monteCarloTable(r);
        out(table);
        const parameters = {
          method: r.method,
          runs: r.runs,
          seed: r.seed,
          ...(o.run ? { run: o.run } : { strategy: o.strategy, data: o.data }),
        };
        let reportDir: string | null = null;
        if (o.report) {
          const id = newRunId('montecarlo', Date.now());
          const written = result
            ? await writeRunReport(
                config.REPORTS_DIR,
                id,
                backtestReportInput(result, 'montecarlo', parameters, { conclave: VERSION, node: process.version }, [table]),
              )
            : writeSectionsReport(config.REPORTS_DIR, id, `Monte Carlo of run ${o.run}`, [table]);
          reportDir = written.dir;
          out(`\nreport: ${written.dir}/summary.md`);
        }
        if (result) await recorded(config, 'montecarlo', parameters, result, reportDir);
      },
    );

  withCommon(program.command('gate').description('Champion/challenger gate (seed 003): PF in/out of sample, MaxDD, correlation, trades'))
    .requiredOption('-c, --candidate <name>', 'strategy to admit')
    .option('--portfolio <names>', 'comma-separated strategies already running (default: the enable map)')
    .option('--split <f>', 'in-sample share of the period', '0.7')
    .option('--min-pf-is <x>', 'PF in-sample threshold', String(DEFAULT_GATE.minProfitFactorInSample))
    .option('--min-pf-oos <x>', 'PF out-of-sample threshold', String(DEFAULT_GATE.minProfitFactorOutOfSample))
    .option('--max-dd-multiple <x>', 'MaxDD limit as a multiple of the portfolio average', String(DEFAULT_GATE.maxDrawdownMultiple))
    .option('--max-corr <x>', 'correlation limit', String(DEFAULT_GATE.maxCorrelation))
    .option('--min-trades <n>', 'minimum trades after fees', String(DEFAULT_GATE.minTrades))
    .option('--promote <regimes>', 'when passing, enable the candidate in these regimes (comma-separated) and record it')
    .option('--json <path>', 'write the verdict as JSON')
    .action(
      async (
        o: CommonOpts & {
          candidate: string;
          portfolio?: string;
          split: string;
          minPfIs: string;
          minPfOos: string;
          maxDdMultiple: string;
          maxCorr: string;
          minTrades: string;
          promote?: string;
          json?: string;
        },
      ) => {
        const { config } = cliContext();
        const regimes = o.promote === undefined ? null : parseRegimes(o.promote);
        const enableMap = EnableMapStore.open(config.ENABLE_MAP_PATH);
        const portfolio = o.portfolio
          ? o.portfolio.split(',').filter(Boolean)
          : enabledStrategies(enableMap).filter((s) => s !== o.candidate);
        const thresholds = {
          minProfitFactorInSample: num('min-pf-is', o.minPfIs, 1.3, { min: 0 }),
          minProfitFactorOutOfSample: num('min-pf-oos', o.minPfOos, 1.1, { min: 0 }),
          maxDrawdownMultiple: num('max-dd-multiple', o.maxDdMultiple, 1.3, { min: 0 }),
          maxCorrelation: num('max-corr', o.maxCorr, 0.4, { min: -1, max: 1 }),
          minTrades: num('min-trades', o.minTrades, 200, { min: 0, integer: true }),
        };
        process.stderr.write(`gate: ${o.candidate} against portfolio [${portfolio.join(', ')}]\n`);
        const bar = progressBar(`gate ${o.candidate}`);
        const run = await runGate({
          data: o.data,
          candidate: o.candidate,
          portfolio,
          ...period(o),
          inSampleFraction: num('split', o.split, 0.7),
          config: runConfig(o, config),
          thresholds,
          onProgress: (d, t) => bar.update(d, t),
        });
        bar.stop();
        warnHoles(run.candidate);
        const table = gateTable(run.verdict);
        out(table);
        const verdictJson = {
          verdict: run.verdict,
          portfolio: run.portfolio,
          split_time: new Date(run.splitTime).toISOString(),
          from: new Date(run.candidate.from).toISOString(),
          to: new Date(run.candidate.to).toISOString(),
        };
        if (o.json) writeFileSync(o.json, `${JSON.stringify(verdictJson, null, 2)}\n`);
        const parameters = { candidate: o.candidate, portfolio, split: o.split, ...thresholds, data: o.data };
        let reportDir: string | null = null;
        if (o.report) {
          const input = backtestReportInput(run.candidate, 'gate', parameters, { conclave: VERSION, node: process.version }, [table]);
          const written = await writeRunReport(config.REPORTS_DIR, newRunId('gate', Date.now()), input);
          reportDir = written.dir;
          out(`\nreport: ${written.dir}/summary.md`);
        }
        await recorded(config, 'gate', { ...parameters, passed: run.verdict.passed }, run.candidate, reportDir);
        if (regimes && run.verdict.passed) {
          promote(enableMap, run.verdict, regimes, join(config.REPORTS_DIR, 'promotions.jsonl'), Date.now());
          out(
            `\npromoted ${o.candidate} into ${regimes.join(',')} in ${config.ENABLE_MAP_PATH} (recorded in ${join(config.REPORTS_DIR, 'promotions.jsonl')})`,
          );
        } else if (regimes) {
          process.stderr.write(`not promoted: ${o.candidate} did not pass the gate\n`);
        }
        // Exit code 2 = the gate ran and FAILED (1 is an error): scripts can tell a verdict from a crash.
        if (!run.verdict.passed) process.exitCode = GATE_FAILED_EXIT;
      },
    );
}

/** Exit code of `conclave gate` when the candidate fails (README: exit codes). */
export const GATE_FAILED_EXIT = 2;

/** `--promote` regimes. @throws ConclaveError VALIDATION_ERROR for an unknown or missing regime. */
function parseRegimes(list: string): Regime[] {
  const regimes = list.split(',').filter(Boolean);
  const bad = regimes.filter((r) => !(REGIMES as readonly string[]).includes(r));
  if (regimes.length === 0 || bad.length > 0) {
    throw new ConclaveError('VALIDATION_ERROR', `--promote: expected regimes among ${REGIMES.join(', ')}, got "${list}"`, {
      field: 'promote',
    });
  }
  return regimes as Regime[];
}

/** Records the run in the backtest store and says under which id. */
async function recorded(
  config: AppConfig,
  command: string,
  parameters: Readonly<Record<string, unknown>>,
  result: BacktestResult,
  reportDir: string | null,
): Promise<void> {
  const id = await registerCliRun(config, command, parameters, result, reportDir, Date.now());
  if (id) process.stderr.write(`recorded as backtest ${id} (GET /api/backtests/${id})\n`);
}

/** The Monte Carlo distribution as Markdown (console and summary.md). */
function monteCarloTable(r: MonteCarloResult): string {
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  return [
    `## Monte Carlo (${r.method}, ${r.runs} runs over ${r.trades} trades, seed ${r.seed}); P(loss) = ${pct(r.probabilityOfLoss)}`,
    '',
    '| percentile | final return | max drawdown |',
    '|---|---:|---:|',
    ...Object.keys(r.finalReturn.percentiles).map(
      (k) => `| ${k} | ${pct(r.finalReturn.percentiles[k])} | ${pct(r.maxDrawdown.percentiles[k])} |`,
    ),
    `| mean | ${pct(r.finalReturn.mean)} | ${pct(r.maxDrawdown.mean)} |`,
  ].join('\n');
}

/** The `return_on_equity` column of a run report's trades.csv. */
export function tradeReturnsFromCsv(path: string): number[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConclaveError('NOT_FOUND', `no trades file at ${path}`);
  }
  const [head, ...rows] = text.trim().split('\n');
  const col = head.split(',').indexOf('return_on_equity');
  if (col < 0) throw new ConclaveError('VALIDATION_ERROR', `${path} has no return_on_equity column`);
  return rows.filter(Boolean).map((r) => Number(r.split(',')[col]));
}
