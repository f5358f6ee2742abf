import type { AppConfig } from '../config.js';
import { OpenAICompatibleClient } from '../llm/openai-compatible-client.js';
import type { JsonChat } from '../llm/port.js';
import { CachedMarketDataSource } from '../market/cached-source.js';
import { createVenueSource, type MarketConfig } from '../market/factory.js';
import { GuardedMarketDataSource } from '../market/guarded-source.js';
import { MarketHalts } from '../market/market-halts.js';
import type { MarketDataSource } from '../market/port.js';
import type { CryptoVenue } from '../market/symbols.js';
import { loadPrompts } from '../startup/prompts.js';
import type { ScanSettings } from './market-scan.js';
import { type ScanLog, ScannerService } from './scanner-service.js';
import { type ReportNotifier, TelegramSender } from './telegram-sender.js';

/** The config fields the scanner reads (the market ones for its venue client and guard). */
export type ScannerConfig = MarketConfig &
  Pick<
    AppConfig,
    | 'SCAN_VENUE'
    | 'DATA_DIR'
    | 'PROMPTS_DIR'
    | 'LLM_BASE_URL'
    | 'LLM_API_KEY'
    | 'LLM_MODEL'
    | 'LLM_TIMEOUT_MS'
    | 'LLM_DEADLINE_MS'
    | 'LLM_MAX_RESPONSE_BYTES'
    | 'LLM_INPUT_USD_PER_MTOK'
    | 'LLM_OUTPUT_USD_PER_MTOK'
    | 'TELEGRAM_BOT_TOKEN'
    | 'TELEGRAM_CHAT_ID'
    | 'TELEGRAM_BASE_URL'
    | 'SCAN_UNIVERSE'
    | 'SCAN_TIMEFRAMES'
    | 'SCAN_SIGNAL_TIMEFRAME'
    | 'SCAN_CANDLES'
    | 'SCAN_CONCURRENCY'
    | 'SCAN_TOP_N'
    | 'SCAN_MIN_CONFLUENCE'
    | 'SCAN_MIN_PROBABILITY'
    | 'SCAN_MIN_RR'
    | 'SCAN_MIN_ALIGNED'
    | 'SCAN_MIN_SAMPLE'
    | 'SCAN_STOP_ATR'
    | 'SCAN_MAX_HOLD_BARS'
  >;

/** Scan settings from config (detector parameters keep their documented defaults). */
export function scanSettingsFromConfig(c: ScannerConfig): ScanSettings {
  return {
    timeframes: c.SCAN_TIMEFRAMES,
    signalTimeframe: c.SCAN_SIGNAL_TIMEFRAME,
    universeSize: c.SCAN_UNIVERSE,
    candles: c.SCAN_CANDLES,
    concurrency: c.SCAN_CONCURRENCY,
    recencyBars: 3,
    maxDeep: 15,
    top: c.SCAN_TOP_N,
    detector: { oversoldRsi: 30, oversoldMinBandDistancePct: 0, breakoutVolumeMultiple: 1.5, divergenceLookback: 30 },
    risk: { stopAtr: c.SCAN_STOP_ATR, maxHoldBars: c.SCAN_MAX_HOLD_BARS, minSample: c.SCAN_MIN_SAMPLE },
    filters: {
      minConfluence: c.SCAN_MIN_CONFLUENCE,
      minProbability: c.SCAN_MIN_PROBABILITY,
      minRewardRisk: c.SCAN_MIN_RR,
      minAligned: c.SCAN_MIN_ALIGNED,
    },
  };
}

/** The LLM client when LLM_BASE_URL and LLM_API_KEY are set (local servers: any key, e.g. `local`), else why not. */
export function llmFromConfig(c: ScannerConfig, log?: ScanLog): { llm: JsonChat | null; reason: string } {
  if (!c.LLM_API_KEY) return { llm: null, reason: 'LLM_API_KEY not set' };
  if (!c.LLM_BASE_URL) return { llm: null, reason: 'LLM_BASE_URL not set' };
  return {
    llm: new OpenAICompatibleClient({
      baseUrl: c.LLM_BASE_URL,
      apiKey: c.LLM_API_KEY,
      model: c.LLM_MODEL,
      timeoutMs: c.LLM_TIMEOUT_MS,
      retries: Math.min(c.HTTP_RETRIES, 2),
      deadlineMs: c.LLM_DEADLINE_MS,
      maxResponseBytes: c.LLM_MAX_RESPONSE_BYTES,
      inputUsdPerMTok: c.LLM_INPUT_USD_PER_MTOK,
      outputUsdPerMTok: c.LLM_OUTPUT_USD_PER_MTOK,
      ...(log ? { onUsage: (e) => log.info({ model: e.model, attempts: e.attempts, ...e.usage }, 'llm: tokens and cost') } : {}),
    }),
    reason: '',
  };
}

/** The Telegram sender when both TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID are set, else null. */
export function notifierFromConfig(c: ScannerConfig): ReportNotifier | null {
  if (!c.TELEGRAM_BOT_TOKEN || !c.TELEGRAM_CHAT_ID) return null;
  return new TelegramSender({
    baseUrl: c.TELEGRAM_BASE_URL,
    botToken: c.TELEGRAM_BOT_TOKEN,
    chatId: c.TELEGRAM_CHAT_ID,
    timeoutMs: c.HTTP_TIMEOUT_MS,
    retries: c.HTTP_RETRIES,
    // The same budget as a venue call: a report send must not outlast the scan that produced it.
    deadlineMs: c.VENUE_DEADLINE_MS,
  });
}

/** The venue the scanner reads: SCAN_VENUE, else the crypto venue of MARKET_SOURCE. */
export function scanVenue(c: Pick<AppConfig, 'SCAN_VENUE' | 'MARKET_SOURCE'>): CryptoVenue {
  if (c.SCAN_VENUE) return c.SCAN_VENUE;
  return c.MARKET_SOURCE === 'bybit' ? 'bybit' : 'binance';
}

/**
 * A ScannerService wired from config: the scan venue's client (SCAN_VENUE) behind a candle cache and the
 * market-data guard, the LLM and Telegram when configured. Needs neither the database nor the model.
 */
export function createScannerService(
  c: ScannerConfig,
  deps: { now: () => number; log?: ScanLog; market?: MarketDataSource; cacheTtlMs?: number; halts?: MarketHalts },
): ScannerService {
  const market =
    deps.market ??
    new GuardedMarketDataSource(
      new CachedMarketDataSource(
        createVenueSource(scanVenue(c), c, { now: deps.now }),
        // Candles of one bar's length are reused across stages and repeated runs within a minute.
        { ttlMs: deps.cacheTtlMs ?? 60_000, now: deps.now },
      ),
      {
        halts: deps.halts ?? new MarketHalts(),
        maxJump: c.MAX_PRICE_JUMP,
        now: deps.now,
        referenceInterval: c.KLINE_INTERVAL,
        referenceLimit: c.KLINE_LIMIT + 1,
      },
    );
  const { llm, reason } = llmFromConfig(c, deps.log);
  return new ScannerService({
    market,
    llm,
    llmMissingReason: reason,
    rankingPrompt: loadPrompts(c.PROMPTS_DIR).scannerRanking,
    notifier: notifierFromConfig(c),
    settings: scanSettingsFromConfig(c),
    dataDir: c.DATA_DIR,
    now: deps.now,
    ...(deps.log ? { log: deps.log } : {}),
  });
}
