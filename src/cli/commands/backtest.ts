import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { enabledStrategies, promote, runGate } from '../../backtest/gate-run.js';
import { DEFAULT_GATE, gateTable } from '../../backtest/gates.js';
import { holeWarning } from '../../backtest/holes.js';
import { monteCarlo } from '../../backtest/monte-carlo.js';
import { backtestJson, backtestReportInput, eventsSection } from '../../backtest/report-input.js';
import { loadSeries, runStrategyBacktest } from '../../backtest/service.js';
import { walkForward, windowsTable } from '../../backtest/walk-forward.js';
import { type AppConfig, withOverrides } from '../../config.js';
import { ConclaveError } from '../../domain/errors.js';
import { columnsToCandles } from '../../market/csv-candles.js';
import { metricsTable, newRunId, writeRunReport } from '../../reports/run-report.js';
import { VERSION } from '../../runtime.js';
import { EnableMapStore } from '../../strategies/enable-map-file.js';
import { cliContext, progressBar } from '../context.js';

interface CommonOpts {
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

function num(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ConclaveError('VALIDATION_ERROR', `--${name}: expected a number, got "${value}"`, { field: name });
  return n;
}

function time(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(t))
    throw new ConclaveError('VALIDATION_ERROR', `--${name}: expected an ISO date or epoch ms, got "${value}"`, { field: name });
  return t;
}

/**
 * The run's config: the config table (env, `.env`) with `--set NAME=value` and the named flags applied, each
 * validated like the setting it names.
 * @throws ConclaveError VALIDATION_ERROR for a malformed --set, an unknown setting or a bad value.
 */
function runConfig(o: CommonOpts & { protocol?: string }, c: AppConfig): AppConfig {
  const overrides: Record<string, string> = {};
  for (const pair of o.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConclaveError('VALIDATION_ERROR', `--set: expected NAME=value, got "${pair}"`, { field: 'set' });
    overrides[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const named: Record<string, string | undefined> = {
    FEE_BPS: o.fee === undefined ? undefined : String(num('fee', o.fee, 0)),
    SLIPPAGE_BPS: o.slippage === undefined ? undefined : String(num('slippage', o.slippage, 0)),
    STARTING_CAPITAL: o.capital === undefined ? undefined : String(num('capital', o.capital, 0)),
    ORDER_FRACTION: o.fraction === undefined ? undefined : String(num('fraction', o.fraction, 0)),
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
        from: time('from', o.from),
        to: time('to', o.to),
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
      if (o.report) {
        const versions = { conclave: VERSION, node: process.version, ...(model ? { model: model.version } : {}) };
        const input = backtestReportInput(
          result,
          'backtest',
          { strategy: result.strategy, params: params(o.param), data: o.data },
          versions,
        );
        const written = await writeRunReport(config.REPORTS_DIR, newRunId('backtest', Date.now()), input);
        out(`\nreport: ${written.dir}/summary.md${written.parquetError ? ` (no Parquet: ${written.parquetError})` : ''}`);
      }
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
      const [series] = loadSeries({ data: o.data.slice(0, 1) });
      const from = time('from', o.from);
      const to = time('to', o.to);
      const candles = columnsToCandles(series.cols).filter(
        (c) => (from === undefined || c.openTime >= from) && (to === undefined || c.openTime <= to),
      );
      const bar = progressBar('walk-forward');
      const r = await walkForward({
        symbol: series.symbol,
        interval: series.interval,
        candles,
        trainBars: num('train', o.train, 2160),
        testBars: num('test', o.test, 720),
        mode: o.anchored ? 'anchored' : 'rolling',
        config: withOverrides(runConfig(o, config), { MODEL_TREES: num('trees', o.trees, config.MODEL_TREES) }),
        onProgress: (d, t) => bar.update(d, t),
      });
      bar.stop();
      warnHoles(r.oos);
      out(windowsTable(r));
      out(`\nStitched out-of-sample run (${(r.elapsedMs / 1000).toFixed(1)} s):\n`);
      out(metricsTable(r.oos.metrics, r.oos.benchmark));
      if (o.json) writeFileSync(o.json, `${JSON.stringify({ windows: r.windows, summary: r.summary, ...backtestJson(r.oos) }, null, 2)}\n`);
      if (o.report) {
        const input = backtestReportInput(
          r.oos,
          'walk-forward',
          { train: o.train, test: o.test, mode: r.mode },
          { conclave: VERSION, node: process.version },
          [windowsTable(r)],
        );
        const written = await writeRunReport(config.REPORTS_DIR, newRunId('walkforward', Date.now()), input);
        out(`\nreport: ${written.dir}/summary.md`);
      }
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
    .action(async (o: { data?: string[]; strategy?: string; run?: string; runs: string; method: string; seed: string }) => {
      const { config } = cliContext();
      let returns: number[];
      if (o.run) {
        returns = tradeReturnsFromCsv(join(config.REPORTS_DIR, `run_${o.run}`, 'trades.csv'));
      } else {
        if (!o.data || !o.strategy) throw new ConclaveError('VALIDATION_ERROR', 'montecarlo needs --run <id>, or --data and --strategy');
        const bar = progressBar(`backtest ${o.strategy}`);
        const { result } = await runStrategyBacktest({
          data: o.data,
          strategy: o.strategy,
          config,
          onProgress: (d, t) => bar.update(d, t),
        });
        bar.stop();
        returns = result.trades.map((t) => t.returnOnEquity);
      }
      if (o.method !== 'bootstrap' && o.method !== 'shuffle')
        throw new ConclaveError('VALIDATION_ERROR', `--method: bootstrap or shuffle, got ${o.method}`);
      const r = monteCarlo(returns, { method: o.method, runs: num('runs', o.runs, 1000), seed: num('seed', o.seed, 42) });
      const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
      out(`Monte Carlo (${r.method}, ${r.runs} runs over ${r.trades} trades, seed ${r.seed}); P(loss) = ${pct(r.probabilityOfLoss)}\n`);
      out('| percentile | final return | max drawdown |\n|---|---:|---:|');
      for (const k of Object.keys(r.finalReturn.percentiles))
        out(`| ${k} | ${pct(r.finalReturn.percentiles[k])} | ${pct(r.maxDrawdown.percentiles[k])} |`);
      out(`| mean | ${pct(r.finalReturn.mean)} | ${pct(r.maxDrawdown.mean)} |`);
    });

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
        const enableMap = EnableMapStore.open(config.ENABLE_MAP_PATH);
        const portfolio = o.portfolio
          ? o.portfolio.split(',').filter(Boolean)
          : enabledStrategies(enableMap).filter((s) => s !== o.candidate);
        process.stderr.write(`gate: ${o.candidate} against portfolio [${portfolio.join(', ')}]\n`);
        const run = await runGate({
          data: o.data,
          candidate: o.candidate,
          portfolio,
          inSampleFraction: num('split', o.split, 0.7),
          config: runConfig(o, config),
          thresholds: {
            minProfitFactorInSample: num('min-pf-is', o.minPfIs, 1.3),
            minProfitFactorOutOfSample: num('min-pf-oos', o.minPfOos, 1.1),
            maxDrawdownMultiple: num('max-dd-multiple', o.maxDdMultiple, 1.3),
            maxCorrelation: num('max-corr', o.maxCorr, 0.4),
            minTrades: num('min-trades', o.minTrades, 200),
          },
        });
        out(gateTable(run.verdict));
        if (o.json)
          writeFileSync(
            o.json,
            `${JSON.stringify({ verdict: run.verdict, portfolio: run.portfolio, split_time: new Date(run.splitTime).toISOString() }, null, 2)}\n`,
          );
        if (o.promote) {
          promote(enableMap, run.verdict, o.promote.split(','), join(config.REPORTS_DIR, 'promotions.jsonl'), Date.now());
          out(
            `\npromoted ${o.candidate} into ${o.promote} in ${config.ENABLE_MAP_PATH} (recorded in ${join(config.REPORTS_DIR, 'promotions.jsonl')})`,
          );
        }
        if (!run.verdict.passed) process.exitCode = 2;
      },
    );
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
