import { describe, expect, it } from 'vitest';
import { isConclaveError } from '../../../src/domain/errors.js';
import {
  ATR,
  atr,
  Bollinger,
  bollinger,
  Donchian,
  donchian,
  EMA,
  ema,
  MACD,
  MAX_PERIOD,
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

function validationError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isConclaveError(error, 'VALIDATION_ERROR')) return error.message;
    throw error;
  }
  throw new Error('expected a VALIDATION_ERROR, nothing was thrown');
}

const BAD_PERIODS = [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_PERIOD + 1];
const xs = [1, 2, 3];

const PERIOD_USERS: ReadonlyArray<readonly [string, (period: number) => unknown]> = [
  ['SMA', (p) => new SMA(p)],
  ['sma', (p) => sma(xs, p)],
  ['EMA', (p) => new EMA(p)],
  ['ema', (p) => ema(xs, p)],
  ['RSI', (p) => new RSI(p)],
  ['rsi', (p) => rsi(xs, p)],
  ['ATR', (p) => new ATR(p)],
  ['atr', (p) => atr(xs, xs, xs, p)],
  ['StdDev', (p) => new StdDev(p)],
  ['stddev', (p) => stddev(xs, p)],
  ['ZScore', (p) => new ZScore(p)],
  ['zscore', (p) => zscore(xs, p)],
  ['Bollinger', (p) => new Bollinger(p)],
  ['bollinger', (p) => bollinger(xs, p)],
  ['Donchian', (p) => new Donchian(p)],
  ['donchian', (p) => donchian(xs, xs, p)],
  ['MACD fast', (p) => new MACD(p, 26, 9)],
  ['MACD slow', (p) => new MACD(1, p, 9)],
  ['macd signal', (p) => macd(xs, 12, 26, p)],
];

describe('indicator input validation', () => {
  for (const [name, use] of PERIOD_USERS) {
    it(`${name} rejects periods that are not positive integers up to MAX_PERIOD`, () => {
      for (const period of BAD_PERIODS) expect(validationError(() => use(period))).toContain(String(period));
      expect(() => use(1 + (name.startsWith('MACD slow') ? 1 : 0))).not.toThrow();
    });
  }

  it('the message names the field and what was expected', () => {
    expect(validationError(() => new MACD(12, 26, 0))).toBe('signal must be an integer from 1 to 1000000, got 0');
  });

  it('MACD needs fast < slow', () => {
    expect(validationError(() => new MACD(26, 12))).toMatch(/fast .* shorter than slow, got fast=26 slow=12/);
    expect(validationError(() => macd(xs, 5, 5, 3))).toMatch(/fast=5 slow=5/);
  });

  it('Bollinger needs a finite k >= 0', () => {
    for (const k of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(validationError(() => bollinger(xs, 2, k))).toContain('k must be');
    expect(() => new Bollinger(2, 0)).not.toThrow();
  });

  it('high/low/close series must have equal lengths', () => {
    expect(validationError(() => atr([1, 2], [1], [1, 2], 2))).toBe('high/low/close must have equal lengths, got high=2, low=1, close=2');
    expect(validationError(() => trueRange([1], [1], [1, 2]))).toContain('close=2');
    expect(validationError(() => donchian([1, 2, 3], [1, 2], 2))).toContain('high=3, low=2');
  });
});
