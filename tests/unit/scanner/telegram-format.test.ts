import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConclaveError } from '../../../src/domain/errors.js';
import type { OpportunityJson, ScanReport } from '../../../src/scanner/report.js';
import {
  escapeHtml,
  formatErrorMessage,
  formatMarketSummary,
  formatPrice,
  formatTelegramMessage,
} from '../../../src/scanner/telegram-format.js';
import { topByQuoteVolume } from '../../../src/scanner/universe.js';
import { htmlProblem } from '../../fakes/fake-telegram.js';

function opportunity(symbol: string, rationale: string | null, reason = 'close above the 20-bar high'): OpportunityJson {
  return {
    rank: 1,
    symbol,
    direction: 'LONG',
    setup: 'breakout',
    signal_timeframe: '1h',
    signal_time: '2026-05-23T21:00:00Z',
    reason,
    entry: 76_500.5,
    stop: 75_100,
    target: 79_000,
    atr: 900,
    rr: 1.78,
    confluence: 8.5,
    confluence_components: { setups: 2, alignment: 3, volume: 1, multi_timeframe_setup: 1, reward_risk: 1 },
    probability: { estimate: 0.72, hits: 18, stops: 7, timeouts: 0, sample: 25, lower_95: 0.52, sufficient: true, bars: 1000, note: '' },
    aligned_timeframes: 2,
    timeframe_count: 2,
    timeframes: [
      {
        interval: '1h',
        bars: 1000,
        close_time: null,
        close: 1,
        rsi: 60,
        trend_ema: 1,
        macd_hist: 1,
        bias: 'bullish',
        aligned: true,
        setups: ['breakout'],
      },
      {
        interval: '4h',
        bars: 1000,
        close_time: null,
        close: 1,
        rsi: 45,
        trend_ema: 1,
        macd_hist: -1,
        bias: 'bearish',
        aligned: false,
        setups: [],
      },
    ],
    all_setups: [],
    passed: true,
    failed_filters: [],
    rationale,
    quote_volume_24h: 1e9,
  };
}

function report(top: OpportunityJson[], extra: Partial<ScanReport> = {}): ScanReport {
  return {
    schema_version: 2,
    generated_at: '2026-05-23T21:00:05Z',
    venue: 'binance',
    venue_time: '2026-05-23T21:00:00Z',
    overview: {
      measured: 30,
      breadth_above_sma50: 0.6,
      advancers: 18,
      decliners: 12,
      top_movers: [
        { symbol: 'SOLUSDT', change_24h_pct: 5.25 },
        { symbol: 'XRPUSDT', change_24h_pct: -3.1 },
      ],
      volatility_ratio: 1.1,
      volatility: 'normal',
    },
    btc: {
      symbol: 'BTCUSDT',
      price: 67_000,
      timeframes: [
        { interval: '1h', trend: 'up', close: 67_000, ema: 66_500, support: 65_000, resistance: 68_000, atr_pct: 0.5 },
        { interval: '4h', trend: 'sideways', close: 67_000, ema: 67_100, support: 62_000, resistance: 69_000, atr_pct: 1.1 },
      ],
      regime: 'mixed',
      volatility: 'normal',
    },
    universe: { source: 'top_by_quote_volume', size: 30, symbols: [] },
    timeframes: ['1h', '4h'],
    signal_timeframe: '1h',
    thresholds: { min_confluence: 8, min_probability: 0.7, min_rr: 2, min_aligned: 0, min_sample: 20, top: 3 },
    ranking: { method: 'llm', model: 'qwen-plus', note: '', attempts: 1, usage: null },
    summary: null,
    top,
    reason_fewer: null,
    candidates: [],
    errors: [],
    stats: { symbols_scanned: 30, requests: 40, candidates: 3, passed: top.length, duration_ms: 1 },
    telegram: null,
    ...extra,
  };
}

describe('formatTelegramMessage', () => {
  it('renders the levels, probability with its sample, alignment marks, and escapes the rationale', () => {
    const text = formatTelegramMessage(report([opportunity('BTCUSDT', 'R:R <2 & "tight" stop')]));
    expect(text).toContain('<b>1. BTCUSDT</b> — LONG · breakout (1h)');
    expect(text).toContain('Entry <code>76,500.50</code> · Stop <code>75,100.00</code> · Target <code>79,000.00</code> · R:R 1.78');
    expect(text).toContain('Probability 72% (18/25 past setups)');
    expect(text).toContain('Timeframes: 1h ✅ 4h ❌');
    expect(text).toContain('<i>R:R &lt;2 &amp; "tight" stop</i>');
    expect(text).toContain('ranking: LLM (qwen-plus)');
    expect(htmlProblem(text)).toBeNull();
  });

  it('says when nothing passed and why', () => {
    const text = formatTelegramMessage(
      report([], { reason_fewer: '0 of 4 candidates passed the filters (3 wanted). Filters failed: confluence (4).' }),
    );
    expect(text).toContain('No opportunity passed the filters.');
    expect(text).toContain('Filters failed: confluence (4).');
  });

  it('property: any rationale, summary or note stays within 4,096 characters and parses as Telegram HTML', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 3000 }), { minLength: 0, maxLength: 3 }),
        fc.string({ maxLength: 5000 }),
        fc.string({ maxLength: 500 }),
        (rationales, summary, note) => {
          const top = rationales.map((r, i) => ({ ...opportunity(`SYM${i}USDT`, r || null, `<${r}>`), rank: i + 1 }));
          const text = formatTelegramMessage(
            report(top, { summary, ranking: { method: 'deterministic', model: null, note, attempts: 0, usage: null } }),
          );
          expect(text.length).toBeLessThanOrEqual(4096);
          expect(htmlProblem(text)).toBeNull();
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('format_market_summary and format_error', () => {
  it('the message opens with the overview and the BTC analysis', () => {
    const text = formatTelegramMessage(report([]));
    const summary = formatMarketSummary(report([]));
    expect(summary).toEqual([
      '<b>📊 Market</b> (1h): breadth 60% above 50-bar mean · 18▲ / 12▼ · volatility normal',
      'Movers 24 h: SOLUSDT +5.3%, XRPUSDT -3.1%',
      '<b>₿ BTCUSDT</b> <code>67,000.00</code> · 1h ▲ 4h ▶ · mixed, volatility normal',
      'Key levels (1h): support <code>65,000.00</code> · resistance <code>68,000.00</code>',
    ]);
    for (const line of summary) expect(text).toContain(line);
    expect(htmlProblem(text)).toBeNull();
    expect(formatMarketSummary(report([], { btc: null }))).toContain('<b>₿ BTC</b>: not available in this scan (see errors)');
  });

  it('an error report names the venue and the error, escaped, and says nothing was published', () => {
    const text = formatErrorMessage({
      venue: 'bybit',
      at: '2026-05-23T21:00:05Z',
      error: new ConclaveError('MARKET_DATA_UNAVAILABLE', 'bybit /v5/market/tickers answered HTTP 503 <html>'),
    });
    expect(text).toBe(
      [
        '<b>⚠️ Market scan failed</b> · 2026-05-23 21:00 UTC',
        'The bybit market data could not be read, so no analysis was published.',
        '<code>MARKET_DATA_UNAVAILABLE: bybit /v5/market/tickers answered HTTP 503 &lt;html&gt;</code>',
        'The next scheduled scan will try again.',
      ].join('\n'),
    );
    expect(htmlProblem(text)).toBeNull();
  });
});

describe('helpers', () => {
  it('escapeHtml escapes the three characters Telegram HTML reserves', () => {
    expect(escapeHtml('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
  });
  it('formatPrice: 2 decimals from 1000, else 6 significant digits', () => {
    expect(formatPrice(76500.456)).toBe('76,500.46');
    expect(formatPrice(0.000123456789)).toBe('0.000123457');
    expect(formatPrice(2.5)).toBe('2.5');
  });
  it('topByQuoteVolume keeps USDT pairs by quote volume, without stablecoins and leveraged tokens', () => {
    const t = (symbol: string, quoteVolume: number) => ({ symbol, quoteVolume, lastPrice: 1, priceChangePercent: 0, volume: 1 });
    const top = topByQuoteVolume(
      [
        t('BTCUSDT', 5e9),
        t('USDCUSDT', 9e9),
        t('ETHBTC', 8e9),
        t('BTCUPUSDT', 7e9),
        t('ETHUSDT', 3e9),
        t('SOLUSDT', 3e9),
        t('XRPUSDT', 1e9),
      ],
      3,
    );
    expect(top.map((x) => x.symbol)).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
  });
});
