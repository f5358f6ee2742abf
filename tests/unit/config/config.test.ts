import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseDatabaseUrl } from '../../../src/config.js';
import { ConclaveError } from '../../../src/domain/errors.js';

describe('config', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c.HOST).toBe('127.0.0.1');
    expect(c.PORT).toBe(8000);
    expect(c.MARKET_SOURCE).toBe('binance');
    expect(c.TRAINING_CANDLES).toBe(1000);
    expect(c.isLoopback).toBe(true);
    expect(c.database).toEqual({ kind: 'sqlite', path: resolve('data/conclave.db') });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    ['trading.db', resolve('trading.db')],
    ['sqlite:///./trading.db', resolve('trading.db')],
    ['sqlite:///data/x.db', resolve('data/x.db')],
    ['sqlite:////tmp/abs.db', '/tmp/abs.db'],
    ['/tmp/plain.db', '/tmp/plain.db'],
  ])('parses DATABASE_URL %s', (url, path) => {
    expect(parseDatabaseUrl(url)).toEqual({ kind: 'sqlite', path });
  });

  it('recognises PostgreSQL and in-memory SQLite', () => {
    expect(parseDatabaseUrl('postgres://u@h:5432/db')).toEqual({ kind: 'postgres', url: 'postgres://u@h:5432/db' });
    expect(parseDatabaseUrl('postgresql://u@h/db').kind).toBe('postgres');
    expect(parseDatabaseUrl(':memory:')).toEqual({ kind: 'sqlite', path: ':memory:' });
  });

  it('rejects other schemes', () => {
    expect(() => parseDatabaseUrl('mysql://x/y')).toThrow(/DATABASE_URL/);
  });

  it('lists every problem at once with a stable code', () => {
    try {
      loadConfig({ PORT: 'eighty', SLIPPAGE_BPS: '-1', KLINE_INTERVAL: '7m' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConclaveError);
      const e = error as ConclaveError;
      expect(e.code).toBe('CONFIG_INVALID');
      expect(e.message).toContain('PORT');
      expect(e.message).toContain('SLIPPAGE_BPS');
      expect(e.message).toContain('KLINE_INTERVAL');
    }
  });

  it('refuses live trading', () => {
    expect(() => loadConfig({ TRADING_MODE: 'live' })).toThrow(/only paper trading/);
  });

  it('refuses a non-loopback bind without JWT_SECRET', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(/JWT_SECRET/);
    const c = loadConfig({ HOST: '0.0.0.0', JWT_SECRET: 'a-secret-of-32-characters-or-so!' });
    expect(c.isLoopback).toBe(false);
  });

  it('checks that a replay file exists', () => {
    expect(() => loadConfig({ MARKET_SOURCE: 'replay:/nope/missing.csv' })).toThrow(/file not found/);
    expect(() => loadConfig({ MARKET_SOURCE: 'kraken' })).toThrow(/MARKET_SOURCE/);
  });
});
