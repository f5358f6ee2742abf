import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intervalMs } from '../../../src/domain/candle.js';
import { isConclaveError } from '../../../src/domain/errors.js';
import { SyntheticSource } from '../../../src/market/synthetic-source.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 30);

describe('SyntheticSource', () => {
  it('is deterministic for a seed and differs across seeds', async () => {
    const a = new SyntheticSource({ seed: 7, now: () => NOW });
    const b = new SyntheticSource({ seed: 7, now: () => NOW });
    const c = new SyntheticSource({ seed: 8, now: () => NOW });
    const ka = await a.getRecentKlines('ETHUSDT', '1m', 600);
    expect(await b.getRecentKlines('ETHUSDT', '1m', 600)).toEqual(ka);
    expect((await c.getRecentKlines('ETHUSDT', '1m', 600)).map((k) => k.close)).not.toEqual(ka.map((k) => k.close));
  });

  it('keeps history fixed while the clock moves, and shows only closed bars', async () => {
    let now = NOW;
    const source = new SyntheticSource({ seed: 1, now: () => now });
    const before = await source.getRecentKlines('BTCUSDT', '1m', 100);
    expect(before.at(-1)!.closeTime).toBeLessThanOrEqual(now);
    expect(before.at(-1)!.closeTime + 1 + 60_000).toBeGreaterThan(now);
    now += 10 * 60_000;
    const after = await source.getRecentKlines('BTCUSDT', '1m', 110);
    expect(after.slice(0, 100)).toEqual(before);
    expect(await source.getCurrentPrice('BTCUSDT')).toBe(after.at(-1)!.close);
  });

  it('produces aligned, contiguous, internally consistent candles for any symbol (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[A-Z0-9]{2,12}$/),
        fc.constantFrom('1m', '5m', '15m', '1h', '4h', '1d', '3m', '1w') as fc.Arbitrary<'1m'>,
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (symbol, interval, seed) => {
          const source = new SyntheticSource({ seed, now: () => NOW });
          const candles = await source.getRecentKlines(symbol, interval, 30);
          const ms = intervalMs(interval);
          expect(candles).toHaveLength(30);
          for (const [i, k] of candles.entries()) {
            expect(k.openTime % ms).toBe(0);
            expect(k.closeTime).toBe(k.openTime + ms - 1);
            expect(k.closeTime).toBeLessThanOrEqual(NOW);
            if (i > 0) expect(k.openTime).toBe(candles[i - 1].openTime + ms);
            expect(k.low).toBeGreaterThan(0);
            expect(k.high).toBeGreaterThanOrEqual(Math.max(k.open, k.close));
            expect(k.low).toBeLessThanOrEqual(Math.min(k.open, k.close));
            expect(k.volume).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('coarser intervals are the aggregate of the 1m path', async () => {
    const source = new SyntheticSource({ seed: 3, now: () => NOW });
    const hours = await source.getRecentKlines('SOLUSDT', '1h', 3);
    const minutes = await source.getKlines({ symbol: 'SOLUSDT', interval: '1m', startTime: hours[0].openTime, limit: 180 });
    for (const [h, hour] of hours.entries()) {
      const part = minutes.slice(h * 60, h * 60 + 60);
      expect(hour.open).toBe(part[0].open);
      expect(hour.close).toBe(part[59].close);
      expect(hour.high).toBe(Math.max(...part.map((m) => m.high)));
      expect(hour.low).toBe(Math.min(...part.map((m) => m.low)));
    }
  });

  it('looks like a market: fat tails and volatility clustering in 1m returns', async () => {
    const source = new SyntheticSource({ seed: 42, now: () => NOW });
    const bars = await source.getKlines({ symbol: 'BTCUSDT', interval: '1m', startTime: Date.UTC(2025, 5, 1), limit: 40_000 });
    const r = bars.slice(1).map((c, i) => Math.log(c.close / bars[i].close));
    const mean = r.reduce((s, x) => s + x, 0) / r.length;
    const variance = r.reduce((s, x) => s + (x - mean) ** 2, 0) / r.length;
    const kurtosis = r.reduce((s, x) => s + (x - mean) ** 4, 0) / r.length / variance ** 2;
    const abs = r.map(Math.abs);
    const am = abs.reduce((s, x) => s + x, 0) / abs.length;
    let num = 0;
    let den = 0;
    for (let i = 0; i < abs.length; i++) {
      den += (abs[i] - am) ** 2;
      if (i > 0) num += (abs[i] - am) * (abs[i - 1] - am);
    }
    expect(kurtosis).toBeGreaterThan(4); // a normal distribution has 3
    expect(num / den).toBeGreaterThan(0.1); // i.i.d. returns give about 0
  });

  it('getKlines honours start, end and limit; rejects malformed symbols', async () => {
    const source = new SyntheticSource({ seed: 1, now: () => NOW });
    const start = Date.UTC(2026, 0, 1, 0, 0, 30); // not aligned: the first bar opens at the next minute
    const got = await source.getKlines({ symbol: 'BTCUSDT', interval: '1m', startTime: start, endTime: start + 10 * 60_000, limit: 5 });
    expect(got.map((k) => k.openTime)).toEqual([1, 2, 3, 4, 5].map((i) => Date.UTC(2026, 0, 1) + i * 60_000));
    const error = await source.getCurrentPrice('BTC/USDT!').catch((e: unknown) => e);
    expect(isConclaveError(error, 'VALIDATION_ERROR')).toBe(true);
    expect((await source.get24hTickers()).map((t) => t.symbol)).toContain('ETHUSDT');
  });
});
