import { YEAR_MS } from '../backtest/metrics.js';
import { type MonteCarloResult, monteCarlo } from '../backtest/monte-carlo.js';
import { type LoadedSeries, loadSeries } from '../backtest/service.js';
import type { RoundTrip } from '../backtest/trades.js';
import { type AppConfig, withOverrides } from '../config.js';
import { type Candle, type Interval, intervalMs } from '../domain/candle.js';
import { ConclaveError, isConclaveError } from '../domain/errors.js';
import { isStrategyName } from '../strategies/registry.js';
import { campaignSpace, type ParamSet, type SearchSpace } from '../strategies/search-space.js';
import { type CampaignTrialInput, type CampaignTrialOutput, runCampaignTrial } from './campaign-trial.js';
import { type DsrResult, deflatedSharpeRatio, sharpeVariance } from './deflated-sharpe.js';
import { DEFAULT_PBO_PARTITIONS, probabilityOfBacktestOverfitting } from './pbo.js';
import { type Objective, objectiveValue, performanceStats, tradesIn } from './performance.js';
import { createSampler, MedianPruner, type SearchMethod } from './search/index.js';
import { ResearchPool, researchThreads, runParallel } from './thread-pool.js';
import { type TrialContext, type TrialRun, TrialStopped, trialContext } from './trial.js';
import type { PerformanceStats, TrialResult, Verdict } from './types.js';
import { type ResearchThresholds, researchThresholds, researchVerdict } from './verdict.js';
import { type WfoWindow, wfoWindows } from './windows.js';

/** What a campaign searches, over which candles, and how it scores. */
export interface CampaignSpec {
  /** Kline CSV files (SYMBOL_INTERVAL.csv[.gz]) or candles already loaded, one series per symbol. */
  readonly data?: readonly string[];
  readonly series?: readonly { symbol: string; interval: Interval; candles: readonly Candle[] }[];
  /** The run's settings (config table with flags applied); PROTOCOL picks the protocol every trial runs. */
  readonly config: AppConfig;
  /** pipeline: the strategy whose parameters are searched (required); brain/consensus: none (risk only). */
  readonly strategy?: string;
  /** Risk settings searched too (RISK_SPACE names). */
  readonly risk?: readonly string[];
  /** A narrower space than the declared one (same parameter names); default the declared space. */
  readonly space?: SearchSpace;
  readonly search: SearchMethod;
  /** Parameter sets to try (failed and pruned ones included). */
  readonly trials: number;
  readonly objective: Objective;
  /** Walk-forward windows (1 = one in-sample / out-of-sample split). */
  readonly windows: number;
  readonly seed: number;
  /** Training bars per test bar in each window (default 3). */
  readonly trainRatio?: number;
  /** Stop hopeless trials early (median rule, search/pruner.ts); default true. */
  readonly prune?: boolean;
  /** Verdict thresholds; default the seed's gate with RESEARCH_DSR_CONFIDENCE and RESEARCH_MAX_PBO. */
  readonly thresholds?: ResearchThresholds;
}

export interface CampaignProgress {
  readonly stage: 'trials' | 'walk-forward' | 'statistics';
  readonly done: number;
  readonly total: number;
  readonly pruned: number;
  readonly failed: number;
  /** Best search score so far (mean objective over the training windows). */
  readonly best: number | null;
  /** stage trials: how the trial just finished ended. */
  readonly trial?: TrialResult['status'];
}

/** One trial with its search score (mean objective over the training windows; null when failed or pruned). */
export interface CampaignTrial extends TrialResult {
  readonly score: number | null;
  /** Objective on each window's training span (empty unless ok). */
  readonly windowScores: readonly number[];
}

export interface CampaignWindow extends WfoWindow {
  readonly trainFromTime: number;
  readonly trainToTime: number;
  readonly testFromTime: number;
  readonly testToTime: number;
  /** The trial whose parameters scored best on the training span, and what it scored there. */
  readonly trialId: number;
  readonly params: ParamSet;
  readonly inSample: PerformanceStats;
  /** Those parameters traded on the test span by a fresh kernel run (stitched into the OOS curve). */
  readonly outOfSample: PerformanceStats;
}

export interface ParamStability {
  readonly name: string;
  /** The chosen value in each window, oldest first. */
  readonly values: readonly (number | string | boolean)[];
  /** Numeric: sd across windows over the parameter's range (0 = always the same value; ~0.29 = uniform noise). */
  readonly spread: number | null;
  /** Share of windows that chose the most common value. */
  readonly modalShare: number;
}

export interface CampaignResult {
  readonly strategy: string;
  readonly protocol: AppConfig['PROTOCOL'];
  readonly symbols: readonly string[];
  readonly interval: Interval;
  readonly search: SearchMethod;
  readonly objective: Objective;
  readonly seed: number;
  readonly space: SearchSpace;
  /** Close times of the first and last traded bar. */
  readonly from: number;
  readonly to: number;
  readonly bars: number;
  readonly trials: readonly CampaignTrial[];
  readonly tried: number;
  readonly pruned: number;
  readonly failed: number;
  readonly windows: readonly CampaignWindow[];
  readonly oos: {
    readonly stats: PerformanceStats;
    readonly equity: readonly { time: number; equity: number }[];
    readonly trades: readonly RoundTrip[];
  };
  readonly stability: readonly ParamStability[];
  /** The parameters chosen on the newest training window: what would trade next. */
  readonly candidate: { readonly trialId: number; readonly params: ParamSet; readonly inSample: PerformanceStats };
  /** Best per-period in-sample Sharpe of any trial on the newest training window, and annualised. */
  readonly bestInSampleSharpe: number;
  readonly bestInSampleSharpeAnnualised: number;
  readonly dsr: (DsrResult & { readonly trials: number; readonly sharpeVariance: number; readonly observations: number }) | null;
  readonly pbo: { readonly pbo: number; readonly combinations: number; readonly partitions: number; readonly trials: number } | null;
  readonly monteCarlo: MonteCarloResult | null;
  readonly verdict: Verdict;
  readonly elapsedMs: number;
}

const CHECKPOINTS = [0.25, 0.5, 0.75] as const;
/**
 * Trials proposed and run together (on RESEARCH_THREADS worker threads). Fixed, not the thread count, so that
 * every setting gives the same trials: larger batches keep more threads busy, smaller ones let the search and
 * the pruner learn sooner.
 */
export const CAMPAIGN_BATCH = 8;
const MONTE_CARLO_RUNS = 1000;
/** Trials below this quantile of the finished ones at a checkpoint are pruned (the bottom quartile). */
const PRUNE_QUANTILE = 0.25;

/**
 * A research campaign: `trials` parameter sets proposed by the search method, each traded once over the whole
 * range through the kernel paper trading runs (trial.ts runTrial: buildKernel with the configured protocol and
 * its governor), scored on every walk-forward training window. Walk-forward optimisation: on each window the
 * best set on its training span trades the next test span in a fresh kernel run; the test spans are stitched
 * into the out-of-sample curve. The overfitting control of every campaign: trials tried (failed and pruned
 * included), the deflated Sharpe of the candidate (the set chosen on the newest window) given that number and
 * the trials' Sharpe variance on the same window, PBO by CSCV over the completed trials' return series,
 * Monte Carlo of the out-of-sample trades and the seed's gate, folded into one verdict.
 *
 * Trials run in batches of CAMPAIGN_BATCH on the research threads (pipeline campaigns; brain and consensus
 * ones in this thread): the sampler proposes a whole batch from the trials before it, a trial is pruned against
 * thresholds fixed before its batch, and the sampler and pruner learn from the batch in trial order. So the
 * result is the same for a seed whatever RESEARCH_THREADS is; a cancel takes effect between trials in this
 * thread and at the end of the running batch on worker threads.
 * @throws ConclaveError VALIDATION_ERROR (bad spec), INSUFFICIENT_DATA (too few bars), CONFLICT when cancelled.
 */
export async function runCampaign(
  spec: CampaignSpec,
  onProgress: (p: CampaignProgress) => void = () => {},
  signal?: AbortSignal,
): Promise<CampaignResult> {
  const started = performance.now();
  checkSpec(spec);
  const loaded: LoadedSeries[] = loadSeries(spec);
  const interval = loaded[0].interval;
  const config = withOverrides(spec.config, { KLINE_INTERVAL: interval });
  const strategy = config.PROTOCOL === 'pipeline' ? (spec.strategy as string) : null;
  const space = spec.space ?? (strategy === null ? riskOnly(spec.risk ?? []) : campaignSpace(strategy, spec.risk ?? []));
  const ctx = trialContext(loaded, config, strategy);
  const barMs = intervalMs(interval);
  const perYear = YEAR_MS / barMs;
  const times = tradedTimes(loaded, ctx.lead);
  const bars = times.length;
  const windows = wfoWindows(bars, spec.windows, spec.trainRatio ?? 3);
  const sampler = createSampler(spec.search, space, spec.trials, spec.seed);
  const pruner = new MedianPruner(5, PRUNE_QUANTILE);
  const prune = spec.prune ?? true;
  const checkpoints = CHECKPOINTS.map((f) => Math.floor(f * bars));
  const pruneObjective: Objective = spec.objective === 'profit-factor' ? 'sharpe' : spec.objective;
  const cancelled = () => signal?.aborted === true;

  const trials: CampaignTrial[] = [];
  const runs = new Map<number, { run: TrialRun; windowStats: PerformanceStats[] }>();
  let pruned = 0;
  let failed = 0;
  let best: number | null = null;
  // A trained model does not cross threads: brain/consensus campaigns run their trials in this thread.
  const threads = ctx.model === null ? researchThreads(config.RESEARCH_THREADS) : 1;
  const shared = { series: ctx.series, config: ctx.config, strategy: ctx.strategy, lead: ctx.lead };
  // Workers live for the whole search: starting them per batch would cost more than many trials.
  const pool = threads > 1 ? new ResearchPool(threads) : null;
  try {
    let id = 0;
    while (id < spec.trials) {
      if (cancelled()) throw cancelError();
      // The batch rule: CAMPAIGN_BATCH sets are proposed from the history before the batch, and each trial's
      // pruning thresholds are fixed before it, so the result does not depend on the thread count.
      const batch: ParamSet[] = [];
      while (batch.length < CAMPAIGN_BATCH && id + batch.length < spec.trials) {
        const params = sampler.next();
        if (!params) break;
        batch.push(params);
      }
      if (batch.length === 0) break;
      const pruneBelow = checkpoints.map((_, k) => (prune ? pruner.threshold(k) : null));
      const common = { checkpoints, pruneBelow, pruneObjective, perYear, bars };
      const first = id;
      const outputs =
        pool !== null
          ? await pool.run(
              'campaign-trial',
              batch.map((params) => ({ ...common, ctx: shared, params })),
            )
          : await inThread(
              ctx,
              batch.map((params) => ({ ...common, params })),
              cancelled,
            );
      for (const [j, out] of outputs.entries()) {
        const params = batch[j];
        const trialId = first + j;
        if (out.status === 'ok') {
          pruner.record(new Map(out.seen));
          const run: TrialRun = { returns: out.returns, times: out.times, trades: out.trades };
          const windowStats = windows.map((w) => windowPerformance(run, w.trainFrom, w.trainTo, perYear));
          const windowScores = windowStats.map((x) => objectiveValue(x, spec.objective));
          const score = windowScores.reduce((a, b) => a + b, 0) / windowScores.length;
          const last = windows[windows.length - 1];
          runs.set(trialId, { run, windowStats });
          trials.push({
            id: trialId,
            params,
            status: 'ok',
            inSample: windowStats[windowStats.length - 1],
            outOfSample: windowPerformance(run, last.testFrom, last.testTo, perYear),
            returns: run.returns,
            score,
            windowScores,
          });
          sampler.tell(params, score);
          if (best === null || score > best) best = score;
        } else {
          if (out.status === 'pruned') pruned++;
          else failed++;
          trials.push({
            id: trialId,
            params,
            status: out.status,
            error: out.status === 'failed' ? out.error : undefined,
            inSample: null,
            outOfSample: null,
            returns: new Float64Array(0),
            score: null,
            windowScores: [],
          });
          sampler.tell(params, null);
        }
        onProgress({ stage: 'trials', done: trialId + 1, total: spec.trials, pruned, failed, best, trial: out.status });
      }
      id += batch.length;
    }
  } finally {
    await pool?.close();
  }
  const ok = trials.filter((t) => t.status === 'ok');
  if (ok.length === 0) {
    throw new ConclaveError(
      'VALIDATION_ERROR',
      `no trial of ${trials.length} completed (${failed} failed, ${pruned} pruned): nothing to select`,
      {
        field: 'trials',
      },
    );
  }

  // Walk-forward: the best set on each training span trades the next test span in a fresh kernel run.
  const wf: CampaignWindow[] = [];
  const oosReturns = new Float64Array(bars - windows[0].testFrom);
  const oosTrades: RoundTrip[] = [];
  const chosenPer = windows.map((_, k) => {
    let chosen = ok[0];
    for (const t of ok) if (t.windowScores[k] > chosen.windowScores[k]) chosen = t;
    return chosen;
  });
  // The test runs are independent: on the worker threads too, so a server's thread stays free.
  const tests = windows.map((w, k) => ({
    params: chosenPer[k].params,
    checkpoints: [],
    pruneBelow: [],
    pruneObjective,
    perYear,
    bars: w.testTo - w.testFrom,
    fromTime: times[w.testFrom],
    toTime: times[w.testTo - 1],
  }));
  const testRuns =
    threads > 1
      ? await runParallel(
          'campaign-trial',
          tests.map((t) => ({ ...t, ctx: shared })),
          threads,
        )
      : await inThread(ctx, tests, cancelled);
  if (cancelled()) throw cancelError();
  for (const [k, w] of windows.entries()) {
    const chosen = chosenPer[k];
    const test = testRuns[k];
    if (test.status !== 'ok')
      throw new Error(`window ${k}: the test run ${test.status === 'failed' ? `failed: ${test.error}` : 'stopped'}`);
    oosReturns.set(test.returns, w.testFrom - windows[0].testFrom);
    oosTrades.push(...test.trades);
    wf.push({
      ...w,
      trainFromTime: times[w.trainFrom],
      trainToTime: times[w.trainTo - 1],
      testFromTime: times[w.testFrom],
      testToTime: times[w.testTo - 1],
      trialId: chosen.id,
      params: chosen.params,
      inSample: runs.get(chosen.id)!.windowStats[k],
      outOfSample: performanceStats(test.returns, test.trades, perYear),
    });
    onProgress({ stage: 'walk-forward', done: k + 1, total: windows.length, pruned, failed, best });
  }
  onProgress({ stage: 'statistics', done: 0, total: 1, pruned, failed, best });
  const oosStats = performanceStats(oosReturns, oosTrades, perYear);
  const oosEquity: { time: number; equity: number }[] = [];
  let growth = config.STARTING_CAPITAL;
  for (let i = 0; i < oosReturns.length; i++) {
    growth *= 1 + oosReturns[i];
    oosEquity.push({ time: times[windows[0].testFrom + i], equity: growth });
  }

  const lastWindow = wf[wf.length - 1];
  const lastK = windows.length - 1;
  const sharpes = ok.map((t) => runs.get(t.id)!.windowStats[lastK].sharpe);
  const bestSharpe = Math.max(...sharpes);
  const dsr = deflated(lastWindow.inSample, trials.length, sharpes);
  const pbo = overfitting(ok.map((t) => t.returns));
  const monteCarloResult =
    oosTrades.length > 0
      ? monteCarlo(
          oosTrades.map((t) => t.returnOnEquity),
          { method: 'bootstrap', runs: MONTE_CARLO_RUNS, seed: spec.seed },
        )
      : null;
  const candidateIs = lastWindow.inSample;
  const verdict = researchVerdict(
    {
      gate: {
        candidate: `${strategy ?? config.PROTOCOL} ${JSON.stringify(lastWindow.params)}`,
        profitFactorInSample: candidateIs.profitFactor,
        profitFactorOutOfSample: oosStats.profitFactor,
        tradesInSample: candidateIs.trades,
        tradesOutOfSample: oosStats.trades,
        maxDrawdown: oosStats.maxDrawdown,
        // A campaign judges one strategy on its own: no portfolio to compare drawdown and correlation with.
        portfolioAvgMaxDrawdown: null,
        correlation: null,
        trades: candidateIs.trades + oosStats.trades,
      },
      dsr: dsr?.dsr ?? null,
      pbo: pbo?.pbo ?? null,
      dsrNote: dsr ? undefined : 'not computable (fewer than 2 bars in the window, or a degenerate return distribution)',
      pboNote: pbo ? undefined : `needs at least 2 completed trials (${ok.length} completed)`,
    },
    spec.thresholds ?? researchThresholds(config),
  );
  onProgress({ stage: 'statistics', done: 1, total: 1, pruned, failed, best });
  return {
    strategy: strategy ?? config.PROTOCOL,
    protocol: config.PROTOCOL,
    symbols: loaded.map((s) => s.symbol),
    interval,
    search: spec.search,
    objective: spec.objective,
    seed: spec.seed,
    space,
    from: times[0],
    to: times[bars - 1],
    bars,
    trials,
    tried: trials.length,
    pruned,
    failed,
    windows: wf,
    oos: { stats: oosStats, equity: oosEquity, trades: oosTrades },
    stability: stability(space, wf),
    candidate: { trialId: lastWindow.trialId, params: lastWindow.params, inSample: lastWindow.inSample },
    bestInSampleSharpe: bestSharpe,
    bestInSampleSharpeAnnualised: bestSharpe * Math.sqrt(perYear),
    dsr,
    pbo,
    monteCarlo: monteCarloResult,
    verdict,
    elapsedMs: performance.now() - started,
  };
}

/** A batch in this thread, yielding between trials so requests (and a cancel) get in. */
async function inThread(
  ctx: TrialContext,
  inputs: readonly Omit<CampaignTrialInput, 'ctx'>[],
  cancelled: () => boolean,
): Promise<CampaignTrialOutput[]> {
  const out: CampaignTrialOutput[] = [];
  for (const input of inputs) {
    if (cancelled()) throw cancelError();
    try {
      out.push(await runCampaignTrial(ctx, input, cancelled));
    } catch (e) {
      if (e instanceof TrialStopped) throw cancelError();
      throw e;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}

function cancelError(): ConclaveError {
  return new ConclaveError('CONFLICT', 'campaign cancelled', { reason: 'cancelled' });
}

/**
 * Checks a campaign's request before anything runs (the API answers 422 before queueing it).
 * @throws ConclaveError VALIDATION_ERROR naming the field.
 */
export function checkSpec(spec: CampaignSpec): void {
  const bad = (field: string, message: string) => new ConclaveError('VALIDATION_ERROR', message, { field });
  if (!Number.isInteger(spec.trials) || spec.trials < 1 || spec.trials > 100_000)
    throw bad('trials', `trials must be a whole number from 1 to 100000, got ${spec.trials}`);
  if (!Number.isInteger(spec.windows) || spec.windows < 1 || spec.windows > 100)
    throw bad('windows', `windows must be a whole number from 1 to 100, got ${spec.windows}`);
  if (!Number.isInteger(spec.seed)) throw bad('seed', `seed must be a whole number, got ${spec.seed}`);
  if (spec.config.PROTOCOL === 'pipeline') {
    if (spec.strategy === undefined)
      throw bad(
        'strategy',
        'a pipeline campaign searches one strategy: give --strategy (sma-cross, breakout, mean-reversion, ml-classifier)',
      );
    if (!isStrategyName(spec.strategy)) throw bad('strategy', `unknown strategy "${spec.strategy}"`);
    campaignSpace(spec.strategy, spec.risk ?? []);
  } else {
    if (spec.strategy !== undefined) {
      throw bad(
        'strategy',
        `${spec.config.PROTOCOL} picks its own strategies; a ${spec.config.PROTOCOL} campaign searches risk settings (--risk), not --strategy`,
      );
    }
    if ((spec.risk ?? []).length === 0)
      throw bad('risk', `a ${spec.config.PROTOCOL} campaign searches risk settings: name them with --risk`);
  }
}

function riskOnly(risk: readonly string[]): SearchSpace {
  const s = campaignSpace('sma-cross', risk);
  return { params: Object.fromEntries(Object.entries(s.params).filter(([k]) => risk.includes(k))) };
}

/** Close times of the bars every trial trades: the union over the series from the first series' lead bar. */
function tradedTimes(series: readonly LoadedSeries[], lead: number): Float64Array {
  const start = series[0].cols.closeTime[lead];
  const all = new Set<number>();
  for (const s of series) for (const t of s.cols.closeTime) if (t >= start) all.add(t);
  return Float64Array.from([...all].sort((a, b) => a - b));
}

function windowPerformance(run: TrialRun, from: number, to: number, perYear: number): PerformanceStats {
  return performanceStats(run.returns.subarray(from, to), tradesIn(run.trades, run.times[from], run.times[to - 1] + 1), perYear);
}

function deflated(candidate: PerformanceStats, tried: number, sharpes: readonly number[]): CampaignResult['dsr'] {
  const variance = sharpeVariance(sharpes);
  try {
    const r = deflatedSharpeRatio({
      sharpe: candidate.sharpe,
      trials: tried,
      sharpeVariance: variance,
      observations: candidate.periods,
      skewness: candidate.skewness,
      kurtosis: candidate.kurtosis,
    });
    return { ...r, trials: tried, sharpeVariance: variance, observations: candidate.periods };
  } catch (e) {
    if (isConclaveError(e)) return null;
    throw e;
  }
}

/** PBO over the completed trials with the most partitions (<= 16, even) that leave each block two bars. */
function overfitting(matrix: readonly Float64Array[]): CampaignResult['pbo'] {
  if (matrix.length < 2) return null;
  let s = DEFAULT_PBO_PARTITIONS;
  while (s > 2 && matrix[0].length < 2 * s) s -= 2;
  try {
    const r = probabilityOfBacktestOverfitting(matrix, s, 'sharpe');
    return { pbo: r.pbo, combinations: r.combinations, partitions: s, trials: matrix.length };
  } catch (e) {
    if (isConclaveError(e)) return null;
    throw e;
  }
}

function stability(space: SearchSpace, wf: readonly CampaignWindow[]): ParamStability[] {
  return Object.entries(space.params).map(([name, spec]) => {
    const values = wf.map((w) => w.params[name]);
    const counts = new Map<string, number>();
    for (const v of values) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
    const modalShare = Math.max(...counts.values()) / values.length;
    let spread: number | null = null;
    if (spec.type !== 'choice') {
      const xs = values.map(Number);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
      spread = spec.max > spec.min ? sd / (spec.max - spec.min) : 0;
    }
    return { name, values, spread, modalShare };
  });
}
