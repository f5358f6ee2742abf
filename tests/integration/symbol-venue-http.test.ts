import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeBybit } from '../fakes/fake-bybit.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { type PlatformServer, startPlatformServer } from '../helpers/platform-server.js';
import { call, ScriptedModel } from '../helpers/scripted-model.js';

const NOW = Date.UTC(2025, 5, 20, 12);

/** POST /api/symbols stores, and answers, the venue that actually serves the data under MARKET_SOURCE. */
describe('symbol detection names the serving venue (real server)', () => {
  describe('MARKET_SOURCE=synthetic', () => {
    let server: PlatformServer;
    beforeAll(async () => {
      server = await startPlatformServer({ MARKET_SOURCE: 'synthetic', KLINE_INTERVAL: '1h' }, { now: NOW, model: new ScriptedModel() });
    });
    afterAll(async () => server?.close());

    it('btc is BTCUSDT on synthetic, and its stored snapshot came from there', async () => {
      const added = await call(server.url, 'POST', '/api/symbols', { body: { symbol: 'btc' } });
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({ symbol: 'BTCUSDT', venue: 'synthetic', asset_type: 'crypto' });
      const latest = await call(server.url, 'GET', '/api/market-data/latest');
      expect(latest.body[0].symbol.venue).toBe('synthetic');
      expect(latest.body[0].snapshot.source).toBe('synthetic');
    });
  });

  describe('MARKET_SOURCE=bybit', () => {
    let bybit: RunningFake;
    let server: PlatformServer;
    beforeAll(async () => {
      bybit = await startFakeBybit({ symbols: ['BTCUSDT'], intervals: ['1h'] });
      server = await startPlatformServer(
        { MARKET_SOURCE: 'bybit', BYBIT_BASE_URL: bybit.url, KLINE_INTERVAL: '1h' },
        { now: bybit.control.now(), model: new ScriptedModel() },
      );
    });
    afterAll(async () => {
      await server?.close();
      await bybit?.close();
    });

    it('btc is BTCUSDT on bybit', async () => {
      const added = await call(server.url, 'POST', '/api/symbols', { body: { symbol: 'btc' } });
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({ symbol: 'BTCUSDT', venue: 'bybit', asset_type: 'crypto' });
      expect(bybit.control.requests('/v5/market/kline')).toBeGreaterThan(0);
    });
  });
});
