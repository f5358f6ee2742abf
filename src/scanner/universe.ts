import type { Ticker24h } from '../market/port.js';

/** The narrow port the scanner needs for its universe; Binance and Bybit clients satisfy it. */
export interface UniverseSource {
  /** 24-hour statistics of every symbol the venue lists. */
  get24hTickers(): Promise<Ticker24h[]>;
}

// Stablecoins against USDT barely move, and leveraged tokens are not the asset they name.
const STABLE_BASES = new Set([
  'USDC',
  'FDUSD',
  'TUSD',
  'BUSD',
  'DAI',
  'USDP',
  'USDE',
  'EUR',
  'AEUR',
  'EURI',
  'PYUSD',
  'USD1',
  'XUSD',
  'BFUSD',
]);
const LEVERAGED = /(UP|DOWN|BULL|BEAR)USDT$/;

/**
 * The `topN` symbols quoted in `quote` (USDT) by 24 h quote volume, largest first, without stablecoin pairs
 * and leveraged tokens. Ties break by symbol so the universe is deterministic. Pure.
 */
export function topByQuoteVolume(tickers: readonly Ticker24h[], topN: number, quote = 'USDT'): Ticker24h[] {
  return tickers
    .filter((t) => {
      if (!t.symbol.endsWith(quote) || t.symbol.length <= quote.length) return false;
      const base = t.symbol.slice(0, -quote.length);
      return !STABLE_BASES.has(base) && !LEVERAGED.test(t.symbol) && Number.isFinite(t.quoteVolume) && t.quoteVolume > 0;
    })
    .sort((a, b) => b.quoteVolume - a.quoteVolume || a.symbol.localeCompare(b.symbol))
    .slice(0, topN);
}
