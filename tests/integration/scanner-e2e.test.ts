import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candle } from '../../src/domain/candle.js';
import { OpenAICompatibleClient } from '../../src/llm/openai-compatible-client.js';
import { BinanceMarketDataClient } from '../../src/market/binance-client.js';
import { readCandlesCsv, writeCandlesCsvFile } from '../../src/market/csv-candles.js';
import type { ScanSettings } from '../../src/scanner/market-scan.js';
import { ScanReport } from '../../src/scanner/report.js';
import { ScannerService } from '../../src/scanner/scanner-service.js';
import { TelegramSender } from '../../src/scanner/telegram-sender.js';
import { loadPrompts } from '../../src/startup/prompts.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import { type RunningFakeLlm, startFakeLlm } from '../fakes/fake-llm.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { htmlProblem, type RunningFakeTelegram, startFakeTelegram } from '../fakes/fake-telegram.js';
import { scanOnce } from '../helpers/scan-once.js';
import { sharedData } from '../helpers/shared-data.js';

// Real Binance spot 1h candles of five symbols, plus 4h bars aggregated from them (written to a temp dir, never
// into the repo), served by the fake exchange with its virtual now at the close of 2026-05-23 20:00 UTC, the bar
// where BTCUSDT and ETHUSDT broke out of their 20-bar range on 2x-5x volume.
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT', 'XRPUSDT'];
const NOW = Date.UTC(2026, 4, 23, 21) - 1;
const H4 = 4 * 3_600_000;

function aggregate4h(hourly: readonly Candle[]): Candle[] {
  const out: Candle[] = [];
  for (let i = 0; i + 3 < hourly.length; i++) {
    const c = hourly[i];
    if (c.openTime % H4 !== 0 || hourly[i + 3].openTime !== c.openTime + 3 * 3_600_000) continue;
    const bars = hourly.slice(i, i + 4);
    out.push({
      openTime: c.openTime,
      open: c.open,
      high: Math.max(...bars.map((b) => b.high)),
      low: Math.min(...bars.map((b) => b.low)),
      close: bars[3].close,
      volume: bars.reduce((s, b) => s + b.volume, 0),
      closeTime: c.openTime + H4 - 1,
    });
  }
  return out;
}

const lenient: ScanSettings['filters'] = { minConfluence: 0, minProbability: 0, minRewardRisk: 0, minAligned: 1 };

function settings(filters: ScanSettings['filters']): ScanSettings {
  return {
    timeframes: ['1h', '4h'],
    signalTimeframe: '1h',
    universeSize: 30,
    candles: 1000,
    concurrency: 10,
    recencyBars: 3,
    maxDeep: 15,
    top: 3,
    detector: { oversoldRsi: 30, oversoldMinBandDistancePct: 0, breakoutVolumeMultiple: 1.5, divergenceLookback: 30 },
    risk: { stopAtr: 1.5, maxHoldBars: 48, minSample: 20 },
    filters,
  };
}

let exchange: RunningFake;
let llm: RunningFakeLlm;
let telegram: RunningFakeTelegram;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-scan-'));
  const files: Record<string, Record<string, string>> = {};
  for (const symbol of SYMBOLS) {
    const hourlyPath = sharedData('klines', `${symbol}_1h.csv`);
    const h4Path = join(dir, `${symbol}_4h.csv`);
    writeCandlesCsvFile(h4Path, aggregate4h(readCandlesCsv(hourlyPath).slice(-6000)));
    files[symbol] = { '1h': hourlyPath, '4h': h4Path };
  }
  exchange = await startFakeBinance({ files, now: NOW });
  llm = await startFakeLlm();
  telegram = await startFakeTelegram({ token: '123:secret-token', chatId: '-100200' });
});

afterAll(async () => {
  await Promise.all([exchange?.close(), llm?.close(), telegram?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

function service(opts: { withLlm: boolean; withTelegram?: boolean; filters?: ScanSettings['filters']; dataDir: string }): ScannerService {
  const market = new BinanceMarketDataClient({ baseUrl: exchange.url, timeoutMs: 5000, retries: 0 });
  return new ScannerService({
    market,
    llm: opts.withLlm
      ? new OpenAICompatibleClient({ baseUrl: llm.url, apiKey: 'k', model: 'fake-qwen', timeoutMs: 5000, retries: 0 })
      : null,
    llmMissingReason: 'LLM_API_KEY not set',
    rankingPrompt: loadPrompts('').scannerRanking,
    notifier: opts.withTelegram
      ? new TelegramSender({ baseUrl: telegram.url, botToken: '123:secret-token', chatId: '-100200', timeoutMs: 5000, retries: 1 })
      : null,
    settings: settings(opts.filters ?? lenient),
    dataDir: opts.dataDir,
    now: () => Date.UTC(2026, 4, 23, 21, 0, 5),
  });
}

describe('scanner end to end over real candles served by the fake exchange', () => {
  it('with the fake LLM: ranks and explains what passed, writes both files, sends to Telegram', async () => {
    const dataDir = join(dir, 'with-llm');
    const scanner = service({ withLlm: true, withTelegram: true, dataDir });
    const report = await scanner.run();
    expect(ScanReport.safeParse(report).success).toBe(true);
    expect(report.universe.source).toBe('top_by_quote_volume');
    expect(report.universe.symbols.sort()).toEqual([...SYMBOLS].sort());
    // BTCUSDT and ETHUSDT broke out on the 20:00 bar (see the detector tests for the rule).
    const btc = report.candidates.find((c) => c.symbol === 'BTCUSDT');
    expect(btc?.all_setups.map((s) => s.setup)).toContain('breakout');
    expect(report.candidates.find((c) => c.symbol === 'ETHUSDT')).toBeDefined();
    expect(report.ranking.method).toBe('llm');
    // The system prompt is prompts/scanner-ranking.md, not a copy in the code.
    expect(llm.requests.at(-1)?.body.messages?.[0]).toEqual({ role: 'system', content: loadPrompts('').scannerRanking });
    expect(report.ranking.usage?.total_tokens).toBe(120);
    expect(report.top.length).toBeGreaterThan(0);
    expect(report.top.length).toBeLessThanOrEqual(3);
    // The fake ranks in reverse alphabetical order: the LLM decided the order, not the score.
    const ranked = report.top.map((o) => o.symbol);
    expect(ranked).toEqual([...ranked].sort().reverse());
    for (const o of report.top) {
      expect(o.rationale).toContain(`Fake analyst: ${o.symbol}`);
      expect(o.passed).toBe(true);
      expect(o.stop).toBeLessThan(o.entry);
      expect(o.target).toBeGreaterThan(o.entry);
      expect(o.timeframes.map((t) => t.interval)).toEqual(['1h', '4h']);
      expect(o.probability.sample).toBe(o.probability.hits + o.probability.stops + o.probability.timeouts);
    }
    expect(report.summary).toBe('Fake summary: few clean setups.');
    // At most 10 venue requests in flight is exercised by concurrency 10 over 5 + 2x(1) requests; the count adds up.
    expect(report.stats.requests).toBe(SYMBOLS.length + report.candidates.length);

    const saved = ScanReport.parse(JSON.parse(readFileSync(join(dataDir, 'latest_analysis.json'), 'utf8')));
    expect(saved.top.map((o) => o.symbol)).toEqual(ranked);
    expect(scanner.latest()?.generated_at).toBe(report.generated_at);
    const message = readFileSync(join(dataDir, 'latest_telegram_message.txt'), 'utf8');
    expect(message.length).toBeLessThanOrEqual(4096);
    expect(htmlProblem(message)).toBeNull();
    // The rationale's "<setup> & levels" arrived escaped.
    expect(message).toContain('&lt;setup&gt; &amp; levels');
    expect(report.telegram).toEqual({ sent: true, message_id: expect.any(Number), error: null });
    expect(telegram.messages.at(-1)?.text).toBe(message);
  });

  it('without an LLM: the deterministic ranking runs and the report says so', async () => {
    const dataDir = join(dir, 'no-llm');
    const report = await service({ withLlm: false, dataDir }).run();
    expect(report.ranking.method).toBe('deterministic');
    expect(report.ranking.note).toContain('no LLM configured');
    const order = report.top.map((o) => o.confluence);
    expect(order).toEqual([...order].sort((a, b) => b - a));
    for (const o of report.top) expect(o.rationale).toBeNull();
    expect(readFileSync(join(dataDir, 'latest_telegram_message.txt'), 'utf8')).toContain('ranking: deterministic');
    expect(report.telegram).toBeNull();
  });

  it('with the seed thresholds nothing this thin passes, and the report says why', async () => {
    const dataDir = join(dir, 'strict');
    const report = await service({
      withLlm: true,
      dataDir,
      filters: { minConfluence: 8, minProbability: 0.7, minRewardRisk: 2, minAligned: 0 },
    }).run();
    expect(report.top).toEqual([]);
    expect(report.reason_fewer).toMatch(/0 of \d+ candidates passed the filters \(3 wanted\)\. Filters failed: /);
    expect(report.ranking.method).toBe('deterministic');
    expect(report.ranking.note).toContain('the LLM was not asked');
    expect(readFileSync(join(dataDir, 'latest_telegram_message.txt'), 'utf8')).toContain('No opportunity passed the filters');
  });

  it('`conclave scan --once` writes both files with neither database nor model', async () => {
    const dataDir = join(dir, 'cli');
    // A database path in an existing directory: the scan must never open it, so the file must not appear.
    const untouchedDb = join(dir, 'never-opened.db');
    const env = {
      BINANCE_BASE_URL: exchange.url,
      DATA_DIR: dataDir,
      SCAN_TIMEFRAMES: '1h,4h',
      SCAN_MIN_CONFLUENCE: '0',
      SCAN_MIN_PROBABILITY: '0',
      SCAN_MIN_RR: '0',
      SCAN_MIN_ALIGNED: '1',
      LLM_BASE_URL: llm.url,
      LLM_API_KEY: 'k',
      DATABASE_URL: untouchedDb,
      TELEGRAM_BOT_TOKEN: '',
      LOG_LEVEL: 'silent',
    };
    const stdout = await scanOnce(env);
    expect(existsSync(join(dataDir, 'latest_analysis.json'))).toBe(true);
    expect(existsSync(join(dataDir, 'latest_telegram_message.txt'))).toBe(true);
    expect(existsSync(untouchedDb)).toBe(false);
    const summary = JSON.parse(stdout) as { ranking: { method: string }; top: Array<{ rationale: string | null }> };
    expect(summary.ranking.method).toBe('llm');
    expect(summary.top.length).toBeGreaterThan(0);
    expect(summary.top[0].rationale).toContain('Fake analyst');
  });
});
