import type { Interval } from '../domain/candle.js';
import { ConclaveError, isConclaveError } from '../domain/errors.js';
import type { MarketSnapshot } from '../domain/market.js';
import type { NewSymbol, StoredSymbol } from '../store/symbol.repository.js';
import type { MarketReader, SymbolResolver } from './ports.js';

export interface SymbolServiceDeps {
  readonly symbols: {
    add(userId: number, input: NewSymbol): Promise<StoredSymbol>;
    list(userId: number): Promise<StoredSymbol[]>;
    get(id: number, userId: number): Promise<StoredSymbol | null>;
    remove(id: number, userId: number): Promise<boolean>;
  };
  readonly snapshots: { insert(userId: number, snapshot: Omit<MarketSnapshot, 'candles'>): Promise<number> };
  readonly market: MarketReader;
  readonly resolve: SymbolResolver;
  readonly defaultInterval: Interval;
  readonly now: () => number;
}

export interface AddSymbolInput {
  readonly symbol: string;
  readonly interval?: Interval;
  readonly active?: boolean;
}

/** A user's watch-list. Every read and write is scoped to the user: another user's symbol does not exist. */
export class SymbolService {
  constructor(private readonly deps: SymbolServiceDeps) {}

  list(userId: number): Promise<StoredSymbol[]> {
    return this.deps.symbols.list(userId);
  }

  /** @throws ConclaveError NOT_FOUND when the id is unknown or another user's. */
  async get(userId: number, id: number): Promise<StoredSymbol> {
    const found = await this.deps.symbols.get(id, userId);
    if (!found) throw notFound(id);
    return found;
  }

  /**
   * Resolves the input (`btc` -> BTCUSDT on the crypto venue, `AAPL` -> Yahoo), asks the venue for a snapshot
   * so a symbol it does not list is refused now rather than at the first cycle, stores that snapshot and adds
   * the symbol.
   * @throws ConclaveError UNKNOWN_SYMBOL, MARKET_DATA_UNAVAILABLE, CONFLICT (already on the list)
   */
  async add(userId: number, input: AddSymbolInput): Promise<{ symbol: StoredSymbol; snapshot: MarketSnapshot }> {
    const resolved = this.deps.resolve(input.symbol);
    const { candles: _candles, ...snapshot } = await this.deps.market.snapshot(resolved.symbol);
    try {
      const symbol = await this.deps.symbols.add(userId, {
        symbol: resolved.symbol,
        venue: resolved.venue,
        assetType: resolved.assetType,
        interval: input.interval ?? this.deps.defaultInterval,
        active: input.active ?? true,
        createdAt: this.deps.now(),
      });
      await this.deps.snapshots.insert(userId, snapshot);
      return { symbol, snapshot: { ...snapshot, candles: _candles } };
    } catch (error) {
      if (isConclaveError(error, 'CONFLICT')) {
        throw new ConclaveError('CONFLICT', `symbol ${resolved.symbol} is already on your list`, { symbol: resolved.symbol });
      }
      throw error;
    }
  }

  /** @throws ConclaveError NOT_FOUND when the id is unknown or another user's. */
  async remove(userId: number, id: number): Promise<void> {
    if (!(await this.deps.symbols.remove(id, userId))) throw notFound(id);
  }
}

function notFound(id: number): ConclaveError {
  return new ConclaveError('NOT_FOUND', `symbol ${id}: not on your list`, { id });
}
