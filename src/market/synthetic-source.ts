import { type Candle, type Interval, intervalMs } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import type { KlineProgress, KlineRangeQuery, MarketDataSource, Ticker24h } from './port.js';
import { checkInterval, checkLimit, checkRange, normalizeCryptoSymbol } from './venue-support.js';

export interface SyntheticSourceOptions {
  /** Same seed, same candles (SYNTHETIC_SEED). */
  readonly seed: number;
  /** The clock: only bars that closed at or before now() exist, so live demos move with it. */
  readonly now: () => number;
  /**
   * Bar length of the generated path (default 1m). Coarser intervals that are whole multiples of it are
   * aggregated from it, so 1m, 5m and 1h agree with each other and with getCurrentPrice; other intervals
   * are generated as their own path.
   */
  readonly interval?: Interval;
  /** Symbols get24hTickers lists (the scanner's universe). */
  readonly universe?: readonly string[];
}

export const SYNTHETIC_UNIVERSE = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT', 'XRPUSDT', 'ADAUSDT', 'DOGEUSDT', 'DOTUSDT'] as const;

/** Bars per block: a block is generated as one piece between two checkpoints of the log-price. */
const BLOCK = 512;
/** Checkpoint chains start here, so a candle's value never depends on when the process started. */
const ORIGIN_MS = Date.UTC(2020, 0, 1);
const YEAR_MS = 365.25 * 86_400_000;
const DAY_MS = 86_400_000;
/** Caps the base bars aggregated for one request; beyond it the coarse interval gets its own path. */
const MAX_AGGREGATED_BARS = 600_000;

/** Market regimes: drift per bar in units of the bar's volatility, and a volatility multiplier. */
const REGIMES = [
  { name: 'calm', drift: 0, vol: 0.6 },
  { name: 'bull', drift: 0.035, vol: 1 },
  { name: 'bear', drift: -0.035, vol: 1.2 },
  { name: 'volatile', drift: 0, vol: 2.2 },
] as const;
/** Blocks a regime lasts. */
const REGIME_SPAN = 3;
/** GARCH(1,1) weights: volatility clusters (large moves follow large moves). */
const GARCH_ALPHA = 0.08;
const GARCH_BETA = 0.9;
/** Pull of each checkpoint back toward the symbol's base price (keeps years of path in a sane range). */
const MEAN_REVERSION = 0.01;

interface Block {
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

interface Path {
  readonly key: string;
  readonly barMs: number;
  readonly sigma: number;
  readonly logBase: number;
  readonly baseVolume: number;
  /** Checkpoint log-prices forward from the origin block (index 0 = origin) and backward (index 0 = origin - 1). */
  readonly forward: number[];
  readonly backward: number[];
  readonly originBlock: number;
}

/**
 * A seeded, offline market: geometric Brownian motion with regime switches (calm, bull, bear, volatile) and
 * GARCH volatility clustering. Every candle is a pure function of (seed, symbol, interval, open time), so
 * history does not change as the clock moves and two runs with one seed agree. Any symbol matching the
 * crypto symbol pattern exists. No network.
 */
export class SyntheticSource implements MarketDataSource {
  readonly venue = 'synthetic' as const;
  private readonly base: Interval;
  private readonly paths = new Map<string, Path>();
  private readonly blocks = new Map<string, Block>();

  constructor(private readonly options: SyntheticSourceOptions) {
    this.base = options.interval ?? '1m';
  }

  /** Close of the newest closed bar of the base interval. @throws ConclaveError VALIDATION_ERROR (symbol shape). */
  async getCurrentPrice(symbol: string): Promise<number> {
    const sym = normalizeCryptoSymbol(symbol, 'synthetic');
    const last = this.lastClosedIndex(intervalMs(this.base));
    return this.bar(this.path(sym, this.base), last).close;
  }

  /** The newest `limit` closed candles, oldest first. @throws ConclaveError VALIDATION_ERROR. */
  async getRecentKlines(symbol: string, interval: Interval, limit: number): Promise<Candle[]> {
    const sym = normalizeCryptoSymbol(symbol, 'synthetic');
    checkInterval(interval, 'synthetic');
    checkLimit(limit, 1, 100_000, 'synthetic');
    const last = this.lastClosedIndex(intervalMs(interval));
    return this.range(sym, interval, last - limit + 1, last);
  }

  /** The first `limit` closed candles opening in [startTime, endTime]. @throws ConclaveError VALIDATION_ERROR. */
  async getKlines(query: KlineRangeQuery, onProgress?: KlineProgress): Promise<Candle[]> {
    const sym = normalizeCryptoSymbol(query.symbol, 'synthetic');
    checkInterval(query.interval, 'synthetic');
    checkLimit(query.limit, 1, Number.MAX_SAFE_INTEGER, 'synthetic');
    checkRange(query.startTime, query.endTime, 'synthetic');
    const ms = intervalMs(query.interval);
    const first = Math.ceil(query.startTime / ms);
    let last = this.lastClosedIndex(ms);
    if (query.endTime !== undefined) last = Math.min(last, Math.floor(query.endTime / ms));
    last = Math.min(last, first + query.limit - 1);
    const out = last >= first ? this.range(sym, query.interval, first, last) : [];
    onProgress?.(out.length, query.limit);
    return out;
  }

  /** 24 h statistics of the universe from base-interval bars. */
  async get24hTickers(): Promise<Ticker24h[]> {
    const ms = intervalMs(this.base);
    const last = this.lastClosedIndex(ms);
    const bars = Math.max(1, Math.round(DAY_MS / ms));
    return (this.options.universe ?? SYNTHETIC_UNIVERSE).map((symbol) => {
      const path = this.path(normalizeCryptoSymbol(symbol, 'synthetic'), this.base);
      let volume = 0;
      let quoteVolume = 0;
      let open = 0;
      let close = 0;
      for (let k = last - bars + 1; k <= last; k++) {
        const c = this.bar(path, k);
        if (k === last - bars + 1) open = c.open;
        close = c.close;
        volume += c.volume;
        quoteVolume += c.volume * c.close;
      }
      return { symbol, lastPrice: close, volume, quoteVolume, priceChangePercent: ((close - open) / open) * 100 };
    });
  }

  /** Index (openTime / ms) of the newest bar whose close time is at or before now. */
  private lastClosedIndex(ms: number): number {
    const now = this.options.now();
    if (!Number.isFinite(now)) throw new ConclaveError('VALIDATION_ERROR', `synthetic: clock returned ${now}`);
    return Math.floor((now + 1) / ms) - 1;
  }

  /** Candles with bar index first..last (inclusive) at `interval`. */
  private range(symbol: string, interval: Interval, first: number, last: number): Candle[] {
    const ms = intervalMs(interval);
    const baseMs = intervalMs(this.base);
    const ratio = ms / baseMs;
    const out: Candle[] = [];
    if (ratio > 1 && Number.isInteger(ratio) && (last - first + 1) * ratio <= MAX_AGGREGATED_BARS) {
      const path = this.path(symbol, this.base);
      for (let k = first; k <= last; k++) {
        let open = 0;
        let high = Number.NEGATIVE_INFINITY;
        let low = Number.POSITIVE_INFINITY;
        let close = 0;
        let volume = 0;
        for (let b = k * ratio; b < (k + 1) * ratio; b++) {
          const c = this.bar(path, b);
          if (b === k * ratio) open = c.open;
          high = Math.max(high, c.high);
          low = Math.min(low, c.low);
          close = c.close;
          volume += c.volume;
        }
        out.push({ openTime: k * ms, open, high, low, close, volume: round(volume, 6), closeTime: (k + 1) * ms - 1 });
      }
      return out;
    }
    const path = this.path(symbol, interval);
    for (let k = first; k <= last; k++) out.push(this.bar(path, k));
    return out;
  }

  private path(symbol: string, interval: Interval): Path {
    const key = `${symbol}|${interval}`;
    let path = this.paths.get(key);
    if (!path) {
      const barMs = intervalMs(interval);
      const profile = symbolProfile(symbol, this.options.seed);
      path = {
        key,
        barMs,
        sigma: profile.annualVol * Math.sqrt(barMs / YEAR_MS),
        logBase: Math.log(profile.price),
        baseVolume: profile.volumePerDay * (barMs / DAY_MS),
        forward: [Math.log(profile.price)],
        backward: [],
        originBlock: Math.floor(ORIGIN_MS / barMs / BLOCK),
      };
      this.paths.set(key, path);
    }
    return path;
  }

  private regime(path: Path, block: number): (typeof REGIMES)[number] {
    const u = rng(this.options.seed, path.key, 'regime', Math.floor(block / REGIME_SPAN))();
    return REGIMES[Math.min(REGIMES.length - 1, Math.floor(u * REGIMES.length))];
  }

  /** Log-price change from checkpoint `block` to `block + 1`, given the level at `block`. */
  private blockStep(path: Path, block: number, level: number, revert: boolean): number {
    const r = this.regime(path, block);
    const z = normal(rng(this.options.seed, path.key, 'checkpoint', block));
    const pull = revert ? -MEAN_REVERSION * (level - path.logBase) : 0;
    return BLOCK * r.drift * path.sigma + path.sigma * Math.sqrt(BLOCK) * r.vol * z + pull;
  }

  /** Log-price at the start of `block`, extending the cached checkpoint chains as needed. */
  private checkpoint(path: Path, block: number): number {
    const offset = block - path.originBlock;
    if (offset >= 0) {
      while (path.forward.length <= offset) {
        const b = path.originBlock + path.forward.length - 1;
        const level = path.forward[path.forward.length - 1];
        path.forward.push(level + this.blockStep(path, b, level, true));
      }
      return path.forward[offset];
    }
    const back = -offset - 1;
    while (path.backward.length <= back) {
      const b = path.originBlock - path.backward.length - 1;
      const next = path.backward.length === 0 ? path.forward[0] : path.backward[path.backward.length - 1];
      path.backward.push(next - this.blockStep(path, b, next, false));
    }
    return path.backward[back];
  }

  private bar(path: Path, index: number): Candle {
    const block = Math.floor(index / BLOCK);
    const b = this.block(path, block);
    const i = index - block * BLOCK;
    return {
      openTime: index * path.barMs,
      open: b.open[i],
      high: b.high[i],
      low: b.low[i],
      close: b.close[i],
      volume: b.volume[i],
      closeTime: (index + 1) * path.barMs - 1,
    };
  }

  /** One block of bars: a GARCH path bent (Brownian bridge) to end exactly at the next checkpoint. */
  private block(path: Path, block: number): Block {
    const cacheKey = `${path.key}|${block}`;
    const cached = this.blocks.get(cacheKey);
    if (cached) return cached;
    const start = this.checkpoint(path, block);
    const end = this.checkpoint(path, block + 1);
    const regime = this.regime(path, block);
    const rand = rng(this.options.seed, path.key, 'bars', block);
    const sigma = path.sigma * regime.vol;
    const omega = sigma * sigma * (1 - GARCH_ALPHA - GARCH_BETA);
    const walk = new Float64Array(BLOCK);
    const vols = new Float64Array(BLOCK);
    let variance = sigma * sigma * (0.5 + rand());
    let x = 0;
    for (let k = 0; k < BLOCK; k++) {
      const e = Math.sqrt(variance) * normal(rand);
      vols[k] = Math.sqrt(variance);
      x += regime.drift * path.sigma + e;
      walk[k] = x;
      variance = omega + GARCH_ALPHA * e * e + GARCH_BETA * variance;
    }
    const gap = walk[BLOCK - 1] - (end - start);
    const out: Block = {
      open: new Float64Array(BLOCK),
      high: new Float64Array(BLOCK),
      low: new Float64Array(BLOCK),
      close: new Float64Array(BLOCK),
      volume: new Float64Array(BLOCK),
    };
    let prevClose = round(Math.exp(start), 8);
    for (let k = 0; k < BLOCK; k++) {
      const close = round(Math.exp(start + walk[k] - ((k + 1) / BLOCK) * gap), 8);
      const wick = vols[k] * 0.6;
      const high = round(Math.max(prevClose, close) * Math.exp(Math.abs(normal(rand)) * wick), 8);
      const low = round(Math.min(prevClose, close) * Math.exp(-Math.abs(normal(rand)) * wick), 8);
      out.open[k] = prevClose;
      out.close[k] = close;
      out.high[k] = Math.max(high, prevClose, close);
      out.low[k] = Math.min(low, prevClose, close);
      const activity = 1 + (2 * Math.abs(Math.log(close / prevClose))) / Math.max(path.sigma, 1e-12);
      out.volume[k] = round(path.baseVolume * activity * Math.exp(0.4 * normal(rand)), 6);
      prevClose = close;
    }
    if (this.blocks.size >= 256) this.blocks.delete(this.blocks.keys().next().value as string);
    this.blocks.set(cacheKey, out);
    return out;
  }
}

/** Price level, volatility and volume of a symbol: familiar levels for the majors, seeded otherwise. */
function symbolProfile(symbol: string, seed: number): { price: number; annualVol: number; volumePerDay: number } {
  const majors: Record<string, [number, number]> = {
    BTC: [60_000, 0.55],
    ETH: [3_000, 0.7],
    SOL: [150, 0.9],
    BNB: [600, 0.6],
    XRP: [0.6, 0.8],
  };
  for (const [base, [price, vol]] of Object.entries(majors)) {
    if (symbol.startsWith(base)) return { price, annualVol: vol, volumePerDay: 5e8 / price };
  }
  const rand = rng(seed, symbol, 'profile');
  const price = round(10 ** (rand() * 4 - 1), 4);
  const crypto = /(USDT|USDC|BUSD|FDUSD|BTC|ETH)$/.test(symbol);
  return { price, annualVol: crypto ? 0.6 + rand() * 0.6 : 0.2 + rand() * 0.2, volumePerDay: (1e7 + rand() * 1e8) / price };
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** A small fast PRNG (mulberry32) seeded by hashing the parts (FNV-1a, then mixed). */
function rng(...parts: Array<string | number>): () => number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = `${part}\u0000`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  let state = h >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal by Box-Muller. */
function normal(rand: () => number): number {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
