import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_CLASSES, type Access, routeAccessTable } from '../../src/api/access.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { type PlatformServer, startPlatformServer } from '../helpers/platform-server.js';
import { call, ScriptedModel } from '../helpers/scripted-model.js';

const SECRET = 'cross-user-secret-0123456789';
const METRICS_TOKEN = 'cross-user-scrape-0123456789';
const PASSWORD = 'correct horse battery';
const HALT_MARKER = 'alice-halt-marker-7f3e';

/** What alice owns, filled in as she builds it; bob's probes aim at it. */
interface AliceIds {
  symbolId: number;
  cycleId: number;
  backtestId: string;
}

interface Probe {
  /** The request bob makes: the route's path with alice's ids in its parameters. */
  readonly path: (a: AliceIds) => string;
  readonly body?: unknown;
}

/**
 * One probe per registered route (method + URL as registered). A route missing here fails the test: whoever
 * adds a route decides how another account would attack it. `public` routes are probed anonymously too.
 */
const PROBES: Readonly<Record<string, Probe>> = {
  'POST /trading/run-cycle': { path: () => '/trading/run-cycle?symbol=BTCUSDT' },
  'GET /trading/trades': { path: () => '/trading/trades?limit=100' },
  'GET /trading/market/latest': { path: () => '/trading/market/latest?symbol=ETHUSDT' },
  'GET /health': { path: () => '/health' },
  'GET /openapi.json': { path: () => '/openapi.json' },
  'POST /api/auth/register': {
    path: () => '/api/auth/register',
    body: { username: 'alice', email: 'alice@example.com', password: PASSWORD },
  },
  'POST /api/auth/login': { path: () => '/api/auth/login', body: { username: 'alice', password: 'wrong password here' } },
  'POST /api/auth/refresh': { path: () => '/api/auth/refresh', body: { refresh_token: 'x.y.z' } },
  'GET /api/auth/me': { path: () => '/api/auth/me' },
  'GET /api/symbols': { path: () => '/api/symbols' },
  'POST /api/symbols': { path: () => '/api/symbols', body: { symbol: 'BTC' } },
  'GET /api/symbols/:id': { path: (a) => `/api/symbols/${a.symbolId}` },
  'DELETE /api/symbols/:id': { path: (a) => `/api/symbols/${a.symbolId}` },
  'GET /api/market-data': { path: () => '/api/market-data?symbol=ETHUSDT&from=0' },
  'GET /api/market-data/latest': { path: () => '/api/market-data/latest' },
  'POST /api/market-data/refresh': { path: () => '/api/market-data/refresh', body: { symbols: ['BTCUSDT'] } },
  'GET /api/decisions': { path: () => '/api/decisions?symbol=ETHUSDT&limit=100' },
  'POST /api/decisions': { path: () => '/api/decisions', body: { symbol: 'BTCUSDT' } },
  'GET /api/decisions/statistics': { path: () => '/api/decisions/statistics?symbol=ETHUSDT' },
  'GET /api/model': { path: () => '/api/model' },
  'GET /api/agents': { path: () => '/api/agents' },
  'GET /api/agents/:name': { path: () => '/api/agents/market-monitor' },
  'POST /api/agents/market-monitor': { path: () => '/api/agents/market-monitor', body: { action: 'stop' } },
  'GET /api/ws/status': { path: () => '/api/ws/status' },
  'GET /ws': { path: () => '/ws' },
  'GET /api/portfolio': { path: () => '/api/portfolio' },
  'GET /api/portfolio/equity': { path: () => '/api/portfolio/equity' },
  'GET /api/performance': { path: () => '/api/performance?limit=1000' },
  'GET /api/feeds': { path: () => '/api/feeds' },
  'GET /api/risk': { path: () => '/api/risk' },
  'POST /api/risk/halt': { path: () => '/api/risk/halt', body: { reason: 'bob halts himself' } },
  'POST /api/risk/resume': { path: () => '/api/risk/resume' },
  'GET /api/strategies': { path: () => '/api/strategies' },
  'GET /api/strategies/enable-map': { path: () => '/api/strategies/enable-map' },
  'PUT /api/strategies/enable-map': {
    path: () => '/api/strategies/enable-map',
    body: { cooldown_bars: 0, regimes: { BULL: [], BEAR: [], RANGE: [], HIGH_VOL: [] } },
  },
  'GET /api/regime': { path: () => '/api/regime' },
  'GET /api/cycles': { path: () => '/api/cycles?limit=100' },
  'GET /api/cycles/:id': { path: (a) => `/api/cycles/${a.cycleId}` },
  'GET /api/cycles/:id/messages': { path: (a) => `/api/cycles/${a.cycleId}/messages` },
  'GET /api/scanner/latest': { path: () => '/api/scanner/latest' },
  'POST /api/scanner/run': { path: () => '/api/scanner/run', body: { symbols: ['ETHUSDT'], use_llm: true, send_telegram: true } },
  'POST /api/backtests': { path: () => '/api/backtests', body: { strategy: 'sma-cross', symbol: 'BTCUSDT' } },
  'GET /api/backtests': { path: () => '/api/backtests' },
  'GET /api/backtests/:id': { path: (a) => `/api/backtests/${a.backtestId}` },
  'GET /api/backtests/:id/equity.svg': { path: (a) => `/api/backtests/${a.backtestId}/equity.svg` },
  'GET /api/audit': { path: () => '/api/audit' },
  'GET /api/settings': { path: () => '/api/settings' },
  'PUT /api/settings': { path: () => '/api/settings', body: { MAX_DAILY_LOSS: 0.01 } },
  'GET /api/backtests/:id/report': { path: (a) => `/api/backtests/${a.backtestId}/report` },
  'GET /api/candles': { path: () => '/api/candles?symbol=BTCUSDT' },
  // Campaign ownership is proven in tests/integration/research-api.test.ts (bob gets 404 on alice's campaign).
  'POST /api/research/campaigns': {
    path: () => '/api/research/campaigns',
    body: { strategy: 'sma-cross', symbols: ['BTCUSDT'], trials: 1 },
  },
  'GET /api/research/campaigns': { path: () => '/api/research/campaigns' },
  'GET /api/research/campaigns/:id': { path: (a) => `/api/research/campaigns/${a.backtestId}` },
  'POST /api/research/campaigns/:id/cancel': { path: (a) => `/api/research/campaigns/${a.backtestId}/cancel` },
  'GET /metrics': { path: () => '/metrics' },
  'GET /api/research/challengers': { path: () => '/api/research/challengers' },
  // Operators only: bob's well-formed PASSED candidate must be refused before it starts anything.
  'POST /api/research/challengers': {
    path: () => '/api/research/challengers',
    body: {
      campaign_id: 'bob-campaign',
      strategy: 'sma-cross',
      params: { fast: 3, slow: 10 },
      research: {
        sharpe: 0.1,
        sortino: 0.1,
        calmar: 1,
        profit_factor: 1.5,
        trades: 300,
        net_return: 0.1,
        max_drawdown: 0.1,
        periods: 1000,
        annualisation_factor: 8766,
        skewness: 0,
        kurtosis: 3,
      },
      monte_carlo_band: { return_p05: -0.1, return_p95: 0.2, max_drawdown_p95: 0.2 },
      verdict: { verdict: 'PASSED', criteria: [] },
    },
  },
};

/** Routes a plugin registers (Swagger UI, the dashboard's files): public, probed by their URL with `*` filled. */
const PLUGIN_PREFIXES = ['/docs', '/'];

function isPluginRoute(url: string): boolean {
  return url === '/' || url === '/*' || url.startsWith('/docs');
}

/** The values of every `key` anywhere in a JSON document. */
function valuesOf(doc: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(doc)) for (const x of doc) valuesOf(x, key, out);
  else if (doc && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      if (k === key) out.push(v);
      valuesOf(v, key, out);
    }
  }
  return out;
}

/**
 * Issue 11: every route, enumerated from the registered route table and the OpenAPI document, called by a
 * second user (and anonymously) against a first user's data. Nothing of the first user comes back, and
 * nothing of hers changes.
 */
describe('no cross-user read or write on any route (off loopback, two users)', () => {
  let binance: RunningFake;
  let server: PlatformServer;
  const tokens: Record<string, string> = {};
  const ids: AliceIds = { symbolId: 0, cycleId: 0, backtestId: '' };
  const aliceCycles = new Set<number>();
  const aliceOrders = new Set<string>();
  const model = new ScriptedModel();
  const as = (name: string | null, method: string, path: string, body?: unknown) =>
    call(server.url, method, path, { token: name ? tokens[name] : undefined, body });

  /** Everything alice can see of her own account. */
  const aliceView = async () => {
    const out: Record<string, unknown> = {};
    for (const path of [
      '/api/symbols',
      '/api/portfolio',
      '/api/portfolio/equity',
      '/api/risk',
      '/api/cycles?limit=100',
      `/api/cycles/${ids.cycleId}/messages`,
      '/api/decisions?limit=100',
      '/api/agents',
      '/api/backtests',
      '/trading/trades?limit=100',
      '/api/market-data/latest',
      '/api/market-data?symbol=ETHUSDT&from=0',
      '/api/strategies/enable-map',
      '/api/strategies',
      '/api/regime',
      '/api/ws/status',
      '/api/audit',
    ]) {
      const res = await as('alice', 'GET', path);
      expect(res.status, path).toBe(200);
      out[path] = res.body;
    }
    out.monitoring = (await as('alice', 'GET', '/api/agents/market-monitor')).body.monitoring;
    return out;
  };

  beforeAll(async () => {
    binance = await startFakeBinance({ symbols: ['BTCUSDT', 'ETHUSDT'], intervals: ['1h'] });
    // Every cycle buys, so alice has orders, trades and a position.
    model.next = 'BUY';
    const dir = mkdtempSync(join(tmpdir(), 'conclave-cross-user-'));
    server = await startPlatformServer(
      {
        BINANCE_BASE_URL: binance.url,
        KLINE_INTERVAL: '1h',
        HOST: '0.0.0.0',
        JWT_SECRET: SECRET,
        METRICS_TOKEN,
        ENABLE_MAP_PATH: join(dir, 'enable-map.yaml'),
        // The suite shares two cores: a slow fake venue must not turn a probe into a 503.
        HTTP_TIMEOUT_MS: '5000',
      },
      { now: binance.control.now(), model },
    );
    for (const name of ['alice', 'bob']) {
      expect(
        (await as(null, 'POST', '/api/auth/register', { username: name, email: `${name}@example.com`, password: PASSWORD })).status,
      ).toBe(201);
      tokens[name] = (await as(null, 'POST', '/api/auth/login', { username: name, password: PASSWORD })).body.access_token;
    }
    // Alice trades ETHUSDT: a symbol, cycles (snapshots, decisions, orders), an advice, a refresh, a failing
    // cycle (an agent error naming XRPUSDT), monitoring, a backtest, then a halt. Bob never touches ETHUSDT.
    const symbol = await as('alice', 'POST', '/api/symbols', { symbol: 'ETH' });
    expect(symbol.status).toBe(201);
    ids.symbolId = symbol.body.symbol?.id ?? symbol.body.id;
    for (let i = 0; i < 3; i++) {
      const cycle = await as('alice', 'POST', '/trading/run-cycle?symbol=ETHUSDT');
      expect(cycle.status).toBe(200);
      aliceCycles.add(cycle.body.cycle_id);
      if (cycle.body.execution.order_id) aliceOrders.add(cycle.body.execution.order_id);
      ids.cycleId = cycle.body.cycle_id;
    }
    expect(aliceOrders.size).toBeGreaterThan(0);
    expect((await as('alice', 'POST', '/api/decisions', { symbol: 'ETHUSDT' })).status).toBeLessThan(300);
    expect((await as('alice', 'POST', '/api/market-data/refresh', {})).status).toBe(200);
    expect((await as('alice', 'POST', '/trading/run-cycle?symbol=XRPUSDT')).status).toBeGreaterThanOrEqual(400);
    expect((await as('alice', 'POST', '/api/agents/market-monitor', { action: 'start', interval: '4h' })).status).toBe(200);
    const backtest = await as('alice', 'POST', '/api/backtests', { strategy: 'sma-cross', symbol: 'ETHUSDT' });
    expect(backtest.status).toBe(202);
    ids.backtestId = backtest.body.id;
    for (let i = 0; i < 200; i++) {
      const b = await as('alice', 'GET', `/api/backtests/${ids.backtestId}`);
      if (b.body.status === 'completed' || b.body.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await as('alice', 'POST', '/api/risk/halt', { reason: HALT_MARKER })).status).toBe(200);
    // Bob has data of his own, so his answers are not trivially empty.
    expect((await as('bob', 'POST', '/api/symbols', { symbol: 'BTC' })).status).toBe(201);
    expect((await as('bob', 'POST', '/trading/run-cycle?symbol=BTCUSDT')).status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await binance?.close();
  });

  it('every registered route declares an access class, and every one has a probe here', () => {
    const table = routeAccessTable(server.app);
    expect(table.length).toBeGreaterThan(40);
    for (const r of table) expect(Object.keys(ACCESS_CLASSES), `${r.method} ${r.url}`).toContain(r.access);
    const declared = table.filter((r) => r.method !== 'HEAD' && !isPluginRoute(r.url)).map((r) => `${r.method} ${r.url}`);
    expect([...new Set(declared)].sort()).toEqual(Object.keys(PROBES).sort());
    // Automatic HEAD twins share their GET route's class.
    for (const head of table.filter((r) => r.method === 'HEAD')) {
      const twin = table.find((r) => r.method === 'GET' && r.url === head.url);
      if (twin) expect(twin.access, head.url).toBe(head.access);
    }
    for (const r of table.filter((x) => isPluginRoute(x.url))) expect(r.access, `${r.method} ${r.url}`).toBe('public');
    expect(PLUGIN_PREFIXES.length).toBe(2);
  });

  it('every operation in /openapi.json is a registered route (its alias target for seed aliases)', async () => {
    const doc = (await as(null, 'GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, { 'x-alias-of'?: string }>>;
    };
    // A registered URL template as a pattern: `/api/agents/:name` serves `/api/agents/market-monitor`.
    const routes = routeAccessTable(server.app).map((r) => ({
      method: r.method,
      pattern: new RegExp(`^${r.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]\w*/g, '[^/]+')}$`),
    }));
    let operations = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        operations++;
        const target = (op['x-alias-of'] ?? path)
          .split(' ')
          .at(-1)!
          .replace(/\{([^}]+)\}/g, ':$1');
        const served = routes.some((r) => r.method === method.toUpperCase() && r.pattern.test(target));
        expect(served, `${method.toUpperCase()} ${path} -> ${target}`).toBe(true);
      }
    }
    expect(operations).toBeGreaterThan(40);
  });

  it("bob (and an anonymous caller) on every route: no status 5xx, nothing of alice's, and alice's account unchanged", async () => {
    const before = await aliceView();
    const aliceStrings = ['alice@example.com', '"alice"', HALT_MARKER, 'ETHUSDT', 'XRPUSDT', ids.backtestId, ...aliceOrders];
    const table = routeAccessTable(server.app).filter((r) => r.method !== 'HEAD');
    const outcomes: string[] = [];
    for (const route of table) {
      const key = `${route.method} ${route.url}`;
      const probe = PROBES[key] ?? { path: () => (route.url === '/*' ? '/index.html' : route.url.replace('*', 'index.html')) };
      const path = probe.path(ids);
      // What bob put in his own request may come back (the symbol he asked about, the id a 404 names, the
      // venue's public candles); alice's data about it is caught by her cycle ids and the other markers.
      const request = path + JSON.stringify(probe.body ?? '');
      const callers: Array<string | null> = route.access === 'public' || route.access === 'metrics' ? ['bob', null] : ['bob'];
      for (const caller of callers) {
        const res = await as(caller, route.method, path, probe.body);
        outcomes.push(`${caller ?? 'anonymous'} ${key} ${res.status}`);
        expect(res.status, `${caller} ${route.method} ${path}`).toBeLessThan(500);
        const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
        for (const marker of aliceStrings) {
          if (request.includes(marker)) continue;
          if (route.url === '/openapi.json' || route.url.startsWith('/docs')) continue;
          expect(text.includes(marker), `${caller} ${route.method} ${path} shows ${marker}`).toBe(false);
        }
        // A 404 names the id bob asked for; only an answer with data can carry alice's cycles.
        const cycleIds = res.status < 400 ? valuesOf(res.body, 'cycle_id').filter((v) => aliceCycles.has(v as number)) : [];
        expect(cycleIds, `${caller} ${route.method} ${path} shows alice's cycles`).toEqual([]);
        expectAccess(route.access, caller, res.status, `${route.method} ${path}`);
      }
    }
    expect(outcomes.length).toBeGreaterThan(Object.keys(PROBES).length);
    expect(await aliceView()).toEqual(before);
  });
});

/** What the class promises about bob (a plain user) and an anonymous caller off loopback. */
function expectAccess(access: Access | null, caller: string | null, status: number, what: string): void {
  if (access === 'operator') expect(status, what).toBe(caller ? 403 : 401);
  if (access === 'metrics') expect(status, what).toBe(401);
  if ((access === 'user' || access === 'shared') && caller === null) expect(status, what).toBe(401);
}
