import type { Candle, Interval } from '../domain/candle.js';
import { ConclaveError, isConclaveError } from '../domain/errors.js';
import type { Venue } from '../domain/market.js';
import {
  checkCandleJumps,
  checkCandles,
  checkPrice,
  type GuardContext,
  jumpOf,
  type MarketDataReason,
  marketDataInvalid,
  pct,
} from './data-guard.js';
import type { MarketHalts } from './market-halts.js';
import type { KlineProgress, KlineRangeQuery, MarketDataSource, MarketSession, Ticker24h } from './port.js';

export interface GuardOptions {
  /** Shared halt book of the process (one per runtime). */
  readonly halts: MarketHalts;
  /** MAX_PRICE_JUMP: largest believable move of the live price from the last closed candle (fraction). */
  readonly maxJump: number;
  /** The caller's clock (SimClock in replays and tests): what "the future" and "closed" mean. */
  readonly now: () => number;
  /**
   * Candles a live price is checked against: KLINE_INTERVAL and KLINE_LIMIT + 1, the same request a cycle's
   * snapshot makes, so behind the cache both share one venue call.
   */
  readonly referenceInterval: Interval;
  readonly referenceLimit: number;
}

/** Reasons of the price-jump guard: they halt the symbol on the venue, the structural ones only refuse the answer. */
const JUMP_REASONS: ReadonlySet<MarketDataReason> = new Set(['PRICE_JUMP', 'SPIKE']);

/**
 * The one gate every venue answer passes before anything reads it: structural checks on every candle and price
 * (see data-guard.ts), and on live reads the price-jump guard, which halts (venue, symbol) until a price within
 * MAX_PRICE_JUMP of the last closed candle comes back. History ranges (training, downloads) get the structural
 * checks only, so a real crash in the record stays usable. Refusals are ConclaveError MARKET_DATA_INVALID with
 * a `reason`; a live read with fewer candles than asked is INSUFFICIENT_DATA.
 */
export class GuardedMarketDataSource implements MarketDataSource {
  readonly get24hTickers?: () => Promise<Ticker24h[]>;
  /** Passed through: session hours carry no price to check. */
  readonly getMarketSession?: (symbol: string) => Promise<MarketSession | null>;
  /** The venue's clock, passed through (the scanner judges closed candles by it). */
  readonly getServerTime?: () => Promise<number>;

  constructor(
    readonly inner: MarketDataSource,
    private readonly options: GuardOptions,
  ) {
    const tickers = inner.get24hTickers?.bind(inner);
    if (tickers) this.get24hTickers = async () => (await tickers()).filter(saneTicker);
    const session = inner.getMarketSession?.bind(inner);
    if (session) this.getMarketSession = session;
    const serverTime = inner.getServerTime?.bind(inner);
    if (serverTime) this.getServerTime = serverTime;
  }

  get venue(): Venue {
    return this.inner.venue;
  }

  /**
   * The live price, checked for sanity and against the close of the last closed candle; a sane price lifts a
   * halt of the symbol.
   * @throws ConclaveError MARKET_DATA_INVALID, INSUFFICIENT_DATA, and whatever the venue raises.
   */
  async getCurrentPrice(symbol: string): Promise<number> {
    const ctx = this.context(symbol);
    const [price, candles] = await Promise.all([this.inner.getCurrentPrice(symbol), this.referenceCandles(symbol)]);
    const now = this.options.now();
    const maxJump = this.options.maxJump;
    return this.guarded(ctx, () => {
      checkPrice(price, ctx);
      const reference = lastClosed(candles, now);
      if (reference) {
        const jump = jumpOf(price, reference.close);
        if (jump > maxJump) {
          throw marketDataInvalid('PRICE_JUMP', ctx, `price ${price} is ${pct(jump)} from the last closed candle's ${reference.close}`, {
            price,
            reference: reference.close,
            jump,
            max_jump: maxJump,
          });
        }
      }
      this.options.halts.release(ctx.venue, ctx.symbol, price, reference?.close ?? null, now);
      return price;
    });
  }

  /**
   * Live candles, checked; while the symbol is halted the live price is re-checked first, so candles are
   * served again only once the price is sane.
   * @throws ConclaveError MARKET_DATA_INVALID, INSUFFICIENT_DATA, and whatever the venue raises.
   */
  async getRecentKlines(symbol: string, interval: Interval, limit: number): Promise<Candle[]> {
    const ctx = this.context(symbol);
    if (this.options.halts.isHalted(ctx.venue, ctx.symbol)) await this.getCurrentPrice(symbol);
    return this.liveKlines(symbol, interval, limit);
  }

  /** A history range: structural checks only (no jump guard, an empty range is allowed). @throws as getRecentKlines. */
  async getKlines(query: KlineRangeQuery, onProgress?: KlineProgress): Promise<Candle[]> {
    const candles = await this.inner.getKlines(query, onProgress);
    checkCandles(candles, {
      ...this.context(query.symbol),
      now: this.options.now(),
      range: { startTime: query.startTime, ...(query.endTime === undefined ? {} : { endTime: query.endTime }) },
      requireNonEmpty: false,
    });
    return candles;
  }

  /**
   * The candles a live price is compared with: the snapshot's own request (KLINE_INTERVAL, KLINE_LIMIT + 1),
   * checked like any live read but without asking for a full window (a price needs one closed candle). A
   * venue without that interval for the symbol (Yahoo has no 4h bars) falls back to the last two daily bars.
   */
  private async referenceCandles(symbol: string): Promise<Candle[]> {
    const { referenceInterval, referenceLimit } = this.options;
    try {
      return await this.liveKlines(symbol, referenceInterval, referenceLimit, false);
    } catch (error) {
      const noSuchSeries =
        isConclaveError(error, 'VALIDATION_ERROR') || (isConclaveError(error, 'MARKET_DATA_INVALID') && error.details?.reason === 'EMPTY');
      if (!noSuchSeries || referenceInterval === '1d') throw error;
      return this.liveKlines(symbol, '1d', 2, false);
    }
  }

  private async liveKlines(symbol: string, interval: Interval, limit: number, needFull = true): Promise<Candle[]> {
    const ctx = this.context(symbol);
    const candles = await this.inner.getRecentKlines(symbol, interval, limit);
    return this.guarded(ctx, () => {
      checkCandles(candles, { ...ctx, now: this.options.now(), requireNonEmpty: true });
      if (needFull && candles.length < limit) {
        throw new ConclaveError(
          'INSUFFICIENT_DATA',
          `${ctx.venue} ${ctx.symbol}: ${candles.length} ${interval} candles answered, ${limit} needed`,
          { venue: ctx.venue, symbol: ctx.symbol, interval, asked: limit, got: candles.length },
        );
      }
      checkCandleJumps(candles, this.options.maxJump, ctx);
      return candles;
    });
  }

  /** Runs a check; a price-jump refusal also halts the symbol on this venue. */
  private guarded<T>(ctx: GuardContext, check: () => T): T {
    try {
      return check();
    } catch (error) {
      const reason = isConclaveError(error, 'MARKET_DATA_INVALID') ? (error.details?.reason as MarketDataReason | undefined) : undefined;
      if (reason && JUMP_REASONS.has(reason)) {
        const d = (error as ConclaveError).details ?? {};
        this.options.halts.trip({
          venue: ctx.venue,
          symbol: ctx.symbol,
          reason,
          price: typeof d.price === 'number' ? d.price : null,
          reference: typeof d.reference === 'number' ? d.reference : null,
          message: (error as Error).message,
          at: this.options.now(),
        });
      }
      throw error;
    }
  }

  private context(symbol: string): GuardContext {
    return { venue: this.venue, symbol: String(symbol).trim().toUpperCase() };
  }
}

/** The newest candle closed by `now`. */
function lastClosed(candles: readonly Candle[], now: number): Candle | undefined {
  for (let i = candles.length - 1; i >= 0; i--) if (candles[i].closeTime <= now) return candles[i];
  return undefined;
}

/** Universe entries with an unusable price (delisted symbols report 0) are left out rather than failing the list. */
function saneTicker(t: Ticker24h): boolean {
  try {
    checkPrice(t.lastPrice, { venue: '', symbol: t.symbol });
  } catch {
    return false;
  }
  return Number.isFinite(t.quoteVolume) && t.quoteVolume >= 0 && Number.isFinite(t.volume) && Number.isFinite(t.priceChangePercent);
}
