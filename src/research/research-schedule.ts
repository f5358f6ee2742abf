import type { AppConfig } from '../config.js';
import { withOverrides } from '../config.js';
import { type Candle, type Interval, intervalMs } from '../domain/candle.js';
import { durationMs } from '../domain/duration.js';
import type { CampaignResult } from './campaign.js';
import type { CampaignRecord, CampaignService } from './campaign-service.js';
import { campaignCandidate } from './candidate.js';
import type { Candidate } from './types.js';

/** RESEARCH_SCHEDULE (`12h`, `1d`, `90m`, validated by the config) in ms; null when empty (the agent is off). */
export function researchEveryMs(schedule: string): number | null {
  return schedule ? durationMs(schedule) : null;
}

export interface ResearchScheduleDeps {
  readonly config: AppConfig;
  readonly campaigns: Pick<CampaignService, 'start' | 'idle'>;
  readonly candles: {
    latestOpenTime(venue: string, symbol: string, interval: string): Promise<number | null>;
    range(venue: string, symbol: string, interval: string, from: number, to: number): Promise<Candle[]>;
  };
  /** The symbols the user trades now (the scheduler's list). */
  readonly symbols: () => Promise<readonly string[]>;
  /** Where a symbol's candles are stored (the venue that serves it). */
  readonly venueOf: (symbol: string) => string;
  readonly challengers: { propose(candidate: Candidate): unknown };
  /** The account the campaigns run for (their owner in GET /api/research/campaigns). */
  readonly userId: number;
  readonly now: () => number;
  readonly log: {
    info(fields: Record<string, unknown>, message: string): void;
    warn(fields: Record<string, unknown>, message: string): void;
  };
}

/** What one scheduled round did per symbol. */
export type ResearchRoundEntry =
  | { readonly symbol: string; readonly started: string }
  | { readonly symbol: string; readonly skipped: string };

/**
 * The research agent's schedule: every RESEARCH_SCHEDULE it queues one campaign per traded symbol over the
 * newest RESEARCH_CANDLES stored candles (pipeline protocol, RESEARCH_STRATEGY, TPE with pruning, RESEARCH_TRIALS
 * trials, RESEARCH_WINDOWS walk-forward windows) on the API's campaign service: one campaign at a time, trials on
 * RESEARCH_THREADS worker threads, so cycles go on. A campaign whose verdict PASSED is proposed as a challenger,
 * which then shadow-trades and is promoted or retired (research/challengers.ts).
 */
export class ResearchSchedule {
  private timer: ReturnType<typeof setInterval> | null = null;
  private rounds = 0;

  constructor(private readonly deps: ResearchScheduleDeps) {}

  /** Starts the timer (first round after one interval: start-up is for trading). */
  start(everyMs: number): void {
    this.timer = setInterval(() => {
      this.runRound().catch((error: unknown) => this.deps.log.warn({ err: (error as Error).message }, 'research: round failed'));
    }, everyMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Queues this round's campaigns and answers at once with what was started or skipped (and why). */
  async runRound(): Promise<ResearchRoundEntry[]> {
    const { config } = this.deps;
    const interval: Interval = config.KLINE_INTERVAL;
    const round = ++this.rounds;
    const out: ResearchRoundEntry[] = [];
    for (const symbol of await this.deps.symbols()) {
      const venue = this.deps.venueOf(symbol);
      const latest = await this.deps.candles.latestOpenTime(venue, symbol, interval);
      if (latest === null) {
        out.push({ symbol, skipped: `no stored ${interval} candles on ${venue} (conclave data download stores them)` });
        continue;
      }
      const from = latest - (config.RESEARCH_CANDLES - 1) * intervalMs(interval);
      const candles = await this.deps.candles.range(venue, symbol, interval, from, latest);
      const needed = 50 * config.RESEARCH_WINDOWS;
      if (candles.length < needed) {
        out.push({ symbol, skipped: `${candles.length} stored candles, fewer than ${needed} for ${config.RESEARCH_WINDOWS} windows` });
        continue;
      }
      const spec = {
        config: withOverrides(config, { PROTOCOL: 'pipeline' }),
        strategy: config.RESEARCH_STRATEGY,
        search: 'tpe' as const,
        trials: config.RESEARCH_TRIALS,
        objective: 'sharpe' as const,
        windows: config.RESEARCH_WINDOWS,
        // A new seed each round, reproducible from the round's candles.
        seed: Math.floor(latest / intervalMs(interval)) % 1_000_000,
        series: [{ symbol, interval, candles }],
      };
      const params = { scheduled: true, round, symbol, venue, strategy: config.RESEARCH_STRATEGY, candles: candles.length };
      const record = this.deps.campaigns.start(this.deps.userId, spec, params, (r, result) => this.onResult(r, result));
      out.push({ symbol, started: record.id });
    }
    this.deps.log.info({ round, campaigns: out }, 'research: scheduled round queued');
    return out;
  }

  private onResult(record: CampaignRecord, result: CampaignResult): void {
    const candidate = campaignCandidate(record.id, result, this.deps.config.RESEARCH_CHALLENGER_DAYS);
    const fields = { campaign: record.id, strategy: candidate.strategy, params: candidate.params, verdict: candidate.verdict.verdict };
    if (candidate.verdict.verdict !== 'PASSED') {
      const failed = candidate.verdict.criteria.filter((c) => !c.passed).map((c) => c.name);
      this.deps.log.info({ ...fields, failed }, 'research: scheduled campaign FAILED; nothing proposed');
      return;
    }
    try {
      this.deps.challengers.propose(candidate);
      this.deps.log.info(fields, 'research: scheduled campaign PASSED; proposed as a challenger');
    } catch (error) {
      this.deps.log.warn({ ...fields, err: (error as Error).message }, 'research: the challenger desk refused the candidate');
    }
  }
}
