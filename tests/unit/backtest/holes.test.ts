import { describe, expect, it } from 'vitest';
import { contiguousTail, takeSnapshot } from '../../../src/agents/market-monitor.js';
import { findHoles, holeReport, holeWarning } from '../../../src/backtest/holes.js';
import type { Candle } from '../../../src/domain/candle.js';
import type { Venue } from '../../../src/domain/market.js';
import type { MarketDataSource } from '../../../src/market/port.js';

const H = 3_600_000;
const candle = (openTime: number): Candle => ({ openTime, open: 1, high: 1, low: 1, close: 1, volume: 1, closeTime: openTime + H - 1 });
// Hours 0..9, then 20..29: a 10-bar hole between 9 and 20.
const hours = [...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 20 + i)];
const candles = hours.map((h) => candle(h * H));

describe('findHoles', () => {
  const open = Float64Array.from(candles.map((c) => c.openTime));
  it('finds a gap longer than the interval, with its missing bars and length', () => {
    expect(findHoles('X', open, H, 0, 30 * H)).toEqual([
      { symbol: 'X', lastBefore: 9 * H, firstAfter: 20 * H, missingBars: 10, durationMs: 10 * H },
    ]);
  });
  it('counts only holes the run traded across (first candle after the hole closes after the first cycle, by the last)', () => {
    expect(findHoles('X', open, H, 21 * H, 30 * H)).toEqual([]);
    expect(findHoles('X', open, H, 0, 20 * H - 1)).toEqual([]);
    expect(findHoles('X', open, H, 0, 21 * H - 1)).toHaveLength(1);
  });
  it('summarises several symbols: count, missing bars, the longest, oldest first', () => {
    const r = holeReport([
      { symbol: 'B', lastBefore: 50 * H, firstAfter: 53 * H, missingBars: 2, durationMs: 2 * H },
      { symbol: 'A', lastBefore: 9 * H, firstAfter: 20 * H, missingBars: 10, durationMs: 10 * H },
    ]);
    expect(r.count).toBe(2);
    expect(r.missingBars).toBe(12);
    expect(r.longest?.symbol).toBe('A');
    expect(r.holes.map((h) => h.symbol)).toEqual(['A', 'B']);
    expect(holeWarning(r)).toMatch(
      /^warning: 2 hole\(s\) in the candles \(12 missing bars; longest A 1970-01-01T09:00Z -> 1970-01-01T20:00Z, 10 bars/,
    );
    expect(holeWarning(holeReport([]))).toBeNull();
  });
});

describe('indicator state restarts after a hole (market monitor)', () => {
  it('contiguousTail keeps the candles after the newest hole', () => {
    expect(contiguousTail(candles, H).map((c) => c.openTime / H)).toEqual(hours.slice(10));
    expect(contiguousTail(candles.slice(0, 10), H)).toHaveLength(10);
  });

  const source = (venue: Venue): MarketDataSource =>
    ({
      venue,
      getCurrentPrice: async () => 1,
      getRecentKlines: async () => candles,
    }) as unknown as MarketDataSource;

  it('a crypto or replay snapshot sees only the candles after the hole', async () => {
    for (const venue of ['binance', 'replay'] as const) {
      const s = await takeSnapshot(source(venue), 'X', '1h', 60, 30 * H);
      expect(s.candles).toHaveLength(10);
    }
  });

  it('a session venue (stocks) keeps the candles across closures: a night is not a hole, a missing session is', async () => {
    // Hourly bars 13:30..19:30 UTC of a 09:30-16:00 New York session.
    const session = (day: string) => Array.from({ length: 7 }, (_, i) => candle(Date.parse(`${day}T13:30:00Z`) + i * H));
    const stock = (bars: Candle[]): MarketDataSource =>
      ({ venue: 'yahoo', getCurrentPrice: async () => 1, getRecentKlines: async () => bars }) as unknown as MarketDataSource;
    const now = Date.parse('2024-04-02T00:00:00Z');
    // Wednesday, Thursday, then Monday: the night, Good Friday and the weekend are the calendar.
    const nights = [...session('2024-03-27'), ...session('2024-03-28'), ...session('2024-04-01')];
    expect((await takeSnapshot(stock(nights), 'AAPL', '1h', 60, now)).candles).toHaveLength(21);
    // Thursday's session missing: the state restarts on Monday.
    const missing = [...session('2024-03-27'), ...session('2024-04-01')];
    expect((await takeSnapshot(stock(missing), 'AAPL', '1h', 60, now)).candles).toHaveLength(7);
    // The same hours-apart gap inside one session is a hole on the stock calendar too.
    expect((await takeSnapshot(source('yahoo'), 'AAPL', '1h', 60, 30 * H)).candles).toHaveLength(10);
  });
});
