import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Candle } from '../../../src/domain/candle.js';
import { isConclaveError } from '../../../src/domain/errors.js';
import { readCandleColumns } from '../../../src/market/csv-candles.js';
import { ReplaySource } from '../../../src/market/replay-source.js';
import { sharedData } from '../../helpers/shared-data.js';

/** Reference rows straight from the CSV text, independent of the parser under test. */
function referenceRows(path: string): Candle[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const f = line.split(',').map(Number);
      return { openTime: f[0], open: f[1], high: f[2], low: f[3], close: f[4], volume: f[5], closeTime: f[6] };
    });
}

const pick = (c: Candle) => [c.openTime, c.open, c.high, c.low, c.close, c.volume, c.closeTime];

async function rejectsWith(promise: Promise<unknown>, code: Parameters<typeof isConclaveError>[1]): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isConclaveError(error, code), String(error)).toBe(true);
}

describe('ReplaySource over bybit-linear BTCUSDT_4h.csv', () => {
  const path = sharedData('klines', 'bybit-linear', 'BTCUSDT_4h.csv');
  const rows = referenceRows(path);

  it('starts with warmupBars visible and the price of the last of them', async () => {
    const replay = ReplaySource.fromCsv(path, { warmupBars: 50 });
    expect(replay.now()).toBe(rows[49].closeTime);
    expect(await replay.getCurrentPrice('btcusdt')).toBe(rows[49].close);
    const recent = await replay.getRecentKlines('BTCUSDT', '4h', 1000);
    expect(recent.map(pick)).toEqual(rows.slice(0, 50).map(pick));
  });

  it('never shows a candle that closes after the cursor, at any step and for any query (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: rows.length }),
        fc.integer({ min: 0, max: rows.length - 1 }),
        fc.integer({ min: 1, max: 300 }),
        async (warmup, startIndex, limit) => {
          const replay = ReplaySource.fromCsv(path, { warmupBars: warmup });
          const visibleCount = rows.filter((r) => r.closeTime <= replay.now()).length;
          expect(visibleCount).toBe(warmup);
          const lastVisible = rows[visibleCount - 1];
          expect(await replay.getCurrentPrice('BTCUSDT')).toBe(lastVisible.close);
          const range = await replay.getKlines({ symbol: 'BTCUSDT', interval: '4h', startTime: rows[startIndex].openTime, limit });
          const expected = rows.slice(startIndex, Math.min(visibleCount, startIndex + limit));
          expect(range.map(pick)).toEqual(expected.map(pick));
          for (const c of await replay.getRecentKlines('BTCUSDT', '4h', limit)) expect(c.closeTime).toBeLessThanOrEqual(replay.now());
        },
      ),
      { numRuns: 60 },
    );
  });

  it('advance() moves one bar at a time and stops at the end of the recording', async () => {
    const replay = ReplaySource.fromCsv(path, { warmupBars: rows.length - 2 });
    expect(replay.advance()).toBe(true);
    expect(replay.now()).toBe(rows[rows.length - 2].closeTime);
    expect(await replay.getCurrentPrice('BTCUSDT')).toBe(rows[rows.length - 2].close);
    expect(replay.advance()).toBe(true);
    expect(replay.remaining()).toBe(0);
    expect(replay.advance()).toBe(false);
    expect(replay.now()).toBe(rows[rows.length - 1].closeTime);
  });

  it('a range asked beyond the cursor returns only what is visible', async () => {
    const replay = ReplaySource.fromCsv(path, { warmupBars: 10 });
    const all = await replay.getKlines({ symbol: 'BTCUSDT', interval: '4h', startTime: 0, endTime: Number.MAX_SAFE_INTEGER, limit: 1000 });
    expect(all).toHaveLength(10);
  });

  it('rejects unknown symbols, unrecorded intervals and bad limits', async () => {
    const replay = ReplaySource.fromCsv(path);
    await rejectsWith(replay.getCurrentPrice('ETHUSDT'), 'UNKNOWN_SYMBOL');
    await rejectsWith(replay.getRecentKlines('BTCUSDT', '1h', 10), 'VALIDATION_ERROR');
    await rejectsWith(replay.getRecentKlines('BTCUSDT', '4h', 0), 'VALIDATION_ERROR');
    expect(() => ReplaySource.fromCsv('/tmp/candles.csv')).toThrow(/cannot tell symbol and interval/);
  });
});

describe('ReplaySource with several series', () => {
  it('steps through the union of close times and keeps each symbol to its own visible rows', async () => {
    const a: Candle[] = [0, 1, 2, 3].map((i) => ({
      openTime: i * 60_000,
      open: 10 + i,
      high: 11 + i,
      low: 9 + i,
      close: 10.5 + i,
      volume: 1,
      closeTime: i * 60_000 + 59_999,
    }));
    const b: Candle[] = [2, 3].map((i) => ({ ...a[i], open: 100, high: 101, low: 99, close: 100 + i }));
    const replay = new ReplaySource({
      series: [
        { symbol: 'AAAUSDT', interval: '1m', candles: a },
        { symbol: 'BBBUSDT', interval: '1m', candles: b },
      ],
    });
    expect(replay.now()).toBe(59_999);
    await rejectsWith(replay.getCurrentPrice('BBBUSDT'), 'INSUFFICIENT_DATA');
    replay.advance();
    replay.advance();
    expect(await replay.getCurrentPrice('BBBUSDT')).toBe(102);
    expect(await replay.getCurrentPrice('AAAUSDT')).toBe(12.5);
    expect(replay.symbols()).toEqual(['AAAUSDT', 'BBBUSDT']);
  });
});

describe('ReplaySource aggregation: 1m aggregated to 1h equals the recorded 1h file', () => {
  let hourly: Candle[];
  beforeAll(() => {
    hourly = referenceRows(sharedData('klines', 'BTCUSDT_1h.csv'));
  });

  it('for complete hours of a contiguous 1m segment (2025-01-01 .. 2025-02-04)', async () => {
    const replay = new ReplaySource({
      series: [{ symbol: 'BTCUSDT', interval: '1m', candles: readCandleColumns(sharedData('klines', 'BTCUSDT_1m.csv.gz')) }],
      startTime: Date.UTC(2025, 0, 3, 0, 30),
    });
    const start = Date.UTC(2025, 0, 1);
    const got = await replay.getKlines({ symbol: 'BTCUSDT', interval: '1h', startTime: start, limit: 100 });
    // Only hours closed by 00:30 on Jan 3 are visible: 48 of them; the 00:00 hour is still forming.
    expect(got).toHaveLength(48);
    const expected = hourly.filter((h) => h.openTime >= start && h.closeTime <= Date.UTC(2025, 0, 3, 0, 30));
    expect(got.map((c) => [c.openTime, c.open, c.high, c.low, c.close, c.closeTime])).toEqual(
      expected.map((c) => [c.openTime, c.open, c.high, c.low, c.close, c.closeTime]),
    );
    for (const [i, c] of got.entries()) expect(c.volume).toBeCloseTo(expected[i].volume, 6);
    const recent = await replay.getRecentKlines('BTCUSDT', '1h', 5);
    expect(recent.map((c) => c.openTime)).toEqual(expected.slice(-5).map((c) => c.openTime));
  });
});
