import type { Candle } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';

/**
 * Why a venue answer was refused (the `reason` of a MARKET_DATA_INVALID error and the label of
 * `conclave_market_data_rejections_total`). Stable: dashboards and alerts key on them.
 */
export const MARKET_DATA_REASONS = {
  BAD_SHAPE: 'the body does not parse into the expected shape',
  RESPONSE_TOO_LARGE: 'the body is larger than VENUE_MAX_RESPONSE_BYTES',
  NOT_A_PRICE: 'a price that is not a finite number above zero',
  PRICE_MAGNITUDE: `a price outside [${1e-12}, ${1e12}]`,
  SYMBOL_MISMATCH: 'the answer is about another symbol than the one asked for',
  BAD_VOLUME: 'a volume that is not a finite number >= 0',
  HIGH_BELOW_LOW: 'a candle whose high is below its low',
  OUTSIDE_HIGH_LOW: 'a candle whose open or close is outside [low, high]',
  BAD_TIMES: 'a candle whose close time is not after its open time, or times that are not finite',
  NOT_INCREASING: 'open times out of order or duplicated',
  OUTSIDE_RANGE: 'a candle opening outside the requested time range',
  FUTURE: 'a candle opening after the current time',
  EMPTY: 'no candles where some were asked for',
  SPIKE:
    'a close that leaves the previous one by more than MAX_PRICE_JUMP and gives back at least half of it at the next, or a candle whose high exceeds its low by more than 1 + 5 x MAX_PRICE_JUMP',
  PRICE_JUMP: 'the live price or the newest candle moved more than MAX_PRICE_JUMP from the last closed candle',
  SYMBOL_HALTED: 'the symbol is halted on this venue after a price jump, until a price within MAX_PRICE_JUMP comes back',
} as const;

export type MarketDataReason = keyof typeof MARKET_DATA_REASONS;

/** Bounds of a believable price in any quote currency (IDR pairs reach 1e9, the smallest tokens 1e-8). */
export const MIN_PRICE = 1e-12;
export const MAX_PRICE = 1e12;
/** Venue clocks run a little ahead of ours; a candle may open this far past our now before it counts as future. */
export const FUTURE_TOLERANCE_MS = 60_000;

/** What the answer was about, for error messages and details. */
export interface GuardContext {
  readonly venue: string;
  readonly symbol: string;
}

/** The MARKET_DATA_INVALID error of a refused answer, with `reason` in its details. */
export function marketDataInvalid(
  reason: MarketDataReason,
  ctx: GuardContext,
  problem: string,
  details: Record<string, unknown> = {},
): ConclaveError {
  return new ConclaveError('MARKET_DATA_INVALID', `${ctx.venue} ${ctx.symbol}: ${problem} (${MARKET_DATA_REASONS[reason]})`, {
    venue: ctx.venue,
    symbol: ctx.symbol,
    reason,
    ...details,
  });
}

/** @throws ConclaveError MARKET_DATA_INVALID (NOT_A_PRICE, PRICE_MAGNITUDE). */
export function checkPrice(price: number, ctx: GuardContext, what = 'price'): void {
  if (!Number.isFinite(price) || !(price > 0)) throw marketDataInvalid('NOT_A_PRICE', ctx, `${what} is ${price}`, { value: price });
  if (price < MIN_PRICE || price > MAX_PRICE) throw marketDataInvalid('PRICE_MAGNITUDE', ctx, `${what} is ${price}`, { value: price });
}

/** @throws ConclaveError MARKET_DATA_INVALID (SYMBOL_MISMATCH) when the venue answered about another symbol. */
export function checkTickerSymbol(answered: string | undefined, ctx: GuardContext): void {
  if (answered === undefined || answered.toUpperCase() !== ctx.symbol.toUpperCase()) {
    throw marketDataInvalid('SYMBOL_MISMATCH', ctx, `asked for ${ctx.symbol}, the answer is about ${answered ?? 'no symbol'}`, {
      answered_symbol: answered ?? null,
    });
  }
}

export interface CandleCheck extends GuardContext {
  /** Current time (epoch ms) of the caller's clock: nothing may open after it (plus FUTURE_TOLERANCE_MS). */
  readonly now: number;
  /** Inclusive open-time bounds the candles were asked for. */
  readonly range?: { readonly startTime: number; readonly endTime?: number };
  /** An empty answer is refused (EMPTY) when candles must exist (a live read); a history range may be empty. */
  readonly requireNonEmpty: boolean;
}

/**
 * Structural sanity of a candle answer: every price positive, finite and of sane magnitude, high >= low with
 * open and close inside, volume >= 0, close time after open time, open times strictly increasing, inside the
 * requested range and not in the future.
 * @throws ConclaveError MARKET_DATA_INVALID naming the first bad candle and the reason.
 */
export function checkCandles(candles: readonly Candle[], check: CandleCheck): void {
  if (candles.length === 0) {
    if (check.requireNonEmpty) throw marketDataInvalid('EMPTY', check, 'the venue answered no candles');
    return;
  }
  const latestOpen = check.now + FUTURE_TOLERANCE_MS;
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i];
    const at = (problem: string) => `candle ${i} (open ${c.openTime}): ${problem}`;
    for (const field of ['open', 'high', 'low', 'close'] as const) checkPrice(c[field], check, at(field));
    if (!Number.isFinite(c.volume) || c.volume < 0) throw marketDataInvalid('BAD_VOLUME', check, at(`volume ${c.volume}`), { index: i });
    if (c.high < c.low) throw marketDataInvalid('HIGH_BELOW_LOW', check, at(`high ${c.high} < low ${c.low}`), { index: i });
    if (c.open > c.high || c.open < c.low || c.close > c.high || c.close < c.low) {
      throw marketDataInvalid('OUTSIDE_HIGH_LOW', check, at(`open ${c.open} / close ${c.close} outside [${c.low}, ${c.high}]`), {
        index: i,
      });
    }
    if (!Number.isFinite(c.openTime) || !Number.isFinite(c.closeTime) || !(c.closeTime > c.openTime)) {
      throw marketDataInvalid('BAD_TIMES', check, at(`close time ${c.closeTime}`), { index: i });
    }
    if (i > 0 && !(c.openTime > candles[i - 1].openTime)) {
      throw marketDataInvalid('NOT_INCREASING', check, at(`does not open after the previous candle (${candles[i - 1].openTime})`), {
        index: i,
      });
    }
    const range = check.range;
    if (range && (c.openTime < range.startTime || (range.endTime !== undefined && c.openTime > range.endTime))) {
      throw marketDataInvalid('OUTSIDE_RANGE', check, at(`outside the requested ${range.startTime}..${range.endTime ?? 'now'}`), {
        index: i,
      });
    }
    if (c.openTime > latestOpen) {
      throw marketDataInvalid('FUTURE', check, at(`opens after now (${new Date(check.now).toISOString()})`), { index: i });
    }
  }
}

/** Relative move from `reference` to `price` (0.25 = 25 % either way). */
export function jumpOf(price: number, reference: number): number {
  return Math.abs(price / reference - 1);
}

/**
 * The jump checks of a live candle read: no close that leaves the previous one by more than `maxJump` and
 * gives back at least half of that move at the next close (a spike), no candle whose high exceeds its low by
 * more than 1 + 5 x maxJump, and the newest candle within `maxJump` of the one before it. A real move of more than `maxJump` passes as soon as it is no longer the
 * newest candle, because only a move that reverses is a spike.
 * @throws ConclaveError MARKET_DATA_INVALID (SPIKE, PRICE_JUMP).
 */
export function checkCandleJumps(candles: readonly Candle[], maxJump: number, ctx: GuardContext): void {
  const maxSpan = 1 + 5 * maxJump;
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i];
    if (c.high / c.low > maxSpan) {
      throw marketDataInvalid('SPIKE', ctx, `candle ${i} (open ${c.openTime}) spans ${c.low}..${c.high}`, { index: i });
    }
    if (i === 0 || i === candles.length - 1) continue;
    const before = candles[i - 1].close;
    const out = c.close - before;
    const back = candles[i + 1].close - c.close;
    // A spike leaves by more than maxJump and the next close takes back at least half of it.
    if (jumpOf(c.close, before) > maxJump && Math.sign(back) === -Math.sign(out) && Math.abs(back) >= Math.abs(out) / 2) {
      throw marketDataInvalid(
        'SPIKE',
        ctx,
        `candle ${i} (open ${c.openTime}) closes at ${c.close} between ${before} and ${candles[i + 1].close}`,
        {
          index: i,
        },
      );
    }
  }
  const n = candles.length;
  if (n >= 2) {
    const jump = jumpOf(candles[n - 1].close, candles[n - 2].close);
    if (jump > maxJump) {
      throw marketDataInvalid(
        'PRICE_JUMP',
        ctx,
        `the newest candle closes at ${candles[n - 1].close}, ${pct(jump)} from ${candles[n - 2].close}`,
        {
          price: candles[n - 1].close,
          reference: candles[n - 2].close,
          jump,
          max_jump: maxJump,
        },
      );
    }
  }
}

export function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction < 10 ? 1 : 0)} %`;
}
