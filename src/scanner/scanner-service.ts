import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Interval } from '../domain/candle.js';
import { isConclaveError } from '../domain/errors.js';
import type { JsonChat } from '../llm/port.js';
import type { MarketDataSource } from '../market/port.js';
import type { Candidate } from './analysis.js';
import { deterministicRanking, type Ranking, rankWithLlm } from './llm-ranking.js';
import type { BtcAnalysis, MarketOverview } from './market-overview.js';
import { type MarketScan, type ScanSettings, scanMarket } from './market-scan.js';
import { isoTime, type OpportunityJson, opportunityJson, ScanReport } from './report.js';
import { formatErrorMessage, formatTelegramMessage } from './telegram-format.js';
import type { ReportNotifier } from './telegram-sender.js';
import type { UniverseSource } from './universe.js';

export const ANALYSIS_FILE = 'latest_analysis.json';
export const TELEGRAM_FILE = 'latest_telegram_message.txt';

/** Minimal logger (pino satisfies it). */
export interface ScanLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface ScannerServiceDeps {
  readonly market: MarketDataSource;
  /** Defaults to `market` when it lists 24 h tickers. */
  readonly universe?: UniverseSource;
  /** Null when no LLM is configured: the deterministic ranking is used and the report says so. */
  readonly llm: JsonChat | null;
  /** The LLM's system prompt (prompts/scanner-ranking.md, loaded at the edge). */
  readonly rankingPrompt: string;
  /** Why there is no LLM, for the report (e.g. "LLM_API_KEY not set"). */
  readonly llmMissingReason?: string;
  /** Null when Telegram is not configured. */
  readonly notifier: ReportNotifier | null;
  readonly settings: ScanSettings;
  /** Where latest_analysis.json and latest_telegram_message.txt are written (DATA_DIR). */
  readonly dataDir: string;
  /** Wall clock or sim time, epoch ms. */
  readonly now: () => number;
  readonly log?: ScanLog;
}

export interface ScanRunOptions {
  readonly symbols?: readonly string[];
  readonly timeframes?: readonly Interval[];
  readonly signalTimeframe?: Interval;
  /** Send the message to Telegram (needs a notifier); default true when one is configured. */
  readonly sendTelegram?: boolean;
  /** Ask the LLM (when configured); default true. */
  readonly useLlm?: boolean;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * The autonomous analyst: scan the market, score and filter, let the LLM rank and explain what passed (never
 * override the filters), keep the top N, write data/latest_analysis.json and data/latest_telegram_message.txt
 * atomically, and optionally send the message. Concurrent `run` calls share the run in flight.
 */
export class ScannerService {
  private inFlight: Promise<ScanReport> | null = null;

  constructor(private readonly deps: ScannerServiceDeps) {}

  get analysisPath(): string {
    return join(this.deps.dataDir, ANALYSIS_FILE);
  }

  get telegramPath(): string {
    return join(this.deps.dataDir, TELEGRAM_FILE);
  }

  /**
   * Runs one scan (or joins the one running).
   * @throws ConclaveError VALIDATION_ERROR (bad timeframes, empty universe), the venue's errors when the
   * universe cannot be listed. Per-symbol failures, LLM and Telegram failures are reported, not thrown.
   */
  run(options: ScanRunOptions = {}): Promise<ScanReport> {
    if (!this.inFlight) {
      this.inFlight = this.runOnce(options)
        .catch((error: unknown) => this.failed(error, options))
        .finally(() => {
          this.inFlight = null;
        });
    }
    return this.inFlight;
  }

  /** The last written report, or null when there is none (or it does not match the schema). */
  latest(): ScanReport | null {
    let text: string;
    try {
      text = readFileSync(this.analysisPath, 'utf8');
    } catch {
      return null;
    }
    try {
      const parsed = ScanReport.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /**
   * A scan that could not read the market publishes an error report (format_error) in place of the message and
   * sends it when Telegram is configured; latest_analysis.json keeps the last real scan, so nothing reads as a
   * quiet market. The error is rethrown: the command exits non-zero.
   */
  private async failed(error: unknown, options: ScanRunOptions): Promise<never> {
    const { deps } = this;
    const message = formatErrorMessage({ venue: deps.market.venue, at: isoTime(deps.now()), error });
    writeAtomic(this.telegramPath, message);
    deps.log?.warn({ error: describeError(error) }, 'scanner: run failed; error report written');
    if ((options.sendTelegram ?? deps.notifier !== null) && deps.notifier) {
      await deps.notifier.send(message).catch((sendError: unknown) => {
        deps.log?.warn({ error: describeError(sendError) }, 'scanner: Telegram sending of the error report failed');
      });
    }
    throw error;
  }

  private async runOnce(options: ScanRunOptions): Promise<ScanReport> {
    const { deps } = this;
    const started = deps.now();
    const settings: ScanSettings = {
      ...deps.settings,
      ...(options.timeframes && options.timeframes.length > 0 ? { timeframes: options.timeframes } : {}),
      ...(options.signalTimeframe ? { signalTimeframe: options.signalTimeframe } : {}),
    };
    const universe =
      deps.universe ?? (deps.market.get24hTickers ? (deps.market as Required<Pick<MarketDataSource, 'get24hTickers'>>) : undefined);
    const scan = await scanMarket(
      settings,
      {
        market: deps.market,
        ...(universe ? { universe } : {}),
        now: deps.now,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      },
      options.symbols,
    );
    const minSample = settings.risk.minSample;
    const passed = scan.candidates.filter((c) => c.failed.length === 0);
    const passedJson = passed.map((c) => opportunityJson(c, null, null, minSample));

    let ranking: Ranking;
    if (options.useLlm === false) ranking = deterministicRanking(passedJson, 'LLM not asked for this run; deterministic ranking');
    else if (!deps.llm)
      ranking = deterministicRanking(
        passedJson,
        `no LLM configured (${deps.llmMissingReason ?? 'LLM_API_KEY not set'}); deterministic ranking`,
      );
    else ranking = await rankWithLlm(deps.llm, passedJson, deps.rankingPrompt);
    if (ranking.usage) {
      deps.log?.info({ model: ranking.model, attempts: ranking.attempts, ...ranking.usage }, 'scanner: LLM ranking usage');
    }
    if (ranking.method === 'deterministic' && deps.llm && options.useLlm !== false && passed.length > 0) {
      deps.log?.warn({ note: ranking.note }, 'scanner: LLM ranking fell back to deterministic');
    }

    const bySymbol = new Map(passed.map((c) => [c.symbol, c]));
    const top: OpportunityJson[] = ranking.order
      .slice(0, settings.top)
      .map((symbol, k) => opportunityJson(bySymbol.get(symbol)!, k + 1, ranking.rationales.get(symbol) ?? null, minSample));

    const report: ScanReport = {
      schema_version: 2,
      generated_at: isoTime(deps.now()),
      venue: deps.market.venue,
      venue_time: isoTime(scan.venueTime),
      overview: overviewJson(scan.overview),
      btc: scan.btc ? btcJson(scan.btc) : null,
      universe: { source: scan.universeSource, size: scan.universe.length, symbols: [...scan.universe] },
      timeframes: [...settings.timeframes],
      signal_timeframe: settings.signalTimeframe,
      thresholds: {
        min_confluence: settings.filters.minConfluence,
        min_probability: settings.filters.minProbability,
        min_rr: settings.filters.minRewardRisk,
        min_aligned: settings.filters.minAligned,
        min_sample: minSample,
        top: settings.top,
      },
      ranking: {
        method: ranking.method,
        model: ranking.model,
        note: ranking.note,
        attempts: ranking.attempts,
        usage: ranking.usage
          ? {
              prompt_tokens: ranking.usage.promptTokens,
              completion_tokens: ranking.usage.completionTokens,
              total_tokens: ranking.usage.totalTokens,
              cost_usd: ranking.usage.costUsd,
            }
          : null,
      },
      summary: ranking.summary,
      top,
      reason_fewer: top.length < settings.top ? reasonFewer(scan, passed.length, settings.top) : null,
      candidates: scan.candidates.map((c) => opportunityJson(c, null, null, minSample)),
      errors: [...scan.errors],
      stats: {
        symbols_scanned: scan.universe.length,
        requests: scan.requests,
        candidates: scan.candidates.length,
        passed: passed.length,
        duration_ms: Math.max(0, deps.now() - started),
      },
      telegram: null,
    };
    deps.log?.info(
      { venue: report.venue, ...report.stats, top: top.map((o) => o.symbol), ranking: ranking.method, errors: scan.errors.length },
      'scanner: scan done',
    );

    const message = formatTelegramMessage(report);
    const send = options.sendTelegram ?? deps.notifier !== null;
    let final = report;
    if (send) {
      if (!deps.notifier) {
        final = {
          ...report,
          telegram: { sent: false, message_id: null, error: 'Telegram not configured (TELEGRAM_BOT_TOKEN, TELEGRAM_CHAT_ID)' },
        };
      } else {
        try {
          const { messageId } = await deps.notifier.send(message);
          final = { ...report, telegram: { sent: true, message_id: messageId, error: null } };
        } catch (error) {
          const why = isConclaveError(error) ? `${error.code}: ${error.message}` : String(error);
          deps.log?.warn({ error: why }, 'scanner: Telegram sending failed');
          final = { ...report, telegram: { sent: false, message_id: null, error: why } };
        }
      }
    }
    writeAtomic(this.analysisPath, `${JSON.stringify(final, null, 2)}\n`);
    writeAtomic(this.telegramPath, message);
    deps.log?.info(
      { symbols: scan.universe.length, candidates: scan.candidates.length, passed: passed.length, top: top.map((o) => o.symbol) },
      'scanner: run finished',
    );
    return final;
  }
}

/** Why fewer than `want` opportunities are published: the filters most often failed, with counts. */
export function reasonFewer(scan: MarketScan, passed: number, want: number): string {
  if (scan.candidates.length === 0) {
    return `No setup fired on the signal timeframe in any of the ${scan.universe.length} symbols scanned${scan.errors.length > 0 ? ` (${scan.errors.length} fetch errors)` : ''}.`;
  }
  const counts = new Map<string, number>();
  for (const c of scan.candidates as readonly Candidate[]) {
    for (const f of c.failed) {
      const key = f.startsWith('probability not established') ? 'probability sample too small' : f.split(/ [<(\d]/)[0];
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const worst = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} (${n})`)
    .join(', ');
  return `${passed} of ${scan.candidates.length} candidates passed the filters (${want} wanted). Filters failed: ${worst}.`;
}

function describeError(error: unknown): string {
  return isConclaveError(error) ? `${error.code}: ${error.message}` : String(error);
}

function overviewJson(o: MarketOverview): ScanReport['overview'] {
  return {
    measured: o.measured,
    breadth_above_sma50: o.breadth,
    advancers: o.advancers,
    decliners: o.decliners,
    top_movers: o.topMovers.map((m) => ({ symbol: m.symbol, change_24h_pct: m.changePct })),
    volatility_ratio: o.volatilityRatio,
    volatility: o.volatility,
  };
}

function btcJson(b: BtcAnalysis): NonNullable<ScanReport['btc']> {
  return {
    symbol: b.symbol,
    price: b.price,
    timeframes: b.timeframes.map((t) => ({
      interval: t.interval,
      trend: t.trend,
      close: t.close,
      ema: t.ema,
      support: t.support,
      resistance: t.resistance,
      atr_pct: t.atrPct,
    })),
    regime: b.regime,
    volatility: b.volatility,
  };
}

/** Writes via a temporary file and rename, so a reader never sees half a file. */
export function writeAtomic(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
