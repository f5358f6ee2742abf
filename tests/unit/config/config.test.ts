import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseDatabaseUrl } from '../../../src/config.js';
import { ConclaveError } from '../../../src/domain/errors.js';
import { REPO_ROOT } from '../../helpers/shared-data.js';

/** The bundled demo recording: a replay file that exists in every checkout. */
const REPLAY = join(REPO_ROOT, 'demo', 'BTCUSDT_1h.csv.gz');

describe('config', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c.HOST).toBe('127.0.0.1');
    expect(c.PORT).toBe(8000);
    expect(c.MARKET_SOURCE).toBe('binance');
    expect(c.TRAINING_CANDLES).toBe(1000);
    expect(c.isLoopback).toBe(true);
    expect(c.database).toEqual({ kind: 'sqlite', path: resolve('data/binance/conclave.db') });
    expect(c.MODEL_PATH).toBe(join('data', 'binance', 'model.json'));
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

  it.each([
    [{}, 'binance'],
    [{ MARKET_SOURCE: 'bybit' }, 'bybit'],
    [{ MARKET_SOURCE: 'bybit', BYBIT_CATEGORY: 'linear' }, 'bybit-linear'],
    [{ MARKET_SOURCE: 'synthetic' }, 'synthetic-42'],
    [{ MARKET_SOURCE: 'synthetic', SYNTHETIC_SEED: '7' }, 'synthetic-7'],
    [{ MARKET_SOURCE: `replay:${REPLAY}` }, 'replay-BTCUSDT_1h'],
  ])('keeps the default database and model of %j in DATA_DIR/%s/', (env, scope) => {
    const c = loadConfig({ DATA_DIR: '/srv/conclave', ...env });
    expect(c.stateScope).toBe(scope);
    expect(c.database).toEqual({ kind: 'sqlite', path: `/srv/conclave/${scope}/conclave.db` });
    expect(c.MODEL_PATH).toBe(`/srv/conclave/${scope}/model.json`);
  });

  it('uses DATABASE_URL and MODEL_PATH as given when set', () => {
    const c = loadConfig({ MARKET_SOURCE: 'synthetic', DATABASE_URL: '/tmp/x.db', MODEL_PATH: '/tmp/m.json' });
    expect(c.database).toEqual({ kind: 'sqlite', path: '/tmp/x.db' });
    expect(c.MODEL_PATH).toBe('/tmp/m.json');
  });

  it.each([
    ['INFO', 'info'],
    ['Debug', 'debug'],
    ['warning', 'warn'],
    ['WARNING', 'warn'],
    [' warn ', 'warn'],
  ])('reads LOG_LEVEL=%j as %s', (given, level) => {
    expect(loadConfig({ LOG_LEVEL: given }).LOG_LEVEL).toBe(level);
  });

  it('refuses an unknown LOG_LEVEL, naming the levels', () => {
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL="loud".*info/);
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
