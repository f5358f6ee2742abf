/**
 * Champion / challenger in paper (issue 14). A research candidate with a PASSED verdict becomes a challenger: a
 * second kernel, built by the one factory (buildKernel) as `pipeline` with the candidate's strategy and
 * parameters as the decider, on its own in-memory account, reading the same market source and clock as the
 * champion. After every champion cycle of the house account it runs one cycle of its own on the same symbol,
 * after the champion's and outside it, so it never touches the champion's book, governor or orders.
 *
 * After RESEARCH_CHALLENGER_DAYS of trading-clock time it is judged: promoted when its shadow return lies in the
 * candidate's Monte Carlo band [returnP05, returnP95], its max drawdown is at most maxDrawdownP95 and its return
 * beats the champion's over the same span (both after the same fees and slippage); otherwise retired with the
 * reason. A promotion switches the strategy on in RESEARCH_PROMOTE_REGIMES of the enable map with the researched
 * parameters (the brain uses them from its next cycle) and appends a line to REPORTS_DIR/promotions.jsonl.
 * Challengers live in memory: a restart ends them (the log and promotions.jsonl keep what was decided).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DecisionModel } from '../agents/decision-maker.js';
import { MemoryCycleStore } from '../backtest/memory-cycle-store.js';
import { MemoryGovernorState } from '../backtest/memory-governor-state.js';
import { type AppConfig, isConfigField, withOverrides } from '../config.js';
import type { Clock } from '../domain/clock.js';
import { ConclaveError } from '../domain/errors.js';
import type { MessagePayloads } from '../domain/messages.js';
import { type CycleOutcome, LOCAL_USER_ID } from '../engine/trading-engine.js';
import { buildKernel, type Kernel } from '../kernel.js';
import type { MarketDataSource } from '../market/port.js';
import type { ReplaySource } from '../market/replay-source.js';
import type { EnableMap } from '../strategies/enable-map.js';
import type { EnableMapStore } from '../strategies/enable-map-file.js';
import { checkStrategyParams, createStrategy, isStrategyName, type StrategyName } from '../strategies/registry.js';
import type { Candidate, MonteCarloBand, ParamValue } from './types.js';

export type ChallengerEventType = 'CandidateProposed' | 'ChallengerStarted' | 'StrategyPromoted' | 'StrategyRetired';
export type ChallengerEvent = {
  [T in ChallengerEventType]: { readonly type: T; readonly at: number; readonly payload: MessagePayloads[T] };
}[ChallengerEventType];

export type ChallengerStatus = 'shadow' | 'promoted' | 'retired';

export interface ChallengerView {
  readonly id: string;
  /** The challenger's own paper account (in memory, never the house account). */
  readonly accountId: number;
  readonly campaignId: string;
  readonly strategy: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly status: ChallengerStatus;
  readonly startedAt: number;
  readonly until: number;
  readonly finishedAt: number | null;
  readonly cycles: number;
  readonly fills: number;
  readonly band: MonteCarloBand;
  /** Shadow return and max drawdown so far (fractions). */
  readonly shadowReturn: number;
  readonly shadowMaxDrawdown: number;
  /** The champion's return since this challenger's first cycle; null before it. */
  readonly championReturn: number | null;
  readonly reason: string | null;
}

export interface ChallengerDeskDeps {
  readonly config: AppConfig;
  readonly clock: Clock;
  readonly source: MarketDataSource;
  readonly recording: ReplaySource | null;
  readonly model: () => DecisionModel;
  /** The champion's enable map: a promotion replaces it. */
  readonly enableMap: EnableMapStore;
  /** Where promotions are appended, one JSON object a line (REPORTS_DIR/promotions.jsonl). */
  readonly promotionsPath: string;
  /** Candles each champion cycle reads (its kernel's klineLimit): a promoted strategy needing more would never warm up. */
  readonly championKlineLimit?: number;
  /** Warnings (a challenger cycle that failed); never thrown into the champion's path. */
  readonly warn?: (message: string, fields: Record<string, unknown>) => void;
}

/** Challenger accounts are numbered from here: far from any user id the store hands out. */
const FIRST_ACCOUNT = 1_000_000_000;

interface Challenger {
  readonly id: string;
  readonly accountId: number;
  readonly candidate: Candidate;
  readonly strategy: StrategyName;
  readonly strategyParams: Readonly<Record<string, number>>;
  readonly warmup: number;
  readonly kernel: Kernel;
  readonly startedAt: number;
  readonly until: number;
  status: ChallengerStatus;
  finishedAt: number | null;
  cycles: number;
  fills: number;
  equity: number;
  peak: number;
  maxDrawdown: number;
  championStart: number | null;
  championNow: number | null;
  reason: string | null;
}

export class ChallengerDesk {
  private readonly challengers: Challenger[] = [];
  private readonly listeners = new Set<(e: ChallengerEvent) => void>();
  private queue: Promise<void> = Promise.resolve();
  private seq = 0;

  constructor(private readonly deps: ChallengerDeskDeps) {}

  /** Called with every challenger event (bus messages of research; the API forwards them to /ws). */
  onEvent(listener: (e: ChallengerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts a challenger for a PASSED candidate.
   * @throws ConclaveError VALIDATION_ERROR when the verdict is not PASSED, the strategy is unknown or a parameter
   *   is neither the strategy's own nor a setting of the config table.
   */
  propose(candidate: Candidate): ChallengerView {
    if (candidate.verdict.verdict !== 'PASSED') {
      const failed = candidate.verdict.criteria.filter((c) => !c.passed).map((c) => c.name);
      throw new ConclaveError(
        'VALIDATION_ERROR',
        `only a PASSED candidate can challenge; this one FAILED on ${failed.join(', ') || 'its verdict'}`,
        {
          field: 'verdict',
        },
      );
    }
    if (!isStrategyName(candidate.strategy)) {
      throw new ConclaveError('VALIDATION_ERROR', `unknown strategy "${candidate.strategy}"`, { field: 'strategy' });
    }
    const strategy = candidate.strategy;
    const { strategyParams, settings } = splitParams(candidate.params);
    checkStrategyParams(strategy, strategyParams);
    const config = withOverrides(this.deps.config, { ...settings, PROTOCOL: 'pipeline' });
    const decider = createStrategy(strategy, strategyParams, { model: this.deps.model });
    const kernel = buildKernel(config, {
      source: this.deps.source,
      recording: this.deps.recording,
      clock: this.deps.clock,
      model: this.deps.model,
      cycles: new MemoryCycleStore(),
      riskState: new MemoryGovernorState(),
      loadBook: async () => ({ cash: config.STARTING_CAPITAL, realizedPnl: 0, feesPaid: 0, positions: [] }),
      decider,
    });
    this.seq += 1;
    const now = this.deps.clock.now();
    const c: Challenger = {
      id: `ch-${this.seq}`,
      accountId: FIRST_ACCOUNT + this.seq,
      candidate,
      strategy,
      strategyParams,
      warmup: decider.warmup,
      kernel,
      startedAt: now,
      until: now + this.deps.config.RESEARCH_CHALLENGER_DAYS * 86_400_000,
      status: 'shadow',
      finishedAt: null,
      cycles: 0,
      fills: 0,
      equity: config.STARTING_CAPITAL,
      peak: config.STARTING_CAPITAL,
      maxDrawdown: 0,
      championStart: null,
      championNow: null,
      reason: null,
    };
    this.challengers.push(c);
    this.emit({
      type: 'CandidateProposed',
      at: now,
      payload: { challengerId: c.id, campaignId: candidate.campaignId, strategy, params: candidate.params },
    });
    this.emit({ type: 'ChallengerStarted', at: now, payload: { challengerId: c.id, strategy, accountId: c.accountId, until: c.until } });
    return view(c, config.STARTING_CAPITAL);
  }

  /**
   * Hook for the champion engine's onCycle: queues the shadow cycles of the house account's cycle and returns at
   * once, so the champion's cycle never waits for a challenger.
   */
  readonly onChampionCycle = (outcome: CycleOutcome): void => {
    if (outcome.userId !== LOCAL_USER_ID || !this.challengers.some((c) => c.status === 'shadow')) return;
    const champion = outcome.portfolio.equity;
    this.queue = this.queue.then(() => this.shadow(outcome.symbol, champion));
  };

  /** Resolves when every queued shadow cycle has run (a replay steps only then, so both see the same candle). */
  idle(): Promise<void> {
    return this.queue;
  }

  list(): ChallengerView[] {
    return this.challengers.map((c) => view(c, this.startingCapital()));
  }

  private startingCapital(): number {
    return this.deps.config.STARTING_CAPITAL;
  }

  private async shadow(symbol: string, championEquity: number): Promise<void> {
    for (const c of this.challengers) {
      if (c.status !== 'shadow') continue;
      c.championStart ??= championEquity;
      c.championNow = championEquity;
      try {
        const o = await c.kernel.engine.runCycle(symbol, { userId: c.accountId });
        c.cycles += 1;
        c.fills += o.fills.length;
        c.equity = o.portfolio.equity;
        c.peak = Math.max(c.peak, c.equity);
        c.maxDrawdown = Math.max(c.maxDrawdown, c.peak > 0 ? 1 - c.equity / c.peak : 0);
      } catch (error) {
        this.deps.warn?.('challenger cycle failed', { challenger: c.id, symbol, err: (error as Error).message });
      }
      if (this.deps.clock.now() >= c.until) this.judge(c);
    }
  }

  private judge(c: Challenger): void {
    const start = this.startingCapital();
    const shadowReturn = c.equity / start - 1;
    const championReturn = c.championStart && c.championNow ? c.championNow / c.championStart - 1 : 0;
    const band = c.candidate.monteCarloBand;
    const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
    const limit = this.deps.championKlineLimit;
    const reason =
      c.cycles === 0
        ? 'no shadow cycle completed'
        : limit !== undefined && c.warmup >= limit
          ? `its warm-up of ${c.warmup} candles does not fit the ${limit} candles a champion cycle reads (KLINE_LIMIT): promoted, it would never trade`
          : shadowReturn < band.returnP05
            ? `shadow return ${pct(shadowReturn)} is below the Monte Carlo 5th percentile ${pct(band.returnP05)}`
            : shadowReturn > band.returnP95
              ? `shadow return ${pct(shadowReturn)} is above the Monte Carlo 95th percentile ${pct(band.returnP95)}: unlike its research`
              : c.maxDrawdown > band.maxDrawdownP95
                ? `shadow max drawdown ${pct(c.maxDrawdown)} exceeds the Monte Carlo 95th percentile ${pct(band.maxDrawdownP95)}`
                : shadowReturn <= championReturn
                  ? `shadow return ${pct(shadowReturn)} does not beat the champion's ${pct(championReturn)} after costs`
                  : null;
    const at = this.deps.clock.now();
    c.finishedAt = at;
    if (reason !== null) {
      c.status = 'retired';
      c.reason = reason;
      this.emit({ type: 'StrategyRetired', at, payload: { challengerId: c.id, strategy: c.strategy, reason } });
      return;
    }
    const regimes = [...this.deps.config.RESEARCH_PROMOTE_REGIMES];
    const before = this.deps.enableMap.current();
    this.deps.enableMap.replace(promoted(before, c.strategy, c.strategyParams, regimes));
    c.status = 'promoted';
    c.reason = `shadow return ${pct(shadowReturn)} beat the champion's ${pct(championReturn)} inside the Monte Carlo band`;
    const line = {
      at: new Date(at).toISOString(),
      challenger_id: c.id,
      campaign_id: c.candidate.campaignId,
      strategy: c.strategy,
      params: c.candidate.params,
      regimes,
      shadow: {
        started_at: new Date(c.startedAt).toISOString(),
        cycles: c.cycles,
        fills: c.fills,
        return: shadowReturn,
        max_drawdown: c.maxDrawdown,
      },
      champion_return: championReturn,
      monte_carlo_band: band,
      research: c.candidate.research,
    };
    mkdirSync(dirname(this.deps.promotionsPath), { recursive: true });
    appendFileSync(this.deps.promotionsPath, `${JSON.stringify(line)}\n`);
    this.emit({
      type: 'StrategyPromoted',
      at,
      payload: { challengerId: c.id, strategy: c.strategy, params: c.strategyParams, regimes, shadowReturn, championReturn },
    });
  }

  private emit(e: ChallengerEvent): void {
    for (const listener of this.listeners) listener(e);
  }
}

/** The strategy's own (lower-case) parameters go to the strategy; setting names (ATR_STOP_MULT...) to its config. */
function splitParams(params: Readonly<Record<string, ParamValue>>): {
  strategyParams: Record<string, number>;
  settings: Record<string, string | number | boolean>;
} {
  const strategyParams: Record<string, number> = {};
  const settings: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(params)) {
    if (isConfigField(key)) settings[key] = value;
    else if (typeof value === 'number') strategyParams[key] = value;
    else
      throw new ConclaveError('VALIDATION_ERROR', `params.${key}: a strategy parameter must be a number, got ${JSON.stringify(value)}`, {
        field: `params.${key}`,
      });
  }
  return { strategyParams, settings };
}

/** The enable map with `strategy` switched on in `regimes` and running with `params`. */
export function promoted(
  map: EnableMap,
  strategy: StrategyName,
  params: Readonly<Record<string, number>>,
  regimes: readonly string[],
): EnableMap {
  const next = Object.fromEntries(
    Object.entries(map.regimes).map(([regime, list]) => [
      regime,
      regimes.includes(regime) && !list.includes(strategy) ? [...list, strategy] : list,
    ]),
  ) as unknown as EnableMap['regimes'];
  return { cooldownBars: map.cooldownBars, regimes: next, params: { ...map.params, [strategy]: { ...params } } };
}

function view(c: Challenger, start: number): ChallengerView {
  return {
    id: c.id,
    accountId: c.accountId,
    campaignId: c.candidate.campaignId,
    strategy: c.strategy,
    params: c.candidate.params,
    status: c.status,
    startedAt: c.startedAt,
    until: c.until,
    finishedAt: c.finishedAt,
    cycles: c.cycles,
    fills: c.fills,
    band: c.candidate.monteCarloBand,
    shadowReturn: c.equity / start - 1,
    shadowMaxDrawdown: c.maxDrawdown,
    championReturn: c.championStart && c.championNow ? c.championNow / c.championStart - 1 : null,
    reason: c.reason,
  };
}
