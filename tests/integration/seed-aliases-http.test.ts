import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_ALIASES } from '../../src/api/seed-aliases.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { startFakeYahoo } from '../fakes/fake-yahoo.js';
import { type PlatformServer, startPlatformServer } from '../helpers/platform-server.js';
import { call, ScriptedModel } from '../helpers/scripted-model.js';
import { seedText } from '../helpers/shared-data.js';

const SECRET = 'seed-alias-test-secret-0123456789';
const PASSWORD = 'seed aliases walk the readme 42';

/** `METHOD /path` of every endpoint seed 002's README lists (`- \`GET /api/trading/symbols/{id}/\` - ...`). */
function seed002Endpoints(): string[] {
  const found = [...seedText('002').matchAll(/^- `(GET|POST|DELETE|PUT|PATCH) (\/api\/[^`\s]+)`/gm)];
  return found.map((m) => `${m[1]} ${m[2].replace(/\{(\w+)\}/g, ':$1')}`);
}

/** Seed 001 names `GET /trades` and `GET /market/latest` as optional routes of its API. */
function seed001Endpoints(): string[] {
  return [...seedText('001').matchAll(/^\(Опционально\) (GET|POST) (\/[a-z/-]+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
}

describe("the seeds' own URLs answer as aliases of the platform routes (real server)", () => {
  let binance: RunningFake;
  let yahoo: RunningFake;
  let server: PlatformServer;
  const ids: Record<string, number> = {};
  let access = '';
  let refresh = '';
  const api = (method: string, path: string, opts: { token?: string; body?: unknown } = {}) => call(server.url, method, path, opts);

  beforeAll(async () => {
    binance = await startFakeBinance({ symbols: ['BTCUSDT', 'ETHUSDT'], intervals: ['1h'] });
    yahoo = await startFakeYahoo({ symbols: ['AAPL'] });
    server = await startPlatformServer(
      { BINANCE_BASE_URL: binance.url, YAHOO_BASE_URL: yahoo.url, KLINE_INTERVAL: '1h', JWT_SECRET: SECRET },
      { now: binance.control.now(), model: new ScriptedModel() },
    );
  });
  afterAll(async () => {
    await server?.close();
    await binance?.close();
    await yahoo?.close();
  });

  it('the alias table is exactly the list in the seed READMEs', () => {
    const listed = [...seed002Endpoints(), ...seed001Endpoints()];
    expect(listed.length).toBe(21);
    expect(new Set(listed)).toEqual(new Set(SEED_ALIASES.map((a) => `${a.method} ${a.alias}`)));
  });

  it('walks every URL of the list in the README order, each answering like its target', async () => {
    const token = () => access;
    // One request per README entry; a URL without a recipe fails the walk.
    const recipes: Record<string, () => Promise<{ status: number; body: unknown; expected: number; compare?: string }>> = {
      'POST /api/auth/register/': async () => ({
        ...(await api('POST', '/api/auth/register/', { body: { username: 'seeduser', email: 'seed@example.com', password: PASSWORD } })),
        expected: 201,
      }),
      'POST /api/auth/login/': async () => {
        const r = await api('POST', '/api/auth/login/', { body: { username: 'seeduser', password: PASSWORD } });
        access = r.body.access_token;
        refresh = r.body.refresh_token;
        return { ...r, expected: 200 };
      },
      'POST /api/auth/refresh/': async () => {
        const r = await api('POST', '/api/auth/refresh/', { body: { refresh_token: refresh } });
        access = r.body.access_token;
        return { ...r, expected: 200 };
      },
      'GET /api/auth/me/': async () => ({
        ...(await api('GET', '/api/auth/me/', { token: token() })),
        expected: 200,
        compare: '/api/auth/me',
      }),
      'GET /api/trading/symbols/': async () => ({
        ...(await api('GET', '/api/trading/symbols/', { token: token() })),
        expected: 200,
        compare: '/api/symbols',
      }),
      'POST /api/trading/symbols/': async () => {
        // AAPL reaches Yahoo, whose fake has daily bars only: with no 1h candles the add is refused (502 EMPTY).
        const aapl = await api('POST', '/api/trading/symbols/', { token: token(), body: { symbol: 'AAPL' } });
        expect([aapl.status, aapl.body.error?.details?.venue, aapl.body.error?.details?.reason]).toEqual([502, 'yahoo', 'EMPTY']);
        const r = await api('POST', '/api/trading/symbols/', { token: token(), body: { symbol: 'BTC' } });
        expect(r.body.symbol).toBe('BTCUSDT');
        ids.btc = r.body.id;
        return { ...r, expected: 201 };
      },
      'GET /api/trading/symbols/:id/': async () => ({
        ...(await api('GET', `/api/trading/symbols/${ids.btc}/`, { token: token() })),
        expected: 200,
        compare: `/api/symbols/${ids.btc}`,
      }),
      'DELETE /api/trading/symbols/:id/': async () => {
        const eth = await api('POST', '/api/symbols', { token: token(), body: { symbol: 'ETH' } });
        const r = await api('DELETE', `/api/trading/symbols/${eth.body.id}/`, { token: token() });
        expect((await api('GET', `/api/symbols/${eth.body.id}`, { token: token() })).status).toBe(404);
        return { ...r, expected: 204 };
      },
      'GET /api/trading/market-data/': async () => ({
        ...(await api('GET', '/api/trading/market-data/?symbol=BTCUSDT', { token: token() })),
        expected: 200,
        compare: '/api/market-data?symbol=BTCUSDT',
      }),
      'GET /api/trading/market-data/latest/': async () => ({
        ...(await api('GET', '/api/trading/market-data/latest/', { token: token() })),
        expected: 200,
        compare: '/api/market-data/latest',
      }),
      'POST /api/trading/market-data/refresh/': async () => ({
        ...(await api('POST', '/api/trading/market-data/refresh/', { token: token(), body: {} })),
        expected: 200,
      }),
      'GET /api/trading/decisions/': async () => ({
        ...(await api('GET', '/api/trading/decisions/', { token: token() })),
        expected: 200,
        compare: '/api/decisions',
      }),
      'POST /api/trading/decisions/': async () => ({
        ...(await api('POST', '/api/trading/decisions/', { token: token(), body: { symbol: 'BTC' } })),
        expected: 201,
      }),
      'GET /api/trading/decisions/statistics/': async () => ({
        ...(await api('GET', '/api/trading/decisions/statistics/', { token: token() })),
        expected: 200,
        compare: '/api/decisions/statistics',
      }),
      'GET /api/trading/agents/market-monitor/': async () => ({
        ...(await api('GET', '/api/trading/agents/market-monitor/', { token: token() })),
        expected: 200,
        compare: '/api/agents/market-monitor',
      }),
      'POST /api/trading/agents/market-monitor/': async () => ({
        ...(await api('POST', '/api/trading/agents/market-monitor/', { token: token(), body: { action: 'start' } })),
        expected: 200,
      }),
      'GET /api/trading/agents/decision-maker/': async () => ({
        ...(await api('GET', '/api/trading/agents/decision-maker/', { token: token() })),
        expected: 200,
        compare: '/api/agents/decision-maker',
      }),
      'POST /api/trading/agents/decision-maker/': async () => {
        const r = await api('POST', '/api/trading/agents/decision-maker/', { token: token(), body: { symbol_id: ids.btc } });
        expect(r.body.decision.symbol).toBe('BTCUSDT');
        return { ...r, expected: 201 };
      },
      'GET /api/trading/agents/execution/': async () => ({
        ...(await api('GET', '/api/trading/agents/execution/', { token: token() })),
        expected: 200,
        compare: '/api/agents/execution',
      }),
    };
    const walked: string[] = [];
    for (const endpoint of seed002Endpoints()) {
      const recipe = recipes[endpoint];
      expect(recipe, `no request for ${endpoint}`).toBeDefined();
      const r = await recipe();
      expect(r.status, `${endpoint}: ${JSON.stringify(r.body)}`).toBe(r.expected);
      if (r.compare) expect((await api('GET', r.compare, { token: token() })).body, endpoint).toEqual(r.body);
      walked.push(endpoint);
    }
    expect(walked.length).toBe(19);
    expect(server.monitoring.calls).toContain('start 2 1h');
  });

  it("seed 001's /trades and /market/latest answer like /trading/trades and /trading/market/latest", async () => {
    const trades = await api('GET', '/trades?limit=5');
    expect(trades.status).toBe(200);
    expect(trades.body).toEqual((await api('GET', '/trading/trades?limit=5')).body);
    const latest = await api('GET', '/market/latest?symbol=BTCUSDT');
    expect(latest.status).toBe(200);
    expect(latest.body.symbol).toBe('BTCUSDT');
    expect(latest.body.source).toBe('binance');
    expect(latest.body.market).toBeNull(); // crypto trades around the clock
    const bad = await api('GET', '/market/latest?symbol=%%%');
    expect(bad.status).toBe((await api('GET', '/trading/market/latest?symbol=%%%')).status);
  });

  it('asks the decision maker by symbol id only for your own symbols, and wants exactly one of symbol and symbol_id', async () => {
    await api('POST', '/api/auth/register', { body: { username: 'other', email: 'other@example.com', password: PASSWORD } });
    const other = (await api('POST', '/api/auth/login', { body: { username: 'other', password: PASSWORD } })).body.access_token;
    const foreign = await api('POST', '/api/trading/agents/decision-maker/', { token: other, body: { symbol_id: ids.btc } });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('NOT_FOUND');
    const both = await api('POST', '/api/decisions', { token: access, body: { symbol: 'BTC', symbol_id: ids.btc } });
    expect(both.status).toBe(422);
    expect(both.body.error.code).toBe('VALIDATION_ERROR');
    const neither = await api('POST', '/api/trading/agents/decision-maker/', { token: access, body: {} });
    expect(neither.status).toBe(422);
  });

  it('OpenAPI lists every alias as a copy of its target, marked x-alias-of', async () => {
    const doc = (await api('GET', '/openapi.json')).body;
    for (const a of SEED_ALIASES) {
      const key = a.alias.replace(/:(\w+)/g, '{$1}');
      const op = doc.paths[key]?.[a.method.toLowerCase()];
      expect(op, `${a.method} ${key}`).toBeDefined();
      expect(op['x-alias-of']).toMatch(new RegExp(`^${a.method} /`));
      expect(op.summary).toBe(`Alias of ${op['x-alias-of']}`);
      expect(op.deprecated).toBe(false);
      const target = doc.paths[a.target.replace(/:(\w+)/g, '{$1}')][a.method.toLowerCase()];
      expect(op.responses).toEqual(target.responses);
      expect(op.security).toEqual(target.security);
      const pathParams = (op.parameters ?? []).filter((p: { in: string }) => p.in === 'path').map((p: { name: string }) => p.name);
      expect(pathParams).toEqual([...a.alias.matchAll(/:(\w+)/g)].map((m) => m[1]));
    }
    expect(doc.paths['/api/trading/agents/decision-maker/'].post['x-alias-of']).toBe('POST /api/decisions');
    expect(doc.paths['/api/trading/agents/execution/'].get['x-alias-of']).toBe('GET /api/agents/execution');
  });
});

describe('aliases keep the auth of their targets off loopback', () => {
  let binance: RunningFake;
  let server: PlatformServer;

  beforeAll(async () => {
    binance = await startFakeBinance({ symbols: ['BTCUSDT'], intervals: ['1h'] });
    server = await startPlatformServer(
      { BINANCE_BASE_URL: binance.url, KLINE_INTERVAL: '1h', JWT_SECRET: SECRET, HOST: '0.0.0.0', AUTH_RATE_LIMIT: '3' },
      { now: binance.control.now(), model: new ScriptedModel() },
    );
  });
  afterAll(async () => {
    await server?.close();
    await binance?.close();
  });

  it('a protected alias wants a token; the login alias is public and shares the rate limit of /api/auth/login', async () => {
    const anonymous = await call(server.url, 'GET', '/api/trading/symbols/');
    expect(anonymous.status).toBe(401);
    expect((await call(server.url, 'GET', '/trades')).status).toBe(401);
    const reg = await call(server.url, 'POST', '/api/auth/register/', {
      body: { username: 'remote', email: 'remote@example.com', password: PASSWORD },
    });
    expect(reg.status).toBe(201);
    const login = await call(server.url, 'POST', '/api/auth/login/', { body: { username: 'remote', password: PASSWORD } });
    expect(login.status).toBe(200);
    const mine = await call(server.url, 'GET', '/api/trading/symbols/', { token: login.body.access_token });
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual([]);
    // Limit 3 per window: one login above, one on the original path, then the alias is refused as the original would be.
    expect((await call(server.url, 'POST', '/api/auth/login', { body: { username: 'remote', password: PASSWORD } })).status).toBe(200);
    expect((await call(server.url, 'POST', '/api/auth/login/', { body: { username: 'remote', password: PASSWORD } })).status).toBe(200);
    const limited = await call(server.url, 'POST', '/api/auth/login/', { body: { username: 'remote', password: PASSWORD } });
    expect(limited.status).toBe(429);
    expect((await call(server.url, 'POST', '/api/auth/login', { body: { username: 'remote', password: PASSWORD } })).status).toBe(429);
  });
});
