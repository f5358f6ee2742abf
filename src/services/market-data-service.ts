import type { Candle, Interval } from '../domain/candle.js';
import type { ErrorCode } from '../domain/errors.js';
import { isConclaveError } from '../domain/errors.js';
import type { StoredSnapshot } from '../store/market-snapshot.repository.js';
import type { StoredSymbol } from '../store/symbol.repository.js';
import type { MarketReader, SymbolResolver } from './ports.js';

export interface MarketDataServiceDeps {
  readonly symbols: { list(userId: number): Promise<StoredSymbol[]> };
  readonly snapshots: {
    latest(userId: number, symbol: string): Promise<StoredSnapshot | null>;
    range(userId: number, symbol: string, from: number, to: number, limit: number): Promise<StoredSnapshot[]>;
    insert(userId: number, snapshot: Omit<StoredSnapshot, 'id' | 'cycleId'>): Promise<number>;
  };
  readonly candles: {
    range(venue: string, symbol: string, interval: string, from: number, to: number, limit?: number): Promise<Candle[]>;
    upsertMany(venue: string, symbol: string, interval: string, candles: readonly Candle[]): Promise<number>;
  };
  readonly market: MarketReader;
  readonly resolve: SymbolResolver;
  readonly interval: Interval;
}

export interface MarketHistory {
  readonly symbol: string;
  readonly venue: string;
  readonly interval: Interval;
  readonly from: number;
  readonly to: number;
  readonly snapshots: StoredSnapshot[];
  readonly candles: Candle[];
}

export type RefreshResult =
  | { readonly symbol: string; readonly ok: true; readonly snapshot: StoredSnapshot; readonly candlesStored: number }
  | { readonly symbol: string; readonly ok: false; readonly error: { readonly code: ErrorCode; readonly message: string } };

/** Stored market data (snapshots of cycles and refreshes, candles) and on-demand refreshes of a user's symbols. */
export class MarketDataService {
  constructor(private readonly deps: MarketDataServiceDeps) {}

  /**
   * The user's own snapshots observed, and the venue's candles opened, in [from, to] (epoch ms), oldest first,
   * at most `limit` of each. Candles are public market data; snapshots say when the user traded.
   * @throws ConclaveError UNKNOWN_SYMBOL
   */
  async history(userId: number, symbolInput: string, from: number, to: number, limit: number): Promise<MarketHistory> {
    const { symbol, venue } = this.deps.resolve(symbolInput);
    const [snapshots, candles] = await Promise.all([
      this.deps.snapshots.range(userId, symbol, from, to, limit),
      this.deps.candles.range(venue, symbol, this.deps.interval, from, to, limit),
    ]);
    return { symbol, venue, interval: this.deps.interval, from, to, snapshots, candles };
  }

  /** The newest stored snapshot of each of the user's symbols (null where none is stored yet). */
  async latest(userId: number): Promise<Array<{ symbol: StoredSymbol; snapshot: StoredSnapshot | null }>> {
    const symbols = await this.deps.symbols.list(userId);
    return Promise.all(symbols.map(async (symbol) => ({ symbol, snapshot: await this.deps.snapshots.latest(userId, symbol.symbol) })));
  }

  /**
   * Takes a fresh snapshot of each named symbol (default: all the user's), stores it and its closed candles.
   * One symbol failing (venue down, unknown) does not stop the others; its error is in its result.
   */
  async refresh(userId: number, symbolInputs?: readonly string[]): Promise<RefreshResult[]> {
    const targets = symbolInputs ?? (await this.deps.symbols.list(userId)).map((s) => s.symbol);
    return Promise.all(
      targets.map(async (input): Promise<RefreshResult> => {
        try {
          const { symbol, venue } = this.deps.resolve(input);
          const { candles, ...snapshot } = await this.deps.market.snapshot(symbol);
          const id = await this.deps.snapshots.insert(userId, snapshot);
          const candlesStored = await this.deps.candles.upsertMany(venue, symbol, snapshot.interval, candles);
          return { symbol, ok: true, snapshot: { ...snapshot, id, cycleId: null }, candlesStored };
        } catch (error) {
          if (!isConclaveError(error)) throw error;
          return { symbol: input, ok: false, error: { code: error.code, message: error.message } };
        }
      }),
    );
  }
}
