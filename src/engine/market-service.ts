import { takeSnapshot } from '../agents/market-monitor.js';
import type { Interval } from '../domain/candle.js';
import type { MarketSnapshot } from '../domain/market.js';
import type { MarketDataSource, MarketSession } from '../market/port.js';
import type { Clock } from './clock.js';

export interface MarketServiceConfig {
  readonly interval: Interval;
  readonly klineLimit: number;
  readonly defaultSymbol: string;
}

/** Market reads outside a trading cycle (`/trading/market/latest`, refreshes), with symbol resolution. */
export class MarketService {
  constructor(
    private readonly source: MarketDataSource,
    private readonly clock: Clock,
    private readonly config: MarketServiceConfig,
    /** Normalises user input (`btc` -> `BTCUSDT`); throws UNKNOWN_SYMBOL for shapes no venue has. */
    private readonly resolve: (input: string) => string,
  ) {}

  get venue(): string {
    return this.source.venue;
  }

  resolveSymbol(input: string | undefined): string {
    return this.resolve(input ?? this.config.defaultSymbol);
  }

  /** The session of a stock's market; null for symbols that trade around the clock. @throws as the source */
  async session(symbol: string): Promise<MarketSession | null> {
    return (await this.source.getMarketSession?.(symbol)) ?? null;
  }

  async snapshot(symbol: string): Promise<MarketSnapshot> {
    return takeSnapshot(this.source, symbol, this.config.interval, this.config.klineLimit, this.clock.now());
  }
}
