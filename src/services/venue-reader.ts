import { takeSnapshot } from '../agents/market-monitor.js';
import type { AppConfig } from '../config.js';
import type { Interval } from '../domain/candle.js';
import type { MarketSnapshot } from '../domain/market.js';
import type { Clock } from '../engine/clock.js';
import { createLiveVenue, type MarketConfig, VenueRouter } from '../market/factory.js';
import type { MarketHalts } from '../market/market-halts.js';
import type { MarketDataSource } from '../market/port.js';
import type { CryptoVenue, ResolvedSymbol } from '../market/symbols.js';
import type { MarketReader } from './ports.js';

/**
 * Snapshots taken on each symbol's own venue: crypto on the engine's source, stocks on Yahoo. Each snapshot
 * is labelled with the venue that served it.
 */
export class VenueMarketReader implements MarketReader {
  constructor(
    private readonly router: VenueRouter,
    private readonly clock: Clock,
    private readonly interval: Interval,
    private readonly klineLimit: number,
  ) {}

  /** Resolves user input and names the venue that serves it (VenueRouter.locate). @throws ConclaveError UNKNOWN_SYMBOL */
  locate(input: string): ResolvedSymbol {
    return this.router.locate(input);
  }

  snapshot(symbol: string): Promise<MarketSnapshot> {
    const r = this.router.route(symbol);
    return takeSnapshot(r.source, r.symbol, this.interval, this.klineLimit, this.clock.now());
  }
}

/**
 * A router whose main side is `main` (the runtime's own source, so a replay cursor or an injected fake is
 * shared rather than duplicated) and whose other side is a cached, guarded client of the other asset class:
 * Yahoo for stocks beside a crypto venue, Binance for crypto beside Yahoo. Offline sources (synthetic,
 * replay) serve every symbol themselves. `halts` is the runtime's halt book, shared with `main`'s guard.
 */
export function venueRouterAround(main: MarketDataSource, config: MarketConfig, now: () => number, halts: MarketHalts): VenueRouter {
  const deps = { now, halts };
  if (main.venue === 'binance' || main.venue === 'bybit') {
    return new VenueRouter(main, createLiveVenue('yahoo', config, deps), main.venue as CryptoVenue);
  }
  if (main.venue === 'yahoo') return new VenueRouter(createLiveVenue('binance', config, deps), main, 'binance');
  return new VenueRouter(main, main, 'binance');
}

/** The platform's market reader over a runtime's source and config. */
export function platformMarketReader(main: MarketDataSource, config: AppConfig, clock: Clock, halts: MarketHalts): VenueMarketReader {
  return new VenueMarketReader(
    venueRouterAround(main, config, () => clock.now(), halts),
    clock,
    config.KLINE_INTERVAL,
    config.KLINE_LIMIT,
  );
}
