import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../src/domain/candle.js';
import type { MarketDataSource } from '../../../src/market/port.js';
import { scanVenue } from '../../../src/scanner/factory.js';
import { type ScanSettings, scanMarket } from '../../../src/scanner/market-scan.js';

const H = 3_600_000;

describe('scanner venue and clock', () => {
  it('SCAN_VENUE wins; empty follows the crypto venue of MARKET_SOURCE', () => {
    expect(scanVenue({ SCAN_VENUE: '', MARKET_SOURCE: 'bybit' })).toBe('bybit');
    expect(scanVenue({ SCAN_VENUE: '', MARKET_SOURCE: 'binance' })).toBe('binance');
    expect(scanVenue({ SCAN_VENUE: '', MARKET_SOURCE: 'yahoo' })).toBe('binance');
    expect(scanVenue({ SCAN_VENUE: 'bybit', MARKET_SOURCE: 'binance' })).toBe('bybit');
    expect(scanVenue({ SCAN_VENUE: 'binance', MARKET_SOURCE: 'bybit' })).toBe('binance');
  });

  it("indicators start over after a hole, and the venue's clock (not the local one) decides which candle closed", async () => {
    // 200 hourly bars; HOLED misses the bar 30 hours before the end.
    const bars = (skip: number | null): Candle[] =>
      Array.from({ length: 200 }, (_, i) => i)
        .filter((i) => i !== skip)
        .map((i) => ({
          openTime: i * H,
          open: 100 + i,
          high: 101 + i,
          low: 99 + i,
          close: 100 + i,
          volume: 10,
          closeTime: (i + 1) * H - 1,
        }));
    const series: Record<string, Candle[]> = { BTCUSDT: bars(null), HOLEDUSDT: bars(170) };
    const venueNow = 150 * H - 1; // the venue is at bar 149's close; the local clock is far ahead
    const market = {
      venue: 'bybit',
      getServerTime: async () => venueNow,
      getCurrentPrice: async () => 1,
      getKlines: async () => [],
      // Venues return the bar still forming (bar 150, opened at the venue's now + 1 ms).
      getRecentKlines: async (symbol: string) => series[symbol].filter((c) => c.openTime <= venueNow + 1),
    } as unknown as MarketDataSource;
    const settings: ScanSettings = {
      timeframes: ['1h'],
      signalTimeframe: '1h',
      universeSize: 10,
      candles: 1000,
      concurrency: 2,
      recencyBars: 3,
      maxDeep: 5,
      top: 3,
      detector: { oversoldRsi: 30, oversoldMinBandDistancePct: 0, breakoutVolumeMultiple: 1.5, divergenceLookback: 30 },
      risk: { stopAtr: 1.5, maxHoldBars: 48, minSample: 20 },
      filters: { minConfluence: 0, minProbability: 0, minRewardRisk: 0, minAligned: 1 },
    };
    const scan = await scanMarket(settings, { market, now: () => 10_000 * H }, ['BTCUSDT', 'HOLEDUSDT']);
    expect(scan.venueTime).toBe(venueNow);
    // Bar 149 closed at the venue's now; bar 150 is still forming there though long closed by the local clock.
    expect(scan.btc?.price).toBe(249);
    expect(scan.overview.measured).toBe(2);

    const later = 195 * H - 1;
    const market2 = {
      ...market,
      getServerTime: async () => later,
      getRecentKlines: async (s: string) => series[s].filter((c) => c.openTime <= later + 1),
    };
    const after = await scanMarket(settings, { market: market2 as MarketDataSource, now: () => 0 }, ['BTCUSDT', 'HOLEDUSDT']);
    // HOLEDUSDT restarts after its hole at 170: 24 bars since, too few for the 50-bar breadth; BTCUSDT counts.
    expect(after.overview.measured).toBe(1);
    expect(after.btc?.price).toBe(294);
  });
});
