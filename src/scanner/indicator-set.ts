import type { Candle } from '../domain/candle.js';
import { atr, bollinger, donchian, ema, macd, rsi, sma } from '../indicators/index.js';

/** Parameters of the indicators every detector reads; one set per scan so detectors and calibration agree. */
export interface IndicatorParams {
  readonly rsiPeriod: number;
  readonly bbPeriod: number;
  readonly bbK: number;
  readonly donchianPeriod: number;
  readonly volumePeriod: number;
  readonly atrPeriod: number;
  readonly macdFast: number;
  readonly macdSlow: number;
  readonly macdSignal: number;
  readonly trendEma: number;
}

export const DEFAULT_INDICATOR_PARAMS: IndicatorParams = {
  rsiPeriod: 14,
  bbPeriod: 20,
  bbK: 2,
  donchianPeriod: 20,
  volumePeriod: 20,
  atrPeriod: 14,
  macdFast: 12,
  macdSlow: 26,
  macdSignal: 9,
  trendEma: 50,
};

/**
 * Candles of one symbol and timeframe as columns plus every indicator the detectors use, computed once
 * (batch, NaN during warm-up) so a detector at bar i and the calibration over all past bars read the same numbers.
 */
export interface IndicatorSet {
  readonly length: number;
  readonly openTime: Float64Array;
  readonly closeTime: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly rsi: Float64Array;
  readonly bbLower: Float64Array;
  readonly bbMiddle: Float64Array;
  readonly bbUpper: Float64Array;
  /** Donchian channel of the bars up to and including i. */
  readonly dcUpper: Float64Array;
  readonly dcLower: Float64Array;
  /** Simple mean of volume over `volumePeriod` bars up to and including i. */
  readonly volumeSma: Float64Array;
  readonly atr: Float64Array;
  readonly macd: Float64Array;
  readonly macdSignal: Float64Array;
  readonly macdHist: Float64Array;
  readonly trendEma: Float64Array;
  readonly params: IndicatorParams;
}

/** Builds the indicator set of `candles` (oldest first). Pure. */
export function buildIndicatorSet(candles: readonly Candle[], params: IndicatorParams = DEFAULT_INDICATOR_PARAMS): IndicatorSet {
  const n = candles.length;
  const col = (pick: (c: Candle) => number) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = pick(candles[i]);
    return out;
  };
  const high = col((c) => c.high);
  const low = col((c) => c.low);
  const close = col((c) => c.close);
  const volume = col((c) => c.volume);
  const bb = bollinger(close, params.bbPeriod, params.bbK);
  const dc = donchian(high, low, params.donchianPeriod);
  const m = macd(close, params.macdFast, params.macdSlow, params.macdSignal);
  return {
    length: n,
    openTime: col((c) => c.openTime),
    closeTime: col((c) => c.closeTime),
    high,
    low,
    close,
    volume,
    rsi: rsi(close, params.rsiPeriod),
    bbLower: bb.lower,
    bbMiddle: bb.middle,
    bbUpper: bb.upper,
    dcUpper: dc.upper,
    dcLower: dc.lower,
    volumeSma: sma(volume, params.volumePeriod),
    atr: atr(high, low, close, params.atrPeriod),
    macd: m.macd,
    macdSignal: m.signal,
    macdHist: m.histogram,
    trendEma: ema(close, params.trendEma),
    params,
  };
}
