import { describe, expect, it } from 'vitest';
import { isConclaveError } from '../../../src/domain/errors.js';
import { resolveSymbol } from '../../../src/market/symbols.js';

describe('resolveSymbol', () => {
  it.each([
    ['BTC', 'BTCUSDT'],
    ['btc', 'BTCUSDT'],
    [' BTCUSDT ', 'BTCUSDT'],
    ['btc/usdt', 'BTCUSDT'],
    ['ETH-BTC', 'ETHBTC'],
    ['sol_usdc', 'SOLUSDC'],
    ['ETHBTC', 'ETHBTC'],
    ['1000PEPEUSDT', '1000PEPEUSDT'],
    ['DOGE', 'DOGEUSDT'],
  ])('%s -> %s on the crypto venue', (input, symbol) => {
    expect(resolveSymbol(input, { cryptoVenue: 'binance' })).toEqual({ symbol, venue: 'binance', assetType: 'crypto' });
    expect(resolveSymbol(input, { cryptoVenue: 'bybit' }).venue).toBe('bybit');
  });

  it.each([
    ['AAPL', 'AAPL'],
    ['aapl', 'AAPL'],
    ['SPY', 'SPY'],
    ['QQQ', 'QQQ'],
    ['IBM', 'IBM'],
    ['MSFT', 'MSFT'],
    ['NVDA', 'NVDA'],
    ['orcl.us', 'ORCL'],
    ['XYZ.US', 'XYZ'],
    ['BRK.B.US', 'BRK-B'],
    ['^GSPC', '^GSPC'],
  ])('%s -> %s on yahoo', (input, symbol) => {
    expect(resolveSymbol(input, { cryptoVenue: 'binance' })).toEqual({ symbol, venue: 'yahoo', assetType: 'stock' });
  });

  it.each(['', ' ', 'B', 'BTC USDT', 'BTC$', 'USDT', 'A'.repeat(21), 'ЁЖ', '.US', 'BTC/'])('rejects "%s" with UNKNOWN_SYMBOL', (input) => {
    let error: unknown;
    try {
      resolveSymbol(input, { cryptoVenue: 'binance' });
    } catch (e) {
      error = e;
    }
    expect(isConclaveError(error, 'UNKNOWN_SYMBOL')).toBe(true);
  });
});
