import type { MarketSnapshot } from '../domain/market.js';
import type { ResolvedSymbol } from '../market/symbols.js';

/** Market reads the platform services need: one observation of a symbol, and where a symbol trades. */
export interface MarketReader {
  /** @throws ConclaveError MARKET_DATA_UNAVAILABLE, UNKNOWN_SYMBOL, MARKET_DATA_INVALID */
  snapshot(symbol: string): Promise<MarketSnapshot>;
  /** The venue spelling and the venue that will serve it under the configured sources. @throws ConclaveError UNKNOWN_SYMBOL */
  locate(input: string): ResolvedSymbol;
}

/** Maps user input to a venue symbol. @throws ConclaveError UNKNOWN_SYMBOL */
export type SymbolResolver = (input: string) => ResolvedSymbol;
