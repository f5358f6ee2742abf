import type { Fill } from '../domain/order.js';
import type { EquityRow } from './memory-cycle-store.js';

/** One round trip: from flat to flat in one symbol, however many fills it took. */
export interface RoundTrip {
  readonly symbol: string;
  readonly side: 'LONG' | 'SHORT';
  readonly entryTime: number;
  readonly exitTime: number;
  /** Largest absolute position held during the trade (base units). */
  readonly quantity: number;
  /** Volume-weighted execution prices of the opening and the closing fills. */
  readonly entryPrice: number;
  readonly exitPrice: number;
  readonly fees: number;
  /** Net of fees and slippage, quote currency. */
  readonly pnl: number;
  /** pnl / account equity just before the trade opened (what Monte Carlo resamples). */
  readonly returnOnEquity: number;
}

/** A round trip with the fill that opened it and the one that closed it (their strategy and reason live there). */
export interface PairedTrip<F extends Fill> {
  readonly trip: RoundTrip;
  readonly entry: F;
  readonly exit: F;
}

interface Open<F> {
  entryFill: F;
  side: 1 | -1;
  entryTime: number;
  position: number;
  maxQty: number;
  entryQty: number;
  entryNotional: number;
  exitQty: number;
  exitNotional: number;
  cashFlow: number;
  fees: number;
  equityAtEntry: number;
}

const DUST = 1e-12;

/**
 * Round trips from fills in time order. A fill that flips the position closes the trade with the part that
 * reaches flat and opens a new one with the rest (its fee split pro rata). Trades still open at the end are
 * not listed: their result is not known.
 */
export function roundTrips(fills: readonly Fill[], equity: readonly EquityRow[] = []): RoundTrip[] {
  return pairFills(fills, equity).map((p) => p.trip);
}

/** roundTrips, each with its opening and closing fill (what the dashboard's trade table shows beside the figures). */
export function pairFills<F extends Fill>(
  fills: readonly F[],
  equity: readonly Pick<EquityRow, 'time' | 'equity'>[] = [],
): PairedTrip<F>[] {
  const out: PairedTrip<F>[] = [];
  const open = new Map<string, Open<F>>();
  let e = 0;
  let lastEquity = equity.length > 0 ? equity[0].equity : Number.NaN;
  for (const f of fills) {
    while (e < equity.length && equity[e].time < f.time) lastEquity = equity[e++].equity;
    let qty = f.quantity;
    const dir: 1 | -1 = f.side === 'BUY' ? 1 : -1;
    while (qty > DUST) {
      let t = open.get(f.symbol);
      if (!t) {
        t = {
          entryFill: f,
          side: dir,
          entryTime: f.time,
          position: 0,
          maxQty: 0,
          entryQty: 0,
          entryNotional: 0,
          exitQty: 0,
          exitNotional: 0,
          cashFlow: 0,
          fees: 0,
          equityAtEntry: lastEquity,
        };
        open.set(f.symbol, t);
      }
      const closing = dir !== t.side;
      const part = closing ? Math.min(qty, Math.abs(t.position)) : qty;
      const fee = f.fee * (part / f.quantity);
      t.fees += fee;
      t.cashFlow += -dir * part * f.executionPrice - fee;
      if (closing) {
        t.exitQty += part;
        t.exitNotional += part * f.executionPrice;
      } else {
        t.entryQty += part;
        t.entryNotional += part * f.executionPrice;
      }
      t.position += dir * part;
      t.maxQty = Math.max(t.maxQty, Math.abs(t.position));
      qty -= part;
      if (closing && Math.abs(t.position) <= DUST * Math.max(1, t.maxQty)) {
        const trip: RoundTrip = {
          symbol: f.symbol,
          side: t.side === 1 ? 'LONG' : 'SHORT',
          entryTime: t.entryTime,
          exitTime: f.time,
          quantity: t.maxQty,
          entryPrice: t.entryNotional / t.entryQty,
          exitPrice: t.exitNotional / t.exitQty,
          fees: t.fees,
          pnl: t.cashFlow,
          returnOnEquity: t.cashFlow / t.equityAtEntry,
        };
        out.push({ trip, entry: t.entryFill, exit: f });
        open.delete(f.symbol);
      }
    }
  }
  return out;
}
