import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYSIS_FILE } from '../../src/scanner/scanner-service.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { type PlatformServer, startPlatformServer } from '../helpers/platform-server.js';
import { call, ScriptedModel } from '../helpers/scripted-model.js';

const SECRET = 'authz-test-secret-0123456789';
const METRICS_TOKEN = 'scrape-token-0123456789';
const PASSWORD = 'correct horse battery';

/**
 * Issue 11, part A: one regression test per finding, through the real server bound (by config) off
 * loopback, with three accounts: alice and bob (users) and olga (operator by OPERATORS).
 */
describe('authorization off loopback (issue 11 findings 1, 2, 3, 4, 5, 8, 15, 18)', () => {
  let binance: RunningFake;
  let server: PlatformServer;
  const tokens: Record<string, string> = {};
  const ids: Record<string, number> = {};
  const api = (method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
    call(server.url, method, path, opts);
  const as = (name: string, method: string, path: string, body?: unknown) => api(method, path, { token: tokens[name], body });
  const login = async (name: string) => {
    const res = await api('POST', '/api/auth/login', { body: { username: name, password: PASSWORD } });
    expect(res.status, `login ${name}`).toBe(200);
    tokens[name] = res.body.access_token;
    return res.body as { access_token: string; refresh_token: string };
  };

  beforeAll(async () => {
    binance = await startFakeBinance({ symbols: ['BTCUSDT', 'ETHUSDT'], intervals: ['1h'] });
    const dir = mkdtempSync(join(tmpdir(), 'conclave-authz-'));
    server = await startPlatformServer(
      {
        BINANCE_BASE_URL: binance.url,
        KLINE_INTERVAL: '1h',
        HOST: '0.0.0.0',
        JWT_SECRET: SECRET,
        METRICS_TOKEN,
        OPERATORS: 'Olga',
        PROTOCOL: 'brain',
        ENABLE_MAP_PATH: join(dir, 'enable-map.yaml'),
      },
      { now: binance.control.now(), model: new ScriptedModel() },
    );
    for (const name of ['alice', 'bob', 'olga', 'victor']) {
      const reg = await api('POST', '/api/auth/register', { body: { username: name, email: `${name}@example.com`, password: PASSWORD } });
      expect(reg.status, `register ${name}`).toBe(201);
      ids[name] = reg.body.id;
      await login(name);
    }
  });
  afterAll(async () => {
    await server?.close();
    await binance?.close();
  });

  it('finding 1: only an operator replaces the shared enable map; a user gets 403 and changes nothing', async () => {
    const before = (await as('alice', 'GET', '/api/strategies/enable-map')).body;
    const hostile = { cooldown_bars: 0, regimes: { BULL: [], BEAR: [], RANGE: [], HIGH_VOL: ['breakout'] } };
    const denied = await as('bob', 'PUT', '/api/strategies/enable-map', hostile);
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('FORBIDDEN');
    expect((await as('alice', 'GET', '/api/strategies/enable-map')).body).toEqual(before);
    expect(existsSync(server.config.ENABLE_MAP_PATH)).toBe(false);

    const allowed = await as('olga', 'PUT', '/api/strategies/enable-map', { ...before, cooldown_bars: 7 });
    expect(allowed.status).toBe(200);
    expect((await as('alice', 'GET', '/api/strategies/enable-map')).body.cooldown_bars).toBe(7);
    expect(existsSync(server.config.ENABLE_MAP_PATH)).toBe(true);
    expect((await as('olga', 'GET', '/api/auth/me')).body.operator).toBe(true);
    expect((await as('bob', 'GET', '/api/auth/me')).body.operator).toBe(false);
  });

  it('finding 2: /metrics off loopback takes only METRICS_TOKEN, never a user token (operator included)', async () => {
    await as('alice', 'POST', '/trading/run-cycle?symbol=BTCUSDT');
    for (const name of ['alice', 'olga']) {
      const res = await as(name, 'GET', '/metrics');
      expect(res.status, name).toBe(401);
      expect(res.body.error.message).toMatch(/METRICS_TOKEN/);
      expect(JSON.stringify(res.body)).not.toContain('conclave_equity');
    }
    expect((await api('GET', '/metrics')).status).toBe(401);
    const scrape = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain(`conclave_equity{user="${ids.alice}"}`);
    // The scrape token opens nothing else.
    expect((await api('GET', '/api/portfolio', { token: METRICS_TOKEN })).status).toBe(401);
  });

  it("finding 3: GET /api/market-data returns only the caller's snapshots, never another account's cycle ids", async () => {
    const cycle = await as('alice', 'POST', '/trading/run-cycle?symbol=ETHUSDT');
    expect(cycle.status).toBe(200);
    const alices = await as('alice', 'GET', '/api/market-data?symbol=ETH');
    expect(alices.body.snapshots.map((s: { cycle_id: number }) => s.cycle_id)).toContain(cycle.body.cycle_id);
    const bobs = await as('bob', 'GET', '/api/market-data?symbol=ETH');
    expect(bobs.status).toBe(200);
    expect(bobs.body.snapshots).toEqual([]);
    // Candles are the venue's public data and are shared.
    expect(bobs.body.candles.length).toBe(alices.body.candles.length);
    await as('bob', 'POST', '/api/symbols', { symbol: 'ETH' });
    const latest = await as('bob', 'GET', '/api/market-data/latest');
    expect(latest.body.map((x: { snapshot: { cycle_id: number | null } }) => x.snapshot?.cycle_id ?? null)).toEqual([null]);
  });

  it('finding 4: a user cannot run the shared scan (no file written, no LLM, no Telegram); an operator can', async () => {
    const analysis = join(server.config.DATA_DIR, ANALYSIS_FILE);
    const denied = await as('bob', 'POST', '/api/scanner/run', { symbols: ['BTCUSDT'], use_llm: true, send_telegram: true });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('FORBIDDEN');
    expect(existsSync(analysis)).toBe(false);
    const operator = await as('olga', 'POST', '/api/scanner/run', { symbols: ['BTCUSDT'], use_llm: false, send_telegram: false });
    expect(operator.status).not.toBe(403);
    expect(operator.status).not.toBe(401);
    // Everyone reads the shared result.
    if (operator.status === 200) expect((await as('bob', 'GET', '/api/scanner/latest')).status).toBe(200);
  });

  it("finding 5: GET /api/agents shows the caller's own counters and errors; anonymous /health shows up/down only", async () => {
    // A symbol the venue does not list fails victor's cycle inside the market monitor, with a text naming it.
    const failed = await as('victor', 'POST', '/trading/run-cycle?symbol=XRPUSDT');
    expect(failed.status).toBeGreaterThanOrEqual(400);
    const victors = (await as('victor', 'GET', '/api/agents')).body as Array<{ name: string; last_error: string | null; runs: number }>;
    const victorError = victors.find((a) => a.last_error !== null)?.last_error;
    expect(victorError).toBeTruthy();

    const bobs = (await as('bob', 'GET', '/api/agents')).body as Array<{ last_error: string | null; runs: number; errors: number }>;
    expect(bobs.length).toBeGreaterThan(0);
    expect(bobs.every((a) => a.last_error === null && a.errors === 0)).toBe(true);
    expect(JSON.stringify(bobs)).not.toContain(String(victorError));
    const one = await as('bob', 'GET', '/api/agents/market-monitor');
    expect(one.body.last_error).toBeNull();

    const anonymous = await api('GET', '/health');
    expect([200, 503]).toContain(anonymous.status);
    expect(Object.keys(anonymous.body).sort()).toEqual(['components', 'status', 'version']);
    for (const [name, c] of Object.entries(anonymous.body.components as Record<string, object>)) {
      expect(Object.keys(c), name).toEqual(['status']);
    }
    expect(JSON.stringify(anonymous.body)).not.toMatch(/latency|error|accuracy|version":"rf|last_error/);
    // A plain user sees the same summary; an operator and the scraper see the details.
    const bobHealth = await as('bob', 'GET', '/health');
    expect(Object.keys(bobHealth.body.components.store)).toEqual(['status']);
    const operator = await as('olga', 'GET', '/health');
    expect(operator.body.components.store.details).toHaveProperty('latency_ms');
    expect(operator.body).toHaveProperty('uptime_s');
    const scraper = await api('GET', '/health', { token: METRICS_TOKEN });
    expect(scraper.body.components.store.details).toHaveProperty('latency_ms');
  });

  it('tracked regimes and strategy selections show only the symbols on the caller’s list (operators see all)', async () => {
    // alice's brain cycle tracks ETHUSDT; victor's list is empty.
    expect((await as('alice', 'POST', '/trading/run-cycle?symbol=ETHUSDT')).status).toBe(200);
    const all = await as('olga', 'GET', '/api/regime');
    expect(all.body.regimes.map((r: { symbol: string }) => r.symbol)).toContain('ETHUSDT');
    expect((await as('victor', 'GET', '/api/regime')).body.regimes).toEqual([]);
    expect((await as('olga', 'GET', '/api/strategies')).body.selection.length).toBeGreaterThan(0);
    expect((await as('victor', 'GET', '/api/strategies')).body.selection).toEqual([]);
    // Asked by name, an untracked-for-you symbol is read on demand, not from another account's tracking.
    const one = await as('victor', 'GET', '/api/regime?symbol=ETHUSDT');
    expect(one.status).toBe(200);
    expect(one.body.regimes.every((r: { source: string }) => r.source === 'on-demand')).toBe(true);
  });

  it("finding 8: a deleted user's token dies on every route at once; no 500 and no rows for a vanished user", async () => {
    const reg = await api('POST', '/api/auth/register', { body: { username: 'gone', email: 'gone@example.com', password: PASSWORD } });
    const pair = await login('gone');
    expect((await as('gone', 'POST', '/api/symbols', { symbol: 'BTC' })).status).toBe(201);
    expect(await server.runtime.store.users.delete(reg.body.id)).toBe(true);
    for (const [method, path, body] of [
      ['GET', '/api/auth/me'],
      ['GET', '/api/symbols'],
      ['POST', '/api/symbols', { symbol: 'ETH' }],
      ['POST', '/trading/run-cycle?symbol=BTCUSDT'],
      ['GET', '/api/decisions'],
      ['POST', '/api/risk/halt', { reason: 'x' }],
      ['POST', '/api/agents/market-monitor', { action: 'start' }],
      ['POST', '/api/backtests', { symbol: 'BTCUSDT', strategy: 'sma-cross' }],
      ['GET', '/api/portfolio'],
    ] as const) {
      const res = await as('gone', method, path, body);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      expect(JSON.stringify(res.body)).not.toMatch(/FOREIGN KEY|SQLITE/i);
    }
    expect((await api('POST', '/api/auth/refresh', { body: { refresh_token: pair.refresh_token } })).status).toBe(401);
    const db = server.runtime.store.db;
    for (const table of ['cycles', 'symbols', 'risk_state', 'agent_state', 'backtests'] as const) {
      const rows = await db.selectFrom(table).select('user_id').where('user_id', '=', reg.body.id).execute();
      expect(rows, table).toEqual([]);
    }
  });

  it('revoking tokens (token version) kills access and refresh tokens; a new login works', async () => {
    const pair = await login('bob');
    expect((await as('bob', 'GET', '/api/symbols')).status).toBe(200);
    await server.runtime.store.users.revokeTokens(ids.bob);
    expect((await as('bob', 'GET', '/api/symbols')).status).toBe(401);
    expect((await api('POST', '/api/auth/refresh', { body: { refresh_token: pair.refresh_token } })).status).toBe(401);
    await login('bob');
    expect((await as('bob', 'GET', '/api/symbols')).status).toBe(200);
  });

  it('finding 15: weak passwords are refused; usernames and emails are unique ignoring case', async () => {
    for (const [username, password] of [
      ['weak1', 'password'],
      ['weak2', '12345678'],
      ['weak3', '        '],
      ['weak4', ' '.repeat(12)],
      ['weak5abcdef', 'weak5abcdef'],
      ['weak6', 'password123'],
    ]) {
      const res = await api('POST', '/api/auth/register', { body: { username, email: `${username}@example.com`, password } });
      expect(res.status, JSON.stringify(password)).toBe(422);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(res.body.error.details.field).toMatch(/password$/);
    }
    for (const [username, email] of [
      ['LOCAL', 'local-upper@example.com'],
      ['ALICE', 'alice-upper@example.com'],
      ['alice2', 'ALICE@EXAMPLE.COM'],
    ]) {
      const res = await api('POST', '/api/auth/register', { body: { username, email, password: PASSWORD } });
      expect(res.status, `${username} ${email}`).toBe(409);
      expect(res.body.error.code).toBe('CONFLICT');
    }
    const upper = await api('POST', '/api/auth/login', { body: { username: 'ALICE', password: PASSWORD } });
    expect(upper.status).toBe(200);
    expect((await api('GET', '/api/auth/me', { token: upper.body.access_token })).body.id).toBe(ids.alice);
  });

  it('finding 18: a valid token with "==" or any non-canonical base64url appended or swapped in is refused', async () => {
    const token = tokens.alice;
    expect((await api('GET', '/api/auth/me', { token })).status).toBe(200);
    const [h, p, s] = token.split('.');
    for (const forged of [`${token}==`, `${token}=`, `${h}.${p}=.${s}`, `${h}.${p}.${s}AA`.slice(0, -1)]) {
      for (const path of ['/api/auth/me', '/api/symbols']) {
        const res = await api('GET', path, { token: forged });
        expect(res.status, `${forged} ${path}`).toBe(401);
      }
    }
  });
});

describe('the operator role through the CLI', () => {
  it('conclave user grant-operator makes a user an operator at its next request; conclave user delete kills its token', async () => {
    const binance = await startFakeBinance({ symbols: ['BTCUSDT'], intervals: ['1h'] });
    const dir = mkdtempSync(join(tmpdir(), 'conclave-authz-cli-'));
    const env = {
      BINANCE_BASE_URL: binance.url,
      KLINE_INTERVAL: '1h',
      HOST: '0.0.0.0',
      JWT_SECRET: SECRET,
      ENABLE_MAP_PATH: join(dir, 'enable-map.yaml'),
    };
    const server = await startPlatformServer(env, { now: binance.control.now(), model: new ScriptedModel() });
    // Asynchronous, so the server keeps answering while the CLI writes to its database.
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'user', ...args], {
        env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', DATABASE_URL: server.config.DATABASE_URL, JWT_SECRET: SECRET },
        encoding: 'utf8',
        timeout: 120_000,
      }).then(
        (r) => ({ status: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code?: number; stdout?: string; stderr?: string }) => ({
          status: e.code ?? -1,
          stdout: e.stdout ?? '',
          stderr: e.stderr ?? '',
        }),
      );
    try {
      await call(server.url, 'POST', '/api/auth/register', { body: { username: 'Mallory', email: 'm@example.com', password: PASSWORD } });
      const token = (await call(server.url, 'POST', '/api/auth/login', { body: { username: 'mallory', password: PASSWORD } })).body
        .access_token as string;
      const map = (await call(server.url, 'GET', '/api/strategies/enable-map', { token })).body;
      expect((await call(server.url, 'PUT', '/api/strategies/enable-map', { token, body: map })).status).toBe(403);

      const granted = await cli('grant-operator', 'MALLORY');
      expect(granted.status, granted.stderr).toBe(0);
      expect(granted.stdout).toMatch(/Mallory \(id \d+\) is an operator/);
      expect((await call(server.url, 'PUT', '/api/strategies/enable-map', { token, body: map })).status).toBe(200);
      const [listed, unknown] = await Promise.all([cli('list'), cli('delete', 'nobody', '--yes')]);
      expect(listed.stdout).toMatch(/"username":"Mallory".*"role":"operator"/);
      expect(unknown.status).toBe(1);
      expect(unknown.stderr).toMatch(/NOT_FOUND: user "nobody"/);

      const deleted = await cli('delete', 'mallory', '--yes');
      expect(deleted.status, deleted.stderr).toBe(0);
      expect((await call(server.url, 'GET', '/api/auth/me', { token })).status).toBe(401);
    } finally {
      await server.close();
      await binance.close();
    }
  }, 240_000);
});

describe('loopback tokens across a restart (issue 16)', () => {
  it('signs with a secret kept in DATA_DIR, so a token issued before a restart still works after it', async () => {
    const binance = await startFakeBinance({ symbols: ['BTCUSDT'], intervals: ['1h'] });
    const dir = mkdtempSync(join(tmpdir(), 'conclave-restart-secret-'));
    const env = { BINANCE_BASE_URL: binance.url, KLINE_INTERVAL: '1h', DATA_DIR: join(dir, 'data'), DATABASE_URL: join(dir, 'c.db') };
    const opts = { now: binance.control.now(), model: new ScriptedModel() };
    try {
      const first = await startPlatformServer(env, opts);
      let token: string;
      try {
        await call(first.url, 'POST', '/api/auth/register', { body: { username: 'nina', email: 'nina@example.com', password: PASSWORD } });
        token = (await call(first.url, 'POST', '/api/auth/login', { body: { username: 'nina', password: PASSWORD } })).body.access_token;
      } finally {
        await first.close();
      }
      expect(existsSync(join(dir, 'data', 'jwt-secret'))).toBe(true);
      const second = await startPlatformServer(env, opts);
      try {
        const me = await call(second.url, 'GET', '/api/auth/me', { token });
        expect(me.status).toBe(200);
        expect(me.body.username).toBe('nina');
      } finally {
        await second.close();
      }
    } finally {
      await binance.close();
    }
  });
});
