/**
 * Seeded synthetic markets for testing research end to end: one with an edge planted where a known sma-cross
 * parameter region can harvest it, one with no edge at all. Same seed and options, same candles, on every platform.
 *
 * plantedEdgeMarket — alternating up and down trends. Each trend lasts a whole number of bars drawn uniformly
 * from [trendBars/2, 3·trendBars/2]; inside it the log-price moves by ±drift per bar plus Gaussian noise of sd
 * `noise`. Up and down trends alternate, so the market has no net drift (buy-and-hold earns nothing on average).
 * The edge is the persistence of the trend: a long-only sma-cross whose slow average is short against the trend
 * (trendBars/6 <= slow <= 2·trendBars/3, fast <= slow/3) enters an up-trend after a lag of a fraction of it and
 * exits soon after it turns, keeping most of each up-move (annualised Sharpe about 3 to 7 after 0.1 % a side with
 * the defaults); a slow average of 2·trendBars or more lags whole trends and keeps nothing (Sharpe around 0 or below). `plantedSmaCrossRegion`
 * states that region; the unit tests check both halves of it on several seeds with a loop written in the test.
 * With the defaults sma-cross closes 40 to 200 trades a year: a gate needing 200 trades wants more bars or
 * shorter trends (the region scales with trendBars).
 *
 * randomWalkMarket — a driftless Gaussian random walk of the log-price: no rule on past prices has an edge.
 */
import type { Candle, Interval } from '../domain/candle.js';
import { intervalMs } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import { mulberry32 } from '../ml/prng.js';

export interface SyntheticMarketOptions {
  /** Number of candles (default 8760: one year of 1h bars). */
  readonly bars?: number;
  /** Bar length (default 1h). */
  readonly interval?: Interval;
  /** Open time of the first candle, UTC ms (default 2024-01-01). */
  readonly start?: number;
  /** First open price (default 100). */
  readonly startPrice?: number;
  /** Sd of the per-bar log return noise (default 0.005). */
  readonly noise?: number;
}

export interface PlantedEdgeOptions extends SyntheticMarketOptions {
  /** Mean trend length in bars (default 120). */
  readonly trendBars?: number;
  /** Log-price drift per bar inside a trend, + in up-trends and - in down-trends (default 0.001). */
  readonly drift?: number;
}

const DEFAULTS = { bars: 8760, interval: '1h' as Interval, start: Date.UTC(2024, 0, 1), startPrice: 100, noise: 0.005 };

/** The sma-cross parameters that harvest the planted edge, and the ones that cannot. */
export interface PlantedRegion {
  /** Inside: slow within [slow[0], slow[1]] bars and 2 <= fast <= slow · maxFastOverSlow. */
  readonly slow: readonly [number, number];
  readonly maxFastOverSlow: number;
  /** Outside: a slow average at least this long lags whole trends and has no edge. */
  readonly slowAtLeastHasNoEdge: number;
}

export function plantedSmaCrossRegion(opts: Pick<PlantedEdgeOptions, 'trendBars'> = {}): PlantedRegion {
  const trend = opts.trendBars ?? 120;
  return { slow: [Math.round(trend / 6), Math.round((2 * trend) / 3)], maxFastOverSlow: 1 / 3, slowAtLeastHasNoEdge: 2 * trend };
}

/** Whether sma-cross parameters lie in the planted region of a market made with these options. */
export function inPlantedRegion(
  params: { readonly fast: number; readonly slow: number },
  opts: Pick<PlantedEdgeOptions, 'trendBars'> = {},
): boolean {
  const r = plantedSmaCrossRegion(opts);
  return params.slow >= r.slow[0] && params.slow <= r.slow[1] && params.fast >= 2 && params.fast <= params.slow * r.maxFastOverSlow;
}

/** @throws ConclaveError VALIDATION_ERROR on a non-positive size, noise or trend length. */
export function plantedEdgeMarket(seed: number, opts: PlantedEdgeOptions = {}): Candle[] {
  const trendBars = opts.trendBars ?? 120;
  const drift = opts.drift ?? 0.001;
  if (!Number.isInteger(trendBars) || trendBars < 2) {
    throw new ConclaveError('VALIDATION_ERROR', `trendBars must be a whole number >= 2, got ${trendBars}`);
  }
  if (!(drift >= 0) || !Number.isFinite(drift)) throw new ConclaveError('VALIDATION_ERROR', `drift must be >= 0, got ${drift}`);
  const rnd = mulberry32(seed);
  let direction = rnd() < 0.5 ? 1 : -1;
  let left = 0;
  return build(rnd, opts, () => {
    if (left === 0) {
      direction = -direction;
      left = Math.floor(trendBars / 2 + rnd() * (trendBars + 1));
    }
    left--;
    return direction * drift;
  });
}

/** @throws ConclaveError VALIDATION_ERROR on a non-positive size or noise. */
export function randomWalkMarket(seed: number, opts: SyntheticMarketOptions = {}): Candle[] {
  return build(mulberry32(seed), opts, () => 0);
}

function build(rnd: () => number, opts: SyntheticMarketOptions, driftOf: () => number): Candle[] {
  const bars = opts.bars ?? DEFAULTS.bars;
  const noise = opts.noise ?? DEFAULTS.noise;
  const start = opts.start ?? DEFAULTS.start;
  const ms = intervalMs(opts.interval ?? DEFAULTS.interval);
  let price = opts.startPrice ?? DEFAULTS.startPrice;
  if (!Number.isInteger(bars) || bars < 1) throw new ConclaveError('VALIDATION_ERROR', `bars must be a whole number >= 1, got ${bars}`);
  if (!(noise > 0) || !Number.isFinite(noise)) throw new ConclaveError('VALIDATION_ERROR', `noise must be > 0, got ${noise}`);
  if (!(price > 0)) throw new ConclaveError('VALIDATION_ERROR', `startPrice must be > 0, got ${price}`);
  const gauss = (): number => {
    const u = 1 - rnd(); // (0, 1]: log(0) never happens
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  };
  const out: Candle[] = new Array(bars);
  for (let i = 0; i < bars; i++) {
    const open = price;
    const close = open * Math.exp(driftOf() + noise * gauss());
    // Wicks: a half-normal excursion beyond the body, of the size of the bar's noise.
    const high = Math.max(open, close) * Math.exp(Math.abs(gauss()) * noise * 0.5);
    const low = Math.min(open, close) * Math.exp(-Math.abs(gauss()) * noise * 0.5);
    const openTime = start + i * ms;
    out[i] = { openTime, open, high, low, close, volume: 1000 * (0.5 + rnd()), closeTime: openTime + ms - 1 };
    price = close;
  }
  return out;
}
