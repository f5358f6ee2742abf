import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConclaveError } from '../domain/errors.js';
import { REGIMES, type Regime } from '../domain/regime.js';
import { researchThreads, runParallel } from '../research/thread-pool.js';
import type { EnableMapStore } from '../strategies/enable-map-file.js';
import { isStrategyName, type StrategyName } from '../strategies/registry.js';
import type { GateMember } from './gate-member.js';
import { DEFAULT_GATE, evaluateGate, type GateThresholds, type GateVerdict } from './gates.js';
import { barReturns, computeMetrics, correlation } from './metrics.js';
import type { BacktestResult } from './runner.js';
import { type BacktestRequest, runStrategyBacktest } from './service.js';
import type { RoundTrip } from './trades.js';

/** `from`/`to` bound every run of the gate (candidate and portfolio) to the same candles. */
export interface GateRequest extends Omit<BacktestRequest, 'strategy'> {
  readonly candidate: string;
  /** Strategies already in the portfolio (default: every strategy of the enable map but the candidate). */
  readonly portfolio: readonly string[];
  /** Share of the traded period that is in-sample; trades closed after it are out-of-sample. */
  readonly inSampleFraction: number;
  readonly thresholds?: GateThresholds;
}

export interface GateRun {
  readonly verdict: GateVerdict;
  readonly candidate: BacktestResult;
  readonly portfolio: readonly { readonly strategy: string; readonly maxDrawdown: number; readonly trades: number }[];
  /** Open time splitting in-sample from out-of-sample. */
  readonly splitTime: number;
}

/**
 * Backtests the candidate and every portfolio strategy over the same candles (one engine run each), splits
 * the candidate's round trips at `inSampleFraction` of the traded period, and applies the gate: PF in and
 * out of sample, MaxDD against the portfolio's average, correlation of per-bar returns with the equal-weight
 * portfolio, and the trade count after fees.
 * @throws ConclaveError VALIDATION_ERROR for unknown strategies or a fraction outside (0, 1).
 */
export async function runGate(req: GateRequest): Promise<GateRun> {
  if (!(req.inSampleFraction > 0 && req.inSampleFraction < 1)) {
    throw new ConclaveError('VALIDATION_ERROR', `in-sample fraction must be in (0, 1), got ${req.inSampleFraction}`, { field: 'split' });
  }
  for (const s of [req.candidate, ...req.portfolio]) {
    if (!isStrategyName(s)) throw new ConclaveError('VALIDATION_ERROR', `unknown strategy "${s}"`, { field: 'strategy' });
  }
  const others = req.portfolio.filter((s) => s !== req.candidate);
  const threads = researchThreads(req.config.RESEARCH_THREADS);
  // Members run on worker threads beside the candidate unless the request holds live objects a thread cannot take.
  const parallel = threads > 1 && others.length > 0 && req.enableMap === undefined && req.model === undefined;
  // One progress scale over all runs: every run covers the same candles, so each is an equal share.
  const runs = 1 + others.length;
  let runIndex = 0;
  const run = async (strategy: string) => {
    const index = runIndex++;
    const onProgress = req.onProgress && ((d: number, t: number) => req.onProgress?.(index * t + d, runs * t));
    return (await runStrategyBacktest({ ...req, strategy, onProgress })).result;
  };
  const { onProgress: _p, enableMap: _e, model: _m, candidate: _c, portfolio: _f, inSampleFraction: _s, thresholds: _t, ...plain } = req;
  const membersOnWorkers = parallel
    ? runParallel(
        'gate-member',
        others.map((strategy) => ({ ...plain, strategy })),
        threads,
      )
    : null;
  // A failed candidate must not leave the members' promise rejecting unobserved.
  membersOnWorkers?.catch(() => {});
  const candidate = await run(req.candidate);
  const splitTime = candidate.from + (candidate.to - candidate.from) * req.inSampleFraction;
  const inSample = candidate.trades.filter((t) => t.exitTime < splitTime);
  const outOfSample = candidate.trades.filter((t) => t.exitTime >= splitTime);
  const pf = (trades: readonly RoundTrip[]) =>
    computeMetrics({ equity: [], trades, fills: [], barMs: 1, startingCapital: req.config.STARTING_CAPITAL }).profit_factor;

  const members: GateMember[] = [];
  if (membersOnWorkers) {
    members.push(...(await membersOnWorkers));
    req.onProgress?.(runs, runs);
  } else {
    for (const s of others) {
      const r = await run(s);
      members.push({ strategy: r.strategy, maxDrawdown: r.metrics.max_drawdown, trades: r.metrics.n_trades, equity: r.equity });
    }
  }
  const avgDd = members.length > 0 ? members.reduce((a, m) => a + m.maxDrawdown, 0) / members.length : null;

  // Equal-weight portfolio return per bar on the times every member and the candidate traded.
  let corr: number | null = null;
  if (members.length > 0) {
    const series = members.map((m) => {
      const r = barReturns(m.equity, req.config.STARTING_CAPITAL);
      return new Map(m.equity.map((e, i) => [e.time, r[i]]));
    });
    const mine = barReturns(candidate.equity, req.config.STARTING_CAPITAL);
    const a: number[] = [];
    const b: number[] = [];
    candidate.equity.forEach((e, i) => {
      let sum = 0;
      for (const s of series) {
        const r = s.get(e.time);
        if (r === undefined) return;
        sum += r;
      }
      a.push(mine[i]);
      b.push(sum / series.length);
    });
    corr = correlation(a, b);
  }
  const verdict = evaluateGate(
    {
      candidate: req.candidate,
      profitFactorInSample: pf(inSample),
      profitFactorOutOfSample: pf(outOfSample),
      tradesInSample: inSample.length,
      tradesOutOfSample: outOfSample.length,
      maxDrawdown: candidate.metrics.max_drawdown,
      portfolioAvgMaxDrawdown: avgDd,
      correlation: corr,
      trades: candidate.trades.length,
    },
    req.thresholds ?? DEFAULT_GATE,
  );
  return {
    verdict,
    candidate,
    portfolio: members.map((m) => ({ strategy: m.strategy, maxDrawdown: m.maxDrawdown, trades: m.trades })),
    splitTime,
  };
}

/** Strategies enabled in any regime of the map. */
export function enabledStrategies(store: EnableMapStore): StrategyName[] {
  const map = store.current();
  return [...new Set(REGIMES.flatMap((r) => map.regimes[r]))];
}

/**
 * Adds a candidate that passed the gate to the enable map in `regimes` and appends the decision (verdict
 * included) to the promotions log, so every promotion can be traced.
 * @throws ConclaveError VALIDATION_ERROR when the verdict did not pass or a regime is unknown.
 */
export function promote(store: EnableMapStore, verdict: GateVerdict, regimes: readonly string[], logPath: string, now: number): void {
  if (!verdict.passed) {
    const failed = verdict.criteria.filter((c) => !c.passed).map((c) => c.name);
    throw new ConclaveError('VALIDATION_ERROR', `${verdict.candidate} did not pass the gate (${failed.join(', ')}); not promoted`);
  }
  if (!isStrategyName(verdict.candidate)) throw new ConclaveError('VALIDATION_ERROR', `unknown strategy "${verdict.candidate}"`);
  const map = store.current();
  const next = { ...map.regimes } as Record<Regime, StrategyName[]>;
  for (const r of regimes) {
    if (!(REGIMES as readonly string[]).includes(r)) {
      throw new ConclaveError('VALIDATION_ERROR', `unknown regime "${r}": expected ${REGIMES.join(', ')}`, { field: 'regime' });
    }
    const reg = r as Regime;
    if (!next[reg].includes(verdict.candidate)) next[reg] = [...next[reg], verdict.candidate];
  }
  // Keep the rest of the map (strategy_params a research promotion set): the gate only adds a strategy.
  store.replace({ ...map, regimes: next });
  mkdirSync(dirname(logPath), { recursive: true });
  appendFileSync(logPath, `${JSON.stringify({ time: new Date(now).toISOString(), candidate: verdict.candidate, regimes, verdict })}\n`);
}
