import { ConclaveError } from '../domain/errors.js';
import type { Venue } from '../domain/market.js';

export type CryptoVenue = 'binance' | 'bybit';
export type AssetType = 'crypto' | 'stock';

export interface ResolvedSymbol {
  /** The symbol as the venue spells it: `BTCUSDT`, `AAPL`. */
  readonly symbol: string;
  /**
   * The venue the symbol's shape points to (`resolveSymbol`), or after VenueRouter.locate the source that will
   * actually serve it under the configured MARKET_SOURCE (synthetic and replay serve every symbol).
   */
  readonly venue: Venue;
  readonly assetType: AssetType;
}

/**
 * US stock and ETF tickers recognised without a suffix. Anything else can be forced to Yahoo with a `.US`
 * suffix (`ORCL.US`) or an index caret (`^GSPC`). A bare unknown ticker is read as a crypto base asset.
 */
export const KNOWN_STOCKS: ReadonlySet<string> = new Set([
  'AAPL',
  'MSFT',
  'GOOGL',
  'GOOG',
  'AMZN',
  'META',
  'NVDA',
  'TSLA',
  'IBM',
  'NFLX',
  'AMD',
  'INTC',
  'ORCL',
  'JPM',
  'V',
  'MA',
  'DIS',
  'KO',
  'PEP',
  'WMT',
  'BRK-B',
  'SPY',
  'QQQ',
  'DIA',
  'IWM',
  'VTI',
  'VOO',
]);

/** Quote assets a crypto pair may end in, longest first so `FDUSD` wins over `USD`-like tails. */
export const QUOTE_ASSETS = ['FDUSD', 'USDT', 'USDC', 'BUSD', 'TUSD', 'BTC', 'ETH', 'BNB', 'EUR', 'TRY'] as const;

/** Quote appended to a bare base asset (`BTC` -> `BTCUSDT`). */
export const DEFAULT_QUOTE = 'USDT';

/** A stablecoin alone names no market. */
const STABLECOINS: ReadonlySet<string> = new Set(['USDT', 'USDC', 'BUSD', 'FDUSD', 'TUSD', 'DAI']);
const CRYPTO_PAIR_RE = /^[A-Z0-9]{2,20}$/;
const BASE_RE = /^[A-Z0-9]{2,10}$/;
const STOCK_RE = /^[A-Z][A-Z0-9]{0,5}([.-][A-Z])?$/;

/**
 * Maps what a user types to a venue symbol:
 * - `BTC`, `btc`, `BTC/USDT`, `btc-usdt`, `BTCUSDT` -> `BTCUSDT` on the crypto venue;
 * - a ticker in KNOWN_STOCKS (`AAPL`, `SPY`), `XXX.US` (`ORCL.US` -> `ORCL`) or `^INDEX` -> Yahoo;
 * - any other 2-10 character base asset -> base + USDT on the crypto venue (the venue decides whether it
 *   exists).
 * @throws ConclaveError UNKNOWN_SYMBOL when the input has no recognisable shape.
 */
export function resolveSymbol(input: string, options: { cryptoVenue: CryptoVenue }): ResolvedSymbol {
  const raw = String(input ?? '')
    .trim()
    .toUpperCase();
  const crypto = (symbol: string): ResolvedSymbol => ({ symbol, venue: options.cryptoVenue, assetType: 'crypto' });
  const stock = (symbol: string): ResolvedSymbol => ({ symbol, venue: 'yahoo', assetType: 'stock' });

  if (raw.endsWith('.US')) {
    const ticker = raw.slice(0, -3);
    if (STOCK_RE.test(ticker)) return stock(ticker.replace('.', '-'));
  } else if (/^\^[A-Z0-9]{1,10}$/.test(raw)) {
    return stock(raw);
  } else if (KNOWN_STOCKS.has(raw)) {
    return stock(raw);
  } else {
    const pair = /^([A-Z0-9]{2,10})[/\-_:]([A-Z0-9]{2,6})$/.exec(raw);
    if (pair) return crypto(pair[1] + pair[2]);
    if (CRYPTO_PAIR_RE.test(raw) && !STABLECOINS.has(raw)) {
      const quote = QUOTE_ASSETS.find((q) => raw.endsWith(q) && raw.length - q.length >= 2);
      if (quote) return crypto(raw);
      if (BASE_RE.test(raw)) return crypto(raw + DEFAULT_QUOTE);
    }
  }
  throw new ConclaveError(
    'UNKNOWN_SYMBOL',
    `cannot resolve symbol "${input}": expected a crypto pair (BTCUSDT, BTC/USDT), a base asset (BTC), a stock ticker (AAPL) or TICKER.US`,
    { symbol: input },
  );
}
