import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { type PlatformServer, startPlatformServer } from '../helpers/platform-server.js';
import { call } from '../helpers/scripted-model.js';

const PASSWORD = 'correct horse battery';
const EMPTY_MAP = { cooldown_bars: 0, regimes: { BULL: [], BEAR: [], RANGE: [], HIGH_VOL: [] } };

interface Entry {
  time: string;
  username: string | null;
  scope: string;
  action: string;
  target: string;
  old_value: unknown;
  new_value: unknown;
}

describe('GET /api/audit: every desk change through the API, who, when, old -> new (off loopback)', () => {
  let binance: RunningFake;
  let server: PlatformServer;
  const tokens: Record<string, string> = {};
  const as = (name: string | null, method: string, path: string, body?: unknown) =>
    call(server.url, method, path, { token: name ? tokens[name] : undefined, body });

  beforeAll(async () => {
    binance = await startFakeBinance({ symbols: ['BTCUSDT', 'ETHUSDT'], intervals: ['1h'] });
    server = await startPlatformServer(
      {
        BINANCE_BASE_URL: binance.url,
        KLINE_INTERVAL: '1h',
        HOST: '0.0.0.0',
        JWT_SECRET: 'audit-secret-0123456789abcdef',
        OPERATORS: 'carol',
      },
      { now: binance.control.now() },
    );
    for (const name of ['alice', 'carol']) {
      await as(null, 'POST', '/api/auth/register', { username: name, email: `${name}@example.com`, password: PASSWORD });
      tokens[name] = (await as(null, 'POST', '/api/auth/login', { username: name, password: PASSWORD })).body.access_token;
    }
  });
  afterAll(async () => {
    await server?.close();
    await binance?.close();
  });

  it("records a user's symbol add/remove and halt/resume with old and new values; refused changes leave no entry", async () => {
    const added = await as('alice', 'POST', '/api/symbols', { symbol: 'eth' });
    expect(added.status).toBe(201);
    expect((await as('alice', 'POST', '/api/symbols', { symbol: 'eth' })).status).toBe(409);
    expect((await as('alice', 'DELETE', `/api/symbols/${added.body.id}`)).status).toBe(204);
    expect((await as('alice', 'POST', '/api/risk/halt', { reason: 'lunch' })).status).toBe(200);
    expect((await as('alice', 'POST', '/api/risk/resume', {})).status).toBe(200);
    // Not an operator: the shared enable map is refused, and nothing is written down.
    expect((await as('alice', 'PUT', '/api/strategies/enable-map', EMPTY_MAP)).status).toBe(403);

    const res = await as('alice', 'GET', '/api/audit');
    expect(res.status).toBe(200);
    const entries = res.body as Entry[];
    expect(entries.map((e) => e.action)).toEqual(['risk.resume', 'risk.halt', 'symbol.remove', 'symbol.add']);
    expect(entries.every((e) => e.username === 'alice' && e.scope === 'account')).toBe(true);
    expect(entries.every((e) => Date.parse(e.time) === server.clock.now())).toBe(true);
    const symbol = { symbol: 'ETHUSDT', venue: 'binance', asset_type: 'crypto', interval: '1h' };
    expect(entries[3]).toMatchObject({ target: 'ETHUSDT', old_value: null, new_value: symbol });
    expect(entries[2]).toMatchObject({ target: 'ETHUSDT', old_value: symbol, new_value: null });
    expect(entries[1]).toMatchObject({
      old_value: { state: 'ACTIVE', reason: null },
      new_value: { state: 'HALTED', reason_code: 'MANUAL_HALT', reason: 'MANUAL_HALT: lunch' },
    });
    expect(entries[0]).toMatchObject({ old_value: { state: 'HALTED' }, new_value: { state: 'ACTIVE' } });
    expect((await as('alice', 'GET', '/api/audit?limit=2')).body).toHaveLength(2);
    expect((await as('alice', 'GET', '/api/audit?limit=0')).status).toBe(422);
    expect((await as(null, 'GET', '/api/audit')).status).toBe(401);
  });

  it("an operator's enable-map change is shared: operators read it with the old and new map, users do not", async () => {
    const before = (await as('carol', 'GET', '/api/strategies/enable-map')).body;
    expect((await as('carol', 'PUT', '/api/strategies/enable-map', { ...EMPTY_MAP, cooldown_bars: 99999 })).status).toBe(422);
    expect((await as('carol', 'PUT', '/api/strategies/enable-map', EMPTY_MAP)).status).toBe(200);
    const carol = (await as('carol', 'GET', '/api/audit')).body as Entry[];
    const shared = carol.filter((e) => e.action === 'enable_map.replace');
    expect(shared).toHaveLength(1);
    expect(shared[0]).toMatchObject({ username: 'carol', scope: 'shared', old_value: before, new_value: EMPTY_MAP });
    // Carol sees no account change of alice's; alice sees no shared change.
    expect(carol.some((e) => e.username === 'alice')).toBe(false);
    expect(((await as('alice', 'GET', '/api/audit')).body as Entry[]).some((e) => e.scope === 'shared')).toBe(false);
  });
});
