import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/auth/jwt.js';
import { loadConfig } from '../../src/config.js';
import { isConclaveError } from '../../src/domain/errors.js';
import { readCandlesCsv } from '../../src/market/csv-candles.js';
import { createRuntime } from '../../src/runtime.js';
import { buildServer } from '../../src/server.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { startFakeYahoo } from '../fakes/fake-yahoo.js';
import { type PlatformServer, startPlatformServer } from '../helpers/platform-server.js';
import { call, ScriptedModel } from '../helpers/scripted-model.js';
import { sharedData } from '../helpers/shared-data.js';

const SECRET = 'platform-test-secret-0123456789';
const PASSWORD = 'correct horse battery';
const HOUR = 3_600_000;

describe('platform API on loopback (real server, real SQLite, fake venues)', () => {
  let binance: RunningFake;
  let yahoo: RunningFake;
  let server: PlatformServer;
  const model = new ScriptedModel();
  const btc = readCandlesCsv(sharedData('klines', 'BTCUSDT_1h.csv'));
  const tokens: Record<string, string> = {};
  const ids: Record<string, number> = {};
  const api = (method: string, path: string, opts: { token?: string; body?: unknown } = {}) => call(server.url, method, path, opts);
  const relogin = async () => {
    for (const name of ['alice', 'bob']) {
      const login = await api('POST', '/api/auth/login', { body: { username: name, password: PASSWORD } });
      expect(login.status).toBe(200);
      tokens[name] = login.body.access_token;
    }
  };

  beforeAll(async () => {
    binance = await startFakeBinance({ symbols: ['BTCUSDT', 'ETHUSDT'], intervals: ['1h'] });
    yahoo = await startFakeYahoo({ symbols: ['AAPL'] });
    server = await startPlatformServer(
      { BINANCE_BASE_URL: binance.url, YAHOO_BASE_URL: yahoo.url, KLINE_INTERVAL: '1h', JWT_SECRET: SECRET },
      { now: binance.control.now(), model },
    );
    for (const name of ['alice', 'bob']) {
      const reg = await api('POST', '/api/auth/register', { body: { username: name, email: `${name}@example.com`, password: PASSWORD } });
      expect(reg.status).toBe(201);
      ids[name] = reg.body.id;
    }
    await relogin();
  });
  afterAll(async () => {
    await server?.close();
    await binance?.close();
    await yahoo?.close();
  });

  describe('auth', () => {
    it('registers without ever returning or storing the password, and refuses a taken name', async () => {
      const reg = await api('POST', '/api/auth/register', { body: { username: 'carol', email: 'carol@example.com', password: PASSWORD } });
      expect(reg.status).toBe(201);
      expect(Object.keys(reg.body).sort()).toEqual(['created_at', 'email', 'id', 'operator', 'username']);
      expect(JSON.stringify(reg.body)).not.toContain(PASSWORD);
      const db = new Database(server.config.database.kind === 'sqlite' ? server.config.database.path : '', { readonly: true });
      const row = db.prepare('select password_hash from users where username = ?').get('carol') as { password_hash: string };
      db.close();
      expect(row.password_hash.startsWith('scrypt$32768$8$1$')).toBe(true);
      expect(row.password_hash).not.toContain(PASSWORD);

      const again = await api('POST', '/api/auth/register', {
        body: { username: 'carol', email: 'other@example.com', password: PASSWORD },
      });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('CONFLICT');
      const sameEmail = await api('POST', '/api/auth/register', {
        body: { username: 'carol2', email: 'carol@example.com', password: PASSWORD },
      });
      expect(sameEmail.status).toBe(409);
    });

    it('logs in, answers /me, and refuses a wrong password or unknown user with the same 401', async () => {
      const me = await api('GET', '/api/auth/me', { token: tokens.alice });
      expect(me.body).toMatchObject({ id: ids.alice, username: 'alice', email: 'alice@example.com' });
      const wrong = await api('POST', '/api/auth/login', { body: { username: 'alice', password: 'not the password' } });
      const nobody = await api('POST', '/api/auth/login', { body: { username: 'nobody', password: 'not the password' } });
      expect([wrong.status, nobody.status]).toEqual([401, 401]);
      expect(wrong.body.error.message).toBe(nobody.body.error.message);
      // The loopback user has no password: it cannot log in even with an empty one.
      expect((await api('POST', '/api/auth/login', { body: { username: 'local', password: 'x' } })).status).toBe(401);
    });

    it('rotates refresh tokens: the new pair works, the old refresh token is refused', async () => {
      const login = await api('POST', '/api/auth/login', { body: { username: 'alice', password: PASSWORD } });
      const first = await api('POST', '/api/auth/refresh', { body: { refresh_token: login.body.refresh_token } });
      expect(first.status).toBe(200);
      expect(first.body.token_type).toBe('bearer');
      expect((await api('GET', '/api/auth/me', { token: first.body.access_token })).body.id).toBe(ids.alice);
      const reused = await api('POST', '/api/auth/refresh', { body: { refresh_token: login.body.refresh_token } });
      expect(reused.status).toBe(401);
      const asRefresh = await api('POST', '/api/auth/refresh', { body: { refresh_token: login.body.access_token } });
      expect(asRefresh.status).toBe(401);
    });

    it('refuses tampered, expired, foreign and malformed tokens with 401 even on loopback', async () => {
      const [h, p, s] = tokens.alice.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: String(ids.bob) })).toString('base64url')}.${s}`;
      const nowS = Math.floor(server.clock.now() / 1000);
      const expired = signJwt({ sub: String(ids.alice), typ: 'access', iat: nowS - 1000, exp: nowS - 1, jti: 'x', ver: 0 }, SECRET);
      const foreign = signJwt(
        { sub: String(ids.alice), typ: 'access', iat: nowS, exp: nowS + 600, jti: 'y', ver: 0 },
        'some-other-secret-0123456789',
      );
      for (const token of [tampered, expired, foreign, 'garbage']) {
        const res = await api('GET', '/api/symbols', { token });
        expect(res.status, token).toBe(401);
        expect(res.body.error.code).toBe('UNAUTHORIZED');
      }
      const basic = await call(server.url, 'GET', '/api/symbols', { headers: { authorization: 'Basic YWxpY2U6eA==' } });
      expect(basic.status).toBe(401);
      expect(expired.length).toBeGreaterThan(0);
      expect((await api('GET', '/api/auth/me', { token: expired })).body.error.message).toMatch(/expired/);
    });

    it('acts as the local user on loopback without a token', async () => {
      const me = await api('GET', '/api/auth/me');
      expect(me.body).toMatchObject({ id: 1, username: 'local' });
    });
  });

  describe('validation', () => {
    it('answers 422 naming the offending field', async () => {
      const cases: Array<[string, string, unknown, RegExp]> = [
        ['POST', '/api/auth/register', { username: 'dave', password: PASSWORD }, /email/],
        ['POST', '/api/auth/register', { username: 'dave', email: 'dave@example.com', password: 'short' }, /password/],
        ['POST', '/api/auth/register', { username: 'dave', email: 'not-an-email', password: PASSWORD }, /email/],
        ['POST', '/api/symbols', {}, /symbol/],
        ['POST', '/api/symbols', { symbol: 'BTC$' }, /symbol/],
        ['POST', '/api/symbols', { symbol: 'BTC', interval: '7m' }, /interval/],
        ['POST', '/api/decisions', { symbol: 42 }, /symbol/],
        ['POST', '/api/agents/market-monitor', { action: 'go' }, /action/],
      ];
      for (const [method, path, body, field] of cases) {
        const res = await api(method, path, { token: tokens.alice, body });
        expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(422);
        expect(res.body.error.code).toBe('VALIDATION_ERROR');
        expect(res.body.error.details.field, `${path} ${JSON.stringify(body)}`).toMatch(field);
      }
      for (const path of [
        '/api/decisions?limit=0',
        '/api/market-data?symbol=BTCUSDT&from=yesterday',
        '/api/symbols/abc',
        '/api/market-data',
      ]) {
        const res = await api('GET', path, { token: tokens.alice });
        expect(res.status, path).toBe(422);
      }
      expect((await api('GET', '/api/decisions?limit=0', { token: tokens.alice })).body.error.details.field).toMatch(/limit/);
      expect(
        (await api('GET', '/api/market-data?symbol=BTCUSDT&from=yesterday', { token: tokens.alice })).body.error.details.field,
      ).toMatch(/from/);
    });
  });

  describe('symbols', () => {
    it('detects venue and asset type across crypto and stock venues', async () => {
      const added: Record<string, { symbol: string; venue: string; asset_type: string; id: number }> = {};
      for (const input of ['btc', 'eth/usdt']) {
        const res = await api('POST', '/api/symbols', { token: tokens.alice, body: { symbol: input } });
        expect(res.status, `${input}: ${JSON.stringify(res.body)}`).toBe(201);
        added[input] = res.body;
      }
      expect(added.btc).toMatchObject({ symbol: 'BTCUSDT', venue: 'binance', asset_type: 'crypto', interval: '1h', active: true });
      expect(added['eth/usdt']).toMatchObject({ symbol: 'ETHUSDT', venue: 'binance', asset_type: 'crypto' });
      // AAPL goes to Yahoo, which (in this fake) has daily bars only: with no 1h candles to trade on, the add
      // is refused rather than stored with an empty snapshot.
      const aapl = await api('POST', '/api/symbols', { token: tokens.alice, body: { symbol: 'AAPL' } });
      expect(aapl.status).toBe(502);
      expect(aapl.body.error.details).toMatchObject({ venue: 'yahoo', symbol: 'AAPL', reason: 'EMPTY' });
      const list = await api('GET', '/api/symbols', { token: tokens.alice });
      expect(list.body.map((s: { symbol: string }) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
      const dup = await api('POST', '/api/symbols', { token: tokens.alice, body: { symbol: 'BTCUSDT' } });
      expect(dup.status).toBe(409);
      ids.aliceBtc = added.btc.id;
      ids.aliceEth = added['eth/usdt'].id;
    });

    it('answers UNKNOWN_SYMBOL for a symbol no venue lists or no shape fits', async () => {
      for (const symbol of ['DOGE', 'USDT', 'ZZZZ.US']) {
        const res = await api('POST', '/api/symbols', { token: tokens.alice, body: { symbol } });
        expect(res.status, symbol).toBe(404);
        expect(res.body.error.code, symbol).toBe('UNKNOWN_SYMBOL');
      }
      const md = await api('GET', '/api/market-data?symbol=USDT', { token: tokens.alice });
      expect(md.body.error.code).toBe('UNKNOWN_SYMBOL');
      const dec = await api('POST', '/api/decisions', { token: tokens.alice, body: { symbol: 'DOGE' } });
      expect(dec.body.error.code).toBe('UNKNOWN_SYMBOL');
    });

    it("keeps another user's symbols invisible (404), and deletes one's own", async () => {
      const bobList = await api('GET', '/api/symbols', { token: tokens.bob });
      expect(bobList.body).toEqual([]);
      expect((await api('GET', `/api/symbols/${ids.aliceBtc}`, { token: tokens.bob })).status).toBe(404);
      expect((await api('DELETE', `/api/symbols/${ids.aliceBtc}`, { token: tokens.bob })).status).toBe(404);
      expect((await api('GET', `/api/symbols/${ids.aliceBtc}`, { token: tokens.alice })).body.symbol).toBe('BTCUSDT');
      // The local user (loopback, no token) is a user like any other.
      expect((await api('GET', `/api/symbols/${ids.aliceBtc}`)).status).toBe(404);

      expect((await api('DELETE', `/api/symbols/${ids.aliceEth}`, { token: tokens.alice })).status).toBe(204);
      const gone = await api('GET', `/api/symbols/${ids.aliceEth}`, { token: tokens.alice });
      expect(gone.status).toBe(404);
      expect(gone.body.error.code).toBe('NOT_FOUND');
      expect((await api('POST', '/api/symbols', { token: tokens.alice, body: { symbol: 'ETHUSDT' } })).status).toBe(201);
    });
  });

  describe('market data', () => {
    it("refreshes the user's symbols from the venue, storing snapshots and closed candles", async () => {
      const res = await api('POST', '/api/market-data/refresh', { token: tokens.alice, body: {} });
      expect(res.status).toBe(200);
      expect(res.body.map((r: { symbol: string }) => r.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
      const b = res.body[0];
      expect(b.ok).toBe(true);
      // The fake serves the shared CSV; now = the last candle's close, so the price is its close.
      expect(b.snapshot.price).toBe(btc[btc.length - 1].close);
      expect(b.snapshot.cycle_id).toBeNull();
      expect(b.candles_stored).toBe(server.config.KLINE_LIMIT);

      const latest = await api('GET', '/api/market-data/latest', { token: tokens.alice });
      expect(latest.body.map((x: { symbol: { symbol: string } }) => x.symbol.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
      expect(latest.body[0].snapshot.price).toBe(btc[btc.length - 1].close);
      expect((await api('GET', '/api/market-data/latest', { token: tokens.bob })).body).toEqual([]);
    });

    it('reports a failing venue per symbol without failing the others', async () => {
      const res = await api('POST', '/api/market-data/refresh', { token: tokens.alice, body: { symbols: ['BTCUSDT', 'DOGE'] } });
      expect(res.body[0].ok).toBe(true);
      expect(res.body[1]).toMatchObject({ symbol: 'DOGE', ok: false, error: { code: 'UNKNOWN_SYMBOL' } });
    });

    it('returns stored snapshots and candles in a time range', async () => {
      const to = server.clock.now();
      const from = to - 10 * HOUR;
      const res = await api('GET', `/api/market-data?symbol=btc&from=${from}&to=${new Date(to).toISOString()}`, { token: tokens.alice });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ symbol: 'BTCUSDT', venue: 'binance', interval: '1h' });
      const expected = btc.filter((c) => c.openTime >= from && c.openTime <= to);
      expect(res.body.candles.map((c: { close: number }) => c.close)).toEqual(expected.map((c) => c.close));
      expect(res.body.snapshots.length).toBeGreaterThanOrEqual(2);
      expect(res.body.snapshots.every((s: { symbol: string }) => s.symbol === 'BTCUSDT')).toBe(true);
      const empty = await api('GET', `/api/market-data?symbol=BTCUSDT&from=${from - 100 * HOUR}&to=${from - 90 * HOUR}`, {
        token: tokens.alice,
      });
      expect(empty.body.snapshots).toEqual([]);
    });
  });

  describe('decisions', () => {
    it('asks the decision agent without executing, and lists, filters, pages and scores decisions per user', async () => {
      model.next = 'BUY';
      const advice = await api('POST', '/api/decisions', { token: tokens.alice, body: { symbol: 'btc' } });
      expect(advice.status).toBe(201);
      expect(advice.body.executed).toBe(false);
      expect(advice.body.decision).toMatchObject({
        symbol: 'BTCUSDT',
        action: 'BUY',
        confidence: 0.8,
        cycle_id: null,
        model_version: 'scripted-v1',
      });
      const p0 = advice.body.decision.price;
      expect(p0).toBe(btc[btc.length - 1].close);
      expect((await api('GET', '/trading/trades', { token: tokens.alice })).body).toEqual([]);

      // The market moves one bar; a SELL cycle runs on the new price.
      binance.control.advance(1);
      server.clock.set(binance.control.now());
      // An hour passed: the 15-minute access tokens expired; log in again.
      await relogin();
      model.next = 'SELL';
      const cycle = await api('POST', '/trading/run-cycle?symbol=BTCUSDT', { token: tokens.alice });
      expect(cycle.status).toBe(200);
      const p1 = cycle.body.market_data.price;

      const all = await api('GET', '/api/decisions', { token: tokens.alice });
      expect(all.body.total).toBe(2);
      expect(all.body.items.map((d: { action: string }) => d.action)).toEqual(['SELL', 'BUY']);
      expect(all.body.items[0].cycle_id).toBe(cycle.body.cycle_id);
      const sells = await api('GET', '/api/decisions?action=SELL&symbol=btc', { token: tokens.alice });
      expect(sells.body.items.map((d: { action: string }) => d.action)).toEqual(['SELL']);
      const page2 = await api('GET', '/api/decisions?limit=1&offset=1', { token: tokens.alice });
      expect(page2.body).toMatchObject({ total: 2, limit: 1, offset: 1 });
      expect(page2.body.items.map((d: { action: string }) => d.action)).toEqual(['BUY']);
      const before = await api('GET', `/api/decisions?to=${server.clock.now() - 1}`, { token: tokens.alice });
      expect(before.body.total).toBe(1);

      const stats = await api('GET', '/api/decisions/statistics', { token: tokens.alice });
      // BUY at p0 is judged against the next stored price p1; the SELL has no later price yet.
      expect(stats.body).toEqual({
        total: 2,
        by_action: { BUY: 1, SELL: 1, HOLD: 0 },
        mean_confidence: 0.8,
        hit_rate: { hits: p1 > p0 ? 1 : 0, evaluated: 1, rate: p1 > p0 ? 1 : 0 },
      });

      const bob = await api('GET', '/api/decisions', { token: tokens.bob });
      expect(bob.body).toMatchObject({ total: 0, items: [] });
      expect((await api('GET', '/api/decisions/statistics', { token: tokens.bob })).body.total).toBe(0);
    });
  });

  describe('agents', () => {
    it('lists agents with heartbeats and starts/stops monitoring per user', async () => {
      const list = await api('GET', '/api/agents', { token: tokens.alice });
      const names = list.body.map((a: { name: string }) => a.name);
      expect(names).toEqual(expect.arrayContaining(['market-monitor', 'decision-maker', 'risk-manager', 'execution']));
      const decider = list.body.find((a: { name: string }) => a.name === 'decision-maker');
      expect(decider.runs).toBeGreaterThan(0);
      expect(decider.health).toBe('ok');
      expect(decider.last_run_at).not.toBeNull();

      expect((await api('GET', '/api/agents/nope', { token: tokens.alice })).status).toBe(404);
      const start = await api('POST', '/api/agents/market-monitor', { token: tokens.alice, body: { action: 'start', interval: '1h' } });
      expect(start.status).toBe(200);
      expect(start.body).toMatchObject({ running: true, interval: '1h' });
      expect(server.monitoring.calls).toEqual([`start ${ids.alice} 1h`]);
      const mine = await api('GET', '/api/agents/market-monitor', { token: tokens.alice });
      expect(mine.body.monitoring.running).toBe(true);
      const bobs = await api('GET', '/api/agents/market-monitor', { token: tokens.bob });
      expect(bobs.body.monitoring.running).toBe(false);
      const stop = await api('POST', '/api/agents/market-monitor', { token: tokens.alice, body: { action: 'stop' } });
      expect(stop.body.running).toBe(false);
      expect(server.monitoring.calls).toEqual([`start ${ids.alice} 1h`, `stop ${ids.alice}`]);
    });
  });

  describe('OpenAPI', () => {
    it('documents protocol and settings of POST /api/backtests', async () => {
      const doc = (await api('GET', '/openapi.json')).body as {
        paths: Record<string, { post?: { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } } }>;
      };
      const body = doc.paths['/api/backtests'].post?.requestBody.content['application/json'].schema.properties ?? {};
      expect(Object.keys(body)).toEqual(expect.arrayContaining(['protocol', 'strategy', 'settings']));
      expect(JSON.stringify(body.protocol)).toContain('consensus');
    });

    it('documents every platform route with request and response schemas', async () => {
      const doc = (await api('GET', '/openapi.json')).body;
      const expected: Array<[string, string, string]> = [
        ['post', '/api/auth/register', '201'],
        ['post', '/api/auth/login', '200'],
        ['post', '/api/auth/refresh', '200'],
        ['get', '/api/auth/me', '200'],
        ['get', '/api/symbols', '200'],
        ['post', '/api/symbols', '201'],
        ['get', '/api/symbols/{id}', '200'],
        ['delete', '/api/symbols/{id}', '204'],
        ['get', '/api/market-data', '200'],
        ['get', '/api/market-data/latest', '200'],
        ['post', '/api/market-data/refresh', '200'],
        ['get', '/api/decisions', '200'],
        ['post', '/api/decisions', '201'],
        ['get', '/api/decisions/statistics', '200'],
        ['get', '/api/agents', '200'],
        ['get', '/api/agents/{name}', '200'],
        ['post', '/api/agents/market-monitor', '200'],
        ['get', '/api/ws/status', '200'],
      ];
      for (const [method, path, status] of expected) {
        const op = doc.paths[path]?.[method];
        expect(op, `${method} ${path}`).toBeDefined();
        expect(op.responses[status], `${method} ${path} ${status}`).toBeDefined();
        if (method === 'post' && path !== '/api/market-data/refresh') expect(op.requestBody, `${method} ${path}`).toBeDefined();
      }
      expect(doc.paths['/api/ws/status'].get.description).toMatch(/subscribe/);
      expect((await api('GET', '/api/ws/status')).body).toEqual({ path: '/ws', clients: 0, dropped: 0 });
      expect(JSON.stringify(doc.components.schemas.Tokens)).toMatch(/example/);
      // Every $ref resolves (seed routes included).
      const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
      expect(refs.length).toBeGreaterThan(20);
      expect(refs.filter((r) => !(r in doc.components.schemas))).toEqual([]);
    });
  });
});

describe('monitoring through the embedded scheduler', () => {
  it('starts per user, and the schedule survives a restart on the same database', async () => {
    const binance = await startFakeBinance({ symbols: ['BTCUSDT'], intervals: ['1h'] });
    const db = join(mkdtempSync(join(tmpdir(), 'conclave-restart-')), 'conclave.db');
    const env = { BINANCE_BASE_URL: binance.url, KLINE_INTERVAL: '1h', JWT_SECRET: SECRET, DATABASE_URL: db };
    const opts = { now: binance.control.now(), model: new ScriptedModel(), realScheduler: true };
    try {
      const first = await startPlatformServer(env, opts);
      let token: string;
      try {
        await call(first.url, 'POST', '/api/auth/register', { body: { username: 'mona', email: 'mona@example.com', password: PASSWORD } });
        token = (await call(first.url, 'POST', '/api/auth/login', { body: { username: 'mona', password: PASSWORD } })).body.access_token;
        expect((await call(first.url, 'POST', '/api/symbols', { token, body: { symbol: 'BTC' } })).status).toBe(201);
        const start = await call(first.url, 'POST', '/api/agents/market-monitor', { token, body: { action: 'start', interval: '4h' } });
        expect(start.body).toMatchObject({ running: true, interval: '4h', cycles_run: 0 });
        // The local user's schedule is separate.
        expect((await call(first.url, 'GET', '/api/agents/market-monitor')).body.monitoring.running).toBe(false);
      } finally {
        await first.close();
      }
      const second = await startPlatformServer(env, opts);
      try {
        const me = await call(second.url, 'POST', '/api/auth/login', { body: { username: 'mona', password: PASSWORD } });
        const agent = await call(second.url, 'GET', '/api/agents/market-monitor', { token: me.body.access_token });
        expect(agent.body.monitoring).toMatchObject({ running: true, interval: '4h' });
        const stop = await call(second.url, 'POST', '/api/agents/market-monitor', {
          token: me.body.access_token,
          body: { action: 'stop' },
        });
        expect(stop.body.running).toBe(false);
      } finally {
        await second.close();
      }
    } finally {
      await binance.close();
    }
  });
});

describe('platform API off loopback', () => {
  let binance: RunningFake;
  let server: PlatformServer;

  beforeAll(async () => {
    binance = await startFakeBinance({ symbols: ['BTCUSDT'], intervals: ['1h'] });
    server = await startPlatformServer(
      {
        BINANCE_BASE_URL: binance.url,
        KLINE_INTERVAL: '1h',
        HOST: '0.0.0.0',
        JWT_SECRET: SECRET,
        AUTH_RATE_LIMIT: '5',
        METRICS_TOKEN: 'scrape-token-123',
      },
      { now: binance.control.now(), model: new ScriptedModel() },
    );
  });
  afterAll(async () => {
    await server?.close();
    await binance?.close();
  });

  it('lets Prometheus scrape /metrics with METRICS_TOKEN and nothing else with it', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const scraped = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer scrape-token-123' } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('process_cpu');
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer scrape-token-124' } })).status).toBe(401);
    expect((await fetch(`${server.url}/api/portfolio`, { headers: { authorization: 'Bearer scrape-token-123' } })).status).toBe(401);
  });

  it('refuses to start without JWT_SECRET: config, server build, and the real process', async () => {
    const configError = (() => {
      try {
        loadConfig({ HOST: '0.0.0.0', LOG_LEVEL: 'silent' });
        return null;
      } catch (error) {
        return error;
      }
    })();
    expect(isConclaveError(configError, 'CONFIG_INVALID')).toBe(true);
    expect((configError as Error).message).toMatch(/JWT_SECRET/);

    // A config object that slipped past loadConfig is still refused when the server is built.
    const forced = { ...server.config, HOST: '0.0.0.0', isLoopback: false, JWT_SECRET: '' };
    const runtime = await createRuntime(forced, pino({ level: 'silent' }), { model: new ScriptedModel(), clock: server.clock });
    try {
      await expect(buildServer(runtime)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    } finally {
      await runtime.close();
    }

    const proc = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env.PATH, HOST: '0.0.0.0', JWT_SECRET: '', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(proc.status).toBe(1);
    expect(proc.stderr).toMatch(/JWT_SECRET/);
  });

  it('requires a token everywhere but health, docs and the OpenAPI document', async () => {
    for (const path of ['/health', '/openapi.json', '/docs/']) {
      expect((await call(server.url, 'GET', path)).status, path).toBe(200);
    }
    for (const [method, path] of [
      ['GET', '/api/symbols'],
      ['GET', '/api/auth/me'],
      ['GET', '/api/decisions'],
      ['GET', '/api/agents'],
      ['GET', '/api/market-data/latest'],
      ['GET', '/trading/trades'],
      ['POST', '/trading/run-cycle'],
    ]) {
      const res = await call(server.url, method, path);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
    }
    const reg = await call(server.url, 'POST', '/api/auth/register', {
      body: { username: 'erin', email: 'erin@example.com', password: PASSWORD },
    });
    expect(reg.status).toBe(201);
    const login = await call(server.url, 'POST', '/api/auth/login', { body: { username: 'erin', password: PASSWORD } });
    const token = login.body.access_token;
    expect((await call(server.url, 'GET', '/api/symbols', { token })).status).toBe(200);
    expect((await call(server.url, 'GET', '/trading/trades', { token })).status).toBe(200);
    expect((await call(server.url, 'GET', '/api/auth/me', { token })).body.username).toBe('erin');
  });

  it('rate-limits the auth routes per client with 429 TOO_MANY_REQUESTS, saying when to retry', async () => {
    const statuses: number[] = [];
    let last: { status: number; body: { error: { code: string; details: { retry_after_s: number } } } } | undefined;
    // One login was spent in the previous test; the window holds five per route.
    for (let i = 0; i < 6; i++) {
      last = await call(server.url, 'POST', '/api/auth/login', { body: { username: 'erin', password: 'wrong password' } });
      statuses.push(last.status);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.slice(0, statuses.indexOf(429)).every((s) => s === 401)).toBe(true);
    expect(last?.body.error.code).toBe('TOO_MANY_REQUESTS');
    expect(last?.body.error.details.retry_after_s).toBeGreaterThanOrEqual(1);
    expect(last?.body.error.details.retry_after_s).toBeLessThanOrEqual(60);
  });
});
