import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConclaveError } from '../../src/domain/errors.js';
import { ScanReport } from '../../src/scanner/report.js';
import { startFakeBybit } from '../fakes/fake-bybit.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { htmlProblem } from '../fakes/fake-telegram.js';
import { scanOnce } from '../helpers/scan-once.js';

// Real Bybit v5 linear candles (../shared/data/klines/bybit-linear) of seven pairs on 1h and 4h, served by the
// Bybit fake with its clock at the close of the 2025-06-29 13:00 UTC bar, where BTCUSDT and BNBUSDT closed
// above their 20-bar high on about 3x average volume.
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT', 'ADAUSDT', 'DOGEUSDT', 'DOTUSDT'];
const NOW = Date.parse('2025-06-29T14:00:00Z') - 1;

describe('conclave scan on Bybit (MARKET_SOURCE=bybit, the Bybit fake)', () => {
  let bybit: RunningFake;
  const dir = mkdtempSync(join(tmpdir(), 'conclave-scan-bybit-'));
  const base = (dataDir: string) => ({
    MARKET_SOURCE: 'bybit',
    BYBIT_BASE_URL: bybit.url,
    BYBIT_CATEGORY: 'linear',
    DATA_DIR: dataDir,
    SCAN_TIMEFRAMES: '1h,4h',
    SCAN_SIGNAL_TIMEFRAME: '1h',
    SCAN_MIN_CONFLUENCE: '0',
    SCAN_MIN_PROBABILITY: '0',
    SCAN_MIN_RR: '0',
    SCAN_MIN_ALIGNED: '1',
    SCAN_MIN_SAMPLE: '1',
    // The recording holds 185 4h bars; the venue guard refuses a short answer to a longer request.
    SCAN_CANDLES: '150',
    HTTP_RETRIES: '0',
    HTTP_TIMEOUT_MS: '5000',
    LLM_API_KEY: '',
    TELEGRAM_BOT_TOKEN: '',
    DATABASE_URL: join(dataDir, 'never-opened.db'),
    LOG_LEVEL: 'silent',
  });

  beforeAll(async () => {
    bybit = await startFakeBybit({ symbols: SYMBOLS, intervals: ['1h', '4h'], now: NOW });
  });
  afterAll(async () => bybit?.close());

  it('publishes the market overview, the BTC analysis and the opportunities, from the universe by 24 h turnover', async () => {
    const dataDir = join(dir, 'ok');
    const summary = JSON.parse(await scanOnce(base(dataDir))) as { top: unknown[] };
    const report = ScanReport.parse(JSON.parse(readFileSync(join(dataDir, 'latest_analysis.json'), 'utf8')));
    expect(report.venue).toBe('bybit');
    expect(existsSync(join(dataDir, 'never-opened.db'))).toBe(false);
    expect(report.universe.source).toBe('top_by_quote_volume');
    expect(new Set(report.universe.symbols)).toEqual(new Set(SYMBOLS));
    expect(bybit.control.requests('/v5/market/tickers')).toBeGreaterThan(0);
    // Candles are judged closed by the venue's clock (the fake's), not by this machine's.
    expect(bybit.control.requests('/v5/market/time')).toBeGreaterThan(0);
    expect(Date.parse(report.venue_time)).toBe(Math.floor(bybit.control.now() / 1000) * 1000);

    expect(report.errors).toEqual([]);
    expect(report.overview.measured).toBe(SYMBOLS.length);
    expect(report.overview.advancers + report.overview.decliners).toBeLessThanOrEqual(SYMBOLS.length);
    expect(report.overview.breadth_above_sma50).toBeGreaterThanOrEqual(0);
    expect(report.overview.top_movers).toHaveLength(3);
    expect(report.overview.volatility).not.toBeNull();
    expect(report.btc?.symbol).toBe('BTCUSDT');
    expect(report.btc?.timeframes.map((t) => t.interval)).toEqual(['1h', '4h']);
    for (const t of report.btc?.timeframes ?? []) expect(t.support).toBeLessThanOrEqual(t.resistance);

    expect(report.top.length).toBeGreaterThan(0);
    expect(summary.top.length).toBe(report.top.length);
    const message = readFileSync(join(dataDir, 'latest_telegram_message.txt'), 'utf8');
    expect(message).toContain('<b>📊 Market</b> (1h): breadth');
    expect(message).toContain('<b>₿ BTCUSDT</b>');
    expect(message).toContain('Key levels (1h)');
    expect(message).toContain(`<b>1. ${report.top[0].symbol}</b>`);
    expect(htmlProblem(message)).toBeNull();
  });

  it('honours LOG_DIR (a daily JSON file with the scan) and reads its prompts from PROMPTS_DIR', async () => {
    const dataDir = join(dir, 'logged');
    const logDir = join(dir, 'logs');
    const promptsDir = join(dir, 'prompts');
    const missing = await scanOnce({ ...base(dataDir), LOG_DIR: logDir, LOG_LEVEL: 'info', PROMPTS_DIR: promptsDir }).then(
      () => null,
      (error: unknown) => error,
    );
    // An empty PROMPTS_DIR is refused before the venue is asked anything.
    expect(isConclaveError(missing, 'CONFIG_INVALID')).toBe(true);
    expect((missing as Error).message).toContain(join(promptsDir, 'scanner-ranking.md'));

    mkdirSync(promptsDir);
    for (const name of ['scanner-ranking.md', 'llm-voter.md']) writeFileSync(join(promptsDir, name), 'edited prompt');
    await scanOnce({ ...base(dataDir), LOG_DIR: logDir, LOG_LEVEL: 'info', PROMPTS_DIR: promptsDir });
    const files = readdirSync(logDir);
    expect(files).toEqual([`conclave-${new Date().toISOString().slice(0, 10)}.log`]);
    const entries = readFileSync(join(logDir, files[0]), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; venue?: string; symbols_scanned?: number });
    const done = entries.find((e) => e.msg === 'scanner: scan done');
    expect(done?.venue).toBe('bybit');
    expect(done?.symbols_scanned).toBe(SYMBOLS.length);
  });

  it('a failing venue exits with the error, publishes an error report and no quiet scan', async () => {
    const dataDir = join(dir, 'down');
    bybit.control.failNext(1000, 503);
    try {
      const failure = await scanOnce(base(dataDir)).then(
        () => null,
        (error: unknown) => error,
      );
      expect(isConclaveError(failure, 'MARKET_DATA_UNAVAILABLE')).toBe(true);
    } finally {
      bybit.control.reset();
    }
    expect(existsSync(join(dataDir, 'latest_analysis.json'))).toBe(false);
    const message = readFileSync(join(dataDir, 'latest_telegram_message.txt'), 'utf8');
    expect(message).toMatch(/^<b>⚠️ Market scan failed<\/b>/);
    expect(message).toContain('The bybit market data could not be read');
    expect(message).not.toContain('No setup fired');
  });

  it('a venue answering no symbol at all is a failure, not a quiet market', async () => {
    const dataDir = join(dir, 'empty');
    // The clock and the tickers answer; every kline request fails.
    const failure = await scanOnce({ ...base(dataDir), SCAN_SYMBOLS: 'NOPEUSDT,NADAUSDT' }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(isConclaveError(failure)).toBe(true);
    expect((failure as Error).message).toMatch(/none of the 2 symbols could be read/);
    expect(existsSync(join(dataDir, 'latest_analysis.json'))).toBe(false);
  });
});
