import type { MarketDataReason } from './data-guard.js';

/** A symbol halted on a venue (the price-jump guard tripped), or released again. */
export interface MarketHaltEvent {
  readonly venue: string;
  readonly symbol: string;
  readonly halted: boolean;
  /** What tripped it (PRICE_JUMP, SPIKE); on release, the reason of the halt that ended. */
  readonly reason: MarketDataReason;
  /** Price that tripped the guard, or the sane price that released it. */
  readonly price: number | null;
  /** Close of the last closed candle the price was compared with. */
  readonly reference: number | null;
  readonly message: string;
  /** Clock time of the reading (epoch ms). */
  readonly at: number;
}

export type MarketHaltListener = (event: MarketHaltEvent) => void;

/**
 * Which (venue, symbol) pairs the price-jump guard has halted, shared by every guarded source of a process.
 * Listeners hear each transition once (halted, then released), not every refused reading: they raise the
 * alert (metric, log, WebSocket event).
 */
export class MarketHalts {
  private readonly active = new Map<string, MarketHaltEvent>();
  private readonly listeners = new Set<MarketHaltListener>();

  isHalted(venue: string, symbol: string): boolean {
    return this.active.has(key(venue, symbol));
  }

  /** Halts (venue, symbol); listeners are told only when it was not halted already. */
  trip(event: Omit<MarketHaltEvent, 'halted'>): void {
    const k = key(event.venue, event.symbol);
    if (this.active.has(k)) return;
    const halted: MarketHaltEvent = { ...event, halted: true };
    this.active.set(k, halted);
    this.emit(halted);
  }

  /** Lifts the halt of (venue, symbol) after a sane reading; no-op when it was not halted. */
  release(venue: string, symbol: string, price: number, reference: number | null, at: number): void {
    const k = key(venue, symbol);
    const halt = this.active.get(k);
    if (!halt) return;
    this.active.delete(k);
    this.emit({
      venue,
      symbol,
      halted: false,
      reason: halt.reason,
      price,
      reference,
      message: `${venue} ${symbol}: price ${price} is back within bounds; halt lifted`,
      at,
    });
  }

  /** Halts in force, oldest first. */
  list(): MarketHaltEvent[] {
    return [...this.active.values()];
  }

  /** Subscribes to transitions; returns the unsubscribe function. A throwing listener does not stop the others. */
  onChange(listener: MarketHaltListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: MarketHaltEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // An alert sink failing must not turn a refused price into a crash of the read.
      }
    }
  }
}

function key(venue: string, symbol: string): string {
  return `${venue}|${symbol.toUpperCase()}`;
}
