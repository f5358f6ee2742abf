import { describe, expect, it } from 'vitest';
import {
  ATR,
  atr,
  Bollinger,
  bollinger,
  Donchian,
  donchian,
  EMA,
  ema,
  last,
  MACD,
  macd,
  RSI,
  rsi,
  SMA,
  StdDev,
  sma,
  stddev,
  trueRange,
  ZScore,
  zscore,
} from '../../../src/indicators/index.js';

const NaN_ = Number.NaN;
const arr = (values: Float64Array): number[] => Array.from(values);

/** Small cases worked out by hand; every number below is exact in binary floating point. */
describe('hand-computed indicator values', () => {
  it('SMA of [1,2,3,4] over 2 is [_, 1.5, 2.5, 3.5], from a plain array or a Float64Array', () => {
    expect(arr(sma([1, 2, 3, 4], 2))).toEqual([NaN_, 1.5, 2.5, 3.5]);
    expect(arr(sma(Float64Array.of(1, 2, 3, 4), 2))).toEqual([NaN_, 1.5, 2.5, 3.5]);
    expect(arr(sma([5, 7], 1))).toEqual([5, 7]);
    expect(arr(sma([1, 2], 3))).toEqual([NaN_, NaN_]);
    expect(sma([], 3).length).toBe(0);
  });

  it('EMA(3) of [1,2,3,4,5] seeds with the SMA 2, then steps by alpha 0.5: [_, _, 2, 3, 4]', () => {
    expect(arr(ema([1, 2, 3, 4, 5], 3))).toEqual([NaN_, NaN_, 2, 3, 4]);
    expect(new EMA(3).alpha).toBe(0.5);
  });

  it('RSI(2) of [1,2,1,2,3]: 50, then Wilder-smoothed 75 and 87.5', () => {
    // changes +1 -1 +1 +1; seed gains 0.5 / losses 0.5; then (0.5+1)/2=0.75 vs 0.25; (0.75+1)/2=0.875 vs 0.125.
    expect(arr(rsi([1, 2, 1, 2, 3], 2))).toEqual([NaN_, NaN_, 50, 75, 87.5]);
  });

  it('RSI is 100 when there are no losses and 0 when there are no gains', () => {
    expect(arr(rsi([1, 2, 3, 4], 2))).toEqual([NaN_, NaN_, 100, 100]);
    expect(arr(rsi([4, 3, 2, 1], 2))).toEqual([NaN_, NaN_, 0, 0]);
    expect(arr(rsi([5, 5, 5], 2))).toEqual([NaN_, NaN_, 100]);
  });

  it('true range and ATR(2) of four bars', () => {
    const high = [10, 11, 12, 9];
    const low = [8, 9, 7, 8];
    const close = [9, 10, 8, 8.5];
    // TR: first bar high-low = 2; max(2, |11-9|, |9-9|) = 2; max(5, |12-10|, |7-10|) = 5; max(1, |9-8|, |8-8|) = 1.
    expect(arr(trueRange(high, low, close))).toEqual([2, 2, 5, 1]);
    // ATR: mean(2,2) = 2; (2*1 + 5)/2 = 3.5; (3.5 + 1)/2 = 2.25.
    expect(arr(atr(high, low, close, 2))).toEqual([NaN_, 2, 3.5, 2.25]);
    const streaming = new ATR(2);
    expect(streaming.update({ high: 10, low: 8, close: 9 })).toBeNull();
    expect(streaming.update({ high: 11, low: 9, close: 10 })).toBe(2);
  });

  it('population standard deviation of [2,4,4,4,5,5,7,9] is 2 and of [1,3] is 1', () => {
    expect(last(stddev([2, 4, 4, 4, 5, 5, 7, 9], 8))).toBe(2);
    expect(arr(stddev([1, 3, 3], 2))).toEqual([NaN_, 1, 0]);
    expect(arr(stddev([4, 9], 1))).toEqual([0, 0]);
  });

  it('Bollinger(8, 2) of [2,4,4,4,5,5,7,9] is 5 +/- 4', () => {
    const bands = bollinger([2, 4, 4, 4, 5, 5, 7, 9], 8, 2);
    expect([last(bands.lower), last(bands.middle), last(bands.upper)]).toEqual([1, 5, 9]);
    expect(arr(bands.middle).slice(0, 7).every(Number.isNaN)).toBe(true);
    expect(new Bollinger(2, 1.5).update(1)).toBeNull();
  });

  it('z-score of 9 in [2,4,4,4,5,5,7,9] is (9-5)/2 = 2; a flat window scores 0', () => {
    expect(last(zscore([2, 4, 4, 4, 5, 5, 7, 9], 8))).toBe(2);
    expect(arr(zscore([3, 3, 3], 2))).toEqual([NaN_, 0, 0]);
    expect(arr(zscore([1, 3], 2))).toEqual([NaN_, 1]);
  });

  it('Donchian(2): highest high, lowest low, midpoint', () => {
    const channel = donchian([3, 5, 4, 2], [1, 2, 0, 1], 2);
    expect(arr(channel.upper)).toEqual([NaN_, 5, 5, 4]);
    expect(arr(channel.lower)).toEqual([NaN_, 1, 0, 0]);
    expect(arr(channel.middle)).toEqual([NaN_, 3, 2.5, 2]);
  });

  it('Donchian finds the extreme after it slides out of a long window', () => {
    const high = [9, 1, 2, 3, 4, 5, 4, 3];
    expect(arr(donchian(high, high, 3).upper)).toEqual([NaN_, NaN_, 9, 3, 4, 5, 5, 5]);
    expect(arr(donchian(high, high, 3).lower)).toEqual([NaN_, NaN_, 1, 1, 2, 3, 4, 3]);
  });

  it('MACD(1, 3, 3) of [1,2,3,5,9,17]', () => {
    // EMA1 = x; EMA3 (alpha 0.5): 2, 3.5, 6.25, 11.625 -> line 1, 1.5, 2.75, 5.375;
    // signal seed mean(1, 1.5, 2.75) = 1.75, then 1.75 + 0.5 * (5.375 - 1.75) = 3.5625.
    const m = macd([1, 2, 3, 5, 9, 17], 1, 3, 3);
    expect(arr(m.macd)).toEqual([NaN_, NaN_, 1, 1.5, 2.75, 5.375]);
    expect(arr(m.signal)).toEqual([NaN_, NaN_, NaN_, NaN_, 1.75, 3.5625]);
    expect(arr(m.histogram)).toEqual([NaN_, NaN_, NaN_, NaN_, 1, 1.8125]);
    const streaming = new MACD(1, 3, 3);
    const results = [1, 2, 3, 5, 9, 17].map((x) => streaming.update(x));
    expect(results.slice(0, 4)).toEqual([null, null, null, null]);
    expect(results[5]).toEqual({ macd: 5.375, signal: 3.5625, histogram: 1.8125 });
  });

  it('default parameters follow the usual conventions', () => {
    expect(new RSI().requiredInputs).toBe(15);
    expect(new ATR().requiredInputs).toBe(14);
    expect(new Bollinger().requiredInputs).toBe(20);
    expect(new Bollinger().k).toBe(2);
    expect(new MACD().requiredInputs).toBe(34);
    expect([new SMA(7), new StdDev(7), new ZScore(7), new Donchian(7), new EMA(7)].map((i) => i.requiredInputs)).toEqual([7, 7, 7, 7, 7]);
  });

  it('last() gives the newest value, or null when empty or warming up', () => {
    expect(last(new Float64Array(0))).toBeNull();
    expect(last(Float64Array.of(1, NaN_))).toBeNull();
    expect(last(Float64Array.of(NaN_, 2))).toBe(2);
  });

  it('a NaN input poisons a rolling window for exactly `period` values, then the window recovers', () => {
    const values = [1, 2, NaN_, 4, 5, 6];
    expect(arr(sma(values, 2))).toEqual([NaN_, 1.5, NaN_, NaN_, 4.5, 5.5]);
    expect(arr(stddev(values, 2))).toEqual([NaN_, 0.5, NaN_, NaN_, 0.5, 0.5]);
    expect(arr(donchian(values, values, 2).upper)).toEqual([NaN_, 2, NaN_, NaN_, 5, 6]);
  });
});
