import { ConclaveError } from '../domain/errors.js';
import { assertFiniteAmount } from '../domain/money.js';
import type { Fill } from '../domain/order.js';
import type { PortfolioSnapshot, Position } from '../domain/portfolio.js';

export interface PortfolioConfig {
  readonly startingCapital: number;
  /** SELL beyond the held quantity opens a short only when true; spot is long-only by default. */
  readonly allowShort: boolean;
}

export interface Book {
  readonly cash: number;
  readonly realizedPnl: number;
  readonly feesPaid: number;
  readonly positions: readonly Position[];
}

interface MutablePosition {
  quantity: number;
  avgPrice: number;
  stopLoss: number | null;
  takeProfit: number | null;
  entries: number;
}

const EMPTY_BOOK: Book = { cash: 0, realizedPnl: 0, feesPaid: 0, positions: [] };

/** Quantities below this are float dust left by partial closes and count as flat. */
const DUST = 1e-12;

/**
 * The paper book: cash, positions with average entry price, realised PnL and fees. Pure and synchronous;
 * the engine owns one per account and persists it after every cycle.
 *
 * Identity kept by construction: `cash + sum(quantity * mark) == equity`, and
 * `equity == startingCapital + realizedPnl + unrealizedPnl - feesPaid` (both checked by property tests).
 * Realised PnL is gross of fees; fees are tracked apart so each can be reported.
 */
export class Portfolio {
  private cashValue: number;
  private realized: number;
  private fees: number;
  private readonly positions = new Map<string, MutablePosition>();

  constructor(
    readonly config: PortfolioConfig,
    book?: Book,
  ) {
    this.cashValue = assertFiniteAmount('cash', book?.cash ?? config.startingCapital);
    this.realized = book?.realizedPnl ?? 0;
    this.fees = book?.feesPaid ?? 0;
    for (const p of book?.positions ?? []) {
      this.positions.set(p.symbol, {
        quantity: p.quantity,
        avgPrice: p.avgPrice,
        stopLoss: p.stopLoss ?? null,
        takeProfit: p.takeProfit ?? null,
        entries: p.entries ?? 1,
      });
    }
  }

  get cash(): number {
    return this.cashValue;
  }

  get realizedPnl(): number {
    return this.realized;
  }

  get feesPaid(): number {
    return this.fees;
  }

  /** Signed quantity held of `symbol` (0 when flat). */
  quantity(symbol: string): number {
    return this.positions.get(symbol)?.quantity ?? 0;
  }

  position(symbol: string): Position | null {
    const p = this.positions.get(symbol);
    return p ? { symbol, ...p } : null;
  }

  openPositions(): Position[] {
    return [...this.positions.entries()].map(([symbol, p]) => ({ symbol, ...p }));
  }

  setStops(symbol: string, stops: { stopLoss?: number | null; takeProfit?: number | null }): void {
    const p = this.positions.get(symbol);
    if (!p) return;
    if (stops.stopLoss !== undefined) p.stopLoss = stops.stopLoss;
    if (stops.takeProfit !== undefined) p.takeProfit = stops.takeProfit;
  }

  /**
   * Books a fill. BUY spends `qty * executionPrice + fee`; SELL receives `qty * executionPrice - fee`.
   * @throws ConclaveError VALIDATION_ERROR on non-finite or non-positive amounts, when a BUY would make cash
   * negative, or when a SELL exceeds the long position and shorting is off. Nothing changes on a throw.
   */
  apply(fill: Fill): void {
    assertFiniteAmount('quantity', fill.quantity);
    assertFiniteAmount('executionPrice', fill.executionPrice);
    assertFiniteAmount('fee', fill.fee);
    if (fill.quantity <= 0 || fill.executionPrice <= 0) {
      throw new ConclaveError(
        'VALIDATION_ERROR',
        `fill ${fill.orderId}: quantity and price must be > 0, got ${fill.quantity} @ ${fill.executionPrice}`,
      );
    }
    const signed = fill.side === 'BUY' ? fill.quantity : -fill.quantity;
    const notional = fill.quantity * fill.executionPrice;
    const cashAfter = this.cashValue + (fill.side === 'BUY' ? -notional : notional) - fill.fee;
    const held = this.quantity(fill.symbol);
    if (fill.side === 'SELL' && !this.config.allowShort && fill.quantity > held + DUST) {
      throw new ConclaveError(
        'VALIDATION_ERROR',
        `fill ${fill.orderId}: SELL ${fill.quantity} ${fill.symbol} exceeds held ${held} and shorting is off`,
      );
    }
    // Cash may not go negative on spot; a short's proceeds keep it positive.
    if (cashAfter < -1e-9) {
      throw new ConclaveError(
        'VALIDATION_ERROR',
        `fill ${fill.orderId}: needs ${(-cashAfter + this.cashValue).toFixed(8)} cash, have ${this.cashValue.toFixed(8)}`,
      );
    }
    this.cashValue = Math.max(0, cashAfter);
    this.fees += fill.fee;
    this.move(fill.symbol, signed, fill.executionPrice);
  }

  /** Fills that opened or added to the `symbol` position since it was flat (0 when flat). */
  entries(symbol: string): number {
    return this.positions.get(symbol)?.entries ?? 0;
  }

  /**
   * Moves a position by `signed` units at `price`, realising PnL on the part that reduces it. Opening (or
   * flipping through zero) counts one entry, adding in the same direction one more, reducing none.
   */
  private move(symbol: string, signed: number, price: number): void {
    const p = this.positions.get(symbol) ?? { quantity: 0, avgPrice: 0, stopLoss: null, takeProfit: null, entries: 0 };
    const reducing = p.quantity !== 0 && Math.sign(signed) !== Math.sign(p.quantity);
    if (reducing) {
      const closed = Math.min(Math.abs(signed), Math.abs(p.quantity));
      this.realized += closed * (price - p.avgPrice) * Math.sign(p.quantity);
      const remainder = Math.abs(signed) - closed;
      p.quantity += Math.sign(signed) * closed;
      if (Math.abs(p.quantity) <= DUST) {
        p.quantity = 0;
        p.stopLoss = null;
        p.takeProfit = null;
      }
      if (remainder > DUST) {
        // Flipped through zero: the rest opens a new position at this price.
        p.quantity = Math.sign(signed) * remainder;
        p.avgPrice = price;
        p.entries = 1;
      }
    } else {
      const total = p.quantity + signed;
      p.avgPrice = (p.avgPrice * Math.abs(p.quantity) + price * Math.abs(signed)) / Math.abs(total);
      p.entries = p.quantity === 0 ? 1 : p.entries + 1;
      p.quantity = total;
    }
    if (p.quantity === 0) this.positions.delete(symbol);
    else this.positions.set(symbol, p);
  }

  /** Marked-to-market view. Symbols without a mark are valued at their average price. */
  snapshot(marks: ReadonlyMap<string, number>, time: number): PortfolioSnapshot {
    let positionsValue = 0;
    let unrealized = 0;
    const positions = this.openPositions().map((p) => {
      const mark = marks.get(p.symbol) ?? p.avgPrice;
      const pnl = p.quantity * (mark - p.avgPrice);
      positionsValue += p.quantity * mark;
      unrealized += pnl;
      return { ...p, markPrice: mark, unrealizedPnl: pnl };
    });
    return {
      cash: this.cashValue,
      equity: this.cashValue + positionsValue,
      realizedPnl: this.realized,
      unrealizedPnl: unrealized,
      feesPaid: this.fees,
      positions,
      time,
    };
  }

  /** Equity in quote units: cash plus every position at its mark (average price when unmarked). */
  equity(marks: ReadonlyMap<string, number>): number {
    let value = this.cashValue;
    for (const [symbol, p] of this.positions) value += p.quantity * (marks.get(symbol) ?? p.avgPrice);
    return value;
  }

  /** Value of the `symbol` position at its mark (signed; 0 when flat). */
  positionValue(symbol: string, marks: ReadonlyMap<string, number>): number {
    const p = this.positions.get(symbol);
    return p ? p.quantity * (marks.get(symbol) ?? p.avgPrice) : 0;
  }

  /** Gross exposure (sum of |quantity * mark|) as a number of quote units. */
  grossExposure(marks: ReadonlyMap<string, number>): number {
    let total = 0;
    for (const [symbol, p] of this.positions) total += Math.abs(p.quantity * (marks.get(symbol) ?? p.avgPrice));
    return total;
  }

  toBook(): Book {
    return { cash: this.cashValue, realizedPnl: this.realized, feesPaid: this.fees, positions: this.openPositions() };
  }

  /** An independent copy (the engine leases one per cycle, so it copies fields rather than going through a Book). */
  clone(): Portfolio {
    const copy = new Portfolio(this.config, EMPTY_BOOK);
    copy.cashValue = this.cashValue;
    copy.realized = this.realized;
    copy.fees = this.fees;
    for (const [symbol, p] of this.positions) copy.positions.set(symbol, { ...p });
    return copy;
  }
}
