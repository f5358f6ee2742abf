import type { Candle } from '../domain/candle.js';
import type { Side } from '../domain/order.js';
import type { Position } from '../domain/portfolio.js';

export type StopKind = 'STOP_LOSS' | 'TAKE_PROFIT';

/** A stop level reached inside (or gapped through at the open of) one candle. */
export interface StopHit {
  readonly kind: StopKind;
  /** Price the exit fills at before slippage: the stop level, or the open when the candle gapped through it. */
  readonly price: number;
  /** True when the candle opened beyond the level (the fill is at the open, worse than the level). */
  readonly gap: boolean;
}

/**
 * Whether a candle takes out a position's stop-loss or take-profit, and at which price.
 *
 * Rules (long; a short mirrors them):
 * - the candle opens at or below the stop-loss -> STOP_LOSS at the open (gap: the level was never tradable);
 * - the candle opens at or above the take-profit -> TAKE_PROFIT at the open;
 * - the low reaches the stop-loss -> STOP_LOSS at the stop price;
 * - the high reaches the take-profit -> TAKE_PROFIT at the take-profit price.
 * When one candle spans both levels the order inside it is unknown; the stop-loss wins (the pessimistic
 * assumption, so backtests do not flatter themselves). Flat positions and positions without levels never hit.
 * Pure; shared by the live stop guard and the backtester.
 */
export function checkStops(
  position: Pick<Position, 'quantity' | 'stopLoss' | 'takeProfit'>,
  candle: Pick<Candle, 'open' | 'high' | 'low'>,
): StopHit | null {
  const sl = position.stopLoss ?? null;
  const tp = position.takeProfit ?? null;
  if (position.quantity > 0) {
    if (sl !== null && candle.open <= sl) return { kind: 'STOP_LOSS', price: candle.open, gap: candle.open < sl };
    if (tp !== null && candle.open >= tp) return { kind: 'TAKE_PROFIT', price: candle.open, gap: candle.open > tp };
    if (sl !== null && candle.low <= sl) return { kind: 'STOP_LOSS', price: sl, gap: false };
    if (tp !== null && candle.high >= tp) return { kind: 'TAKE_PROFIT', price: tp, gap: false };
  } else if (position.quantity < 0) {
    if (sl !== null && candle.open >= sl) return { kind: 'STOP_LOSS', price: candle.open, gap: candle.open > sl };
    if (tp !== null && candle.open <= tp) return { kind: 'TAKE_PROFIT', price: candle.open, gap: candle.open < tp };
    if (sl !== null && candle.high >= sl) return { kind: 'STOP_LOSS', price: sl, gap: false };
    if (tp !== null && candle.low <= tp) return { kind: 'TAKE_PROFIT', price: tp, gap: false };
  }
  return null;
}

export interface StopLevels {
  readonly stopLoss: number | null;
  readonly takeProfit: number | null;
  /** Entry-to-stop distance in price units (null without a stop). */
  readonly distance: number | null;
}

export interface AtrStopConfig {
  /** Stop distance = atrMult * ATR; 0 disables the stop-loss (and with it the take-profit). */
  readonly atrMult: number;
  /** Take-profit distance = takeProfitR * stop distance; 0 disables it. */
  readonly takeProfitR: number;
}

/**
 * Stop-loss and take-profit for an entry at `entry` with average true range `atr` (price units): a long's
 * stop sits `atrMult * atr` below the entry and its target `takeProfitR` times that distance above; a short
 * mirrors them. A non-positive or unknown ATR gives no levels.
 */
export function atrStopLevels(side: Side, entry: number, atr: number | null, config: AtrStopConfig): StopLevels {
  if (atr === null || !(atr > 0) || !(config.atrMult > 0)) return { stopLoss: null, takeProfit: null, distance: null };
  const distance = config.atrMult * atr;
  const dir = side === 'BUY' ? 1 : -1;
  const stopLoss = entry - dir * distance;
  const takeProfit = config.takeProfitR > 0 ? entry + dir * distance * config.takeProfitR : null;
  // A stop at or below zero cannot trigger on a long; treat it as no stop.
  if (stopLoss <= 0) return { stopLoss: null, takeProfit, distance: null };
  return { stopLoss, takeProfit, distance };
}
