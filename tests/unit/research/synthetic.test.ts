import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../src/domain/candle.js';
import { isConclaveError } from '../../../src/domain/errors.js';
import { inPlantedRegion, plantedEdgeMarket, plantedSmaCrossRegion, randomWalkMarket } from '../../../src/research/synthetic.js';

/**
 * Long-only sma-cross written here, independent of the engine: the signal at bar i's close (SMA(fast) > SMA(slow))
 * holds the position over bar i + 1 (open to close); 0.1 % cost per change of position. Annualised Sharpe (1h).
 */
function smaCrossSharpe(c: readonly Candle[], fast: number, slow: number): number {
  const rets: number[] = [];
  let pos = 0;
  let want = 0;
  let f = 0;
  let s = 0;
  for (let i = 0; i < c.length; i++) {
    if (i >= slow) {
      const cost = want !== pos ? 0.001 : 0;
      pos = want;
      rets.push(pos * (c[i]!.close / c[i]!.open - 1) - cost);
    }
    f += c[i]!.close - (i >= fast ? c[i - fast]!.close : 0);
    s += c[i]!.close - (i >= slow ? c[i - slow]!.close : 0);
    if (i >= slow - 1) want = f / fast > s / slow ? 1 : 0;
  }
  const m = rets.reduce((a, b) => a + b, 0) / rets.length;
  const sd = Math.sqrt(rets.reduce((a, b) => a + (b - m) ** 2, 0) / (rets.length - 1));
  return (m / sd) * Math.sqrt(8760);
}

describe('synthetic markets', () => {
  it('are deterministic per seed and differ across seeds', () => {
    expect(plantedEdgeMarket(5, { bars: 500 })).toEqual(plantedEdgeMarket(5, { bars: 500 }));
    expect(randomWalkMarket(5, { bars: 500 })).toEqual(randomWalkMarket(5, { bars: 500 }));
    expect(plantedEdgeMarket(5, { bars: 500 })[499]!.close).not.toBe(plantedEdgeMarket(6, { bars: 500 })[499]!.close);
  });

  it('return well-formed candles in the domain shape, one interval apart', () => {
    for (const c of [plantedEdgeMarket(1, { bars: 300, interval: '15m' }), randomWalkMarket(1, { bars: 300, interval: '15m' })]) {
      expect(c).toHaveLength(300);
      c.forEach((k, i) => {
        expect(k.high).toBeGreaterThanOrEqual(Math.max(k.open, k.close));
        expect(k.low).toBeLessThanOrEqual(Math.min(k.open, k.close));
        expect(k.low).toBeGreaterThan(0);
        expect(k.closeTime).toBe(k.openTime + 900_000 - 1);
        if (i > 0) {
          expect(k.openTime - c[i - 1]!.openTime).toBe(900_000);
          expect(k.open).toBe(c[i - 1]!.close);
        }
      });
    }
  });

  it('plant an edge inside the documented sma-cross region and none far outside it', () => {
    const region = plantedSmaCrossRegion();
    expect(region).toEqual({ slow: [20, 80], maxFastOverSlow: 1 / 3, slowAtLeastHasNoEdge: 240 });
    const outside: number[] = [];
    for (const seed of [11, 12, 13]) {
      const market = plantedEdgeMarket(seed);
      for (const [fast, slow] of [
        [2, 20],
        [6, 20],
        [5, 50],
        [16, 50],
        [2, 80],
        [26, 80],
      ] as const) {
        expect(inPlantedRegion({ fast, slow })).toBe(true);
        expect(smaCrossSharpe(market, fast, slow), `seed ${seed} ${fast}/${slow}`).toBeGreaterThan(3);
      }
      for (const [fast, slow] of [
        [5, 240],
        [20, 240],
        [20, 300],
        [60, 400],
      ] as const) {
        expect(inPlantedRegion({ fast, slow })).toBe(false);
        outside.push(smaCrossSharpe(market, fast, slow));
      }
    }
    expect(Math.max(...outside)).toBeLessThan(1.5);
    expect(outside.reduce((a, b) => a + b, 0) / outside.length).toBeLessThan(0.5);
    expect(inPlantedRegion({ fast: 30, slow: 60 })).toBe(false);
    expect(inPlantedRegion({ fast: 5, slow: 100 })).toBe(false);
  });

  it('the random walk gives sma-cross no edge anywhere', () => {
    const sharpes: number[] = [];
    for (const seed of [21, 22, 23]) {
      const market = randomWalkMarket(seed);
      for (const [fast, slow] of [
        [5, 20],
        [10, 60],
        [10, 100],
        [20, 200],
      ] as const) {
        sharpes.push(smaCrossSharpe(market, fast, slow));
      }
    }
    expect(Math.max(...sharpes)).toBeLessThan(1.5);
    expect(sharpes.reduce((a, b) => a + b, 0) / sharpes.length).toBeLessThan(0);
  });

  it('refuses bad options with VALIDATION_ERROR', () => {
    for (const f of [
      () => plantedEdgeMarket(1, { bars: 0 }),
      () => plantedEdgeMarket(1, { trendBars: 1 }),
      () => plantedEdgeMarket(1, { drift: -1 }),
      () => randomWalkMarket(1, { noise: 0 }),
      () => randomWalkMarket(1, { startPrice: -5 }),
    ]) {
      let caught: unknown;
      try {
        f();
      } catch (e) {
        caught = e;
      }
      expect(isConclaveError(caught, 'VALIDATION_ERROR')).toBe(true);
    }
  });
});
