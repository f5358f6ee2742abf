import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiApp } from '../../src/api/app-types.js';
import { registerStaticRoutes } from '../../src/api/routes/static.routes.js';
import { LOCAL_USER_ID } from '../../src/engine/trading-engine.js';
import { readCandlesCsv } from '../../src/market/csv-candles.js';
import { type DemoServer, startDemoServer } from '../e2e/demo-server.js';
import { REPO_ROOT, sharedData } from '../helpers/shared-data.js';

describe('dashboard routes on the real server', () => {
  let demo: DemoServer;
  let url: string;

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'pipe' });
    demo = await startDemoServer(10);
    url = demo.server.url;
  });
  afterAll(async () => {
    await demo?.close();
  });

  it('GET /api/candles answers the newest candles the venue shows, oldest first', async () => {
    const res = await fetch(`${url}/api/candles?symbol=btc&limit=5`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { symbol: string; interval: string; candles: Array<{ open_time: string; close: number }> };
    expect(body.symbol).toBe('BTCUSDT');
    expect(body.interval).toBe('1h');
    // Independent reference: the recording itself, cut where the fake venue's clock stands (a forming bar counts).
    const now = demo.fake.control.now();
    const expected = readCandlesCsv(sharedData('klines', 'BTCUSDT_1h.csv'))
      .filter((c) => c.openTime <= now)
      .slice(-5);
    expect(body.candles.map((c) => Date.parse(c.open_time))).toEqual(expected.map((c) => c.openTime));
    expect(body.candles.map((c) => c.close)).toEqual(expected.map((c) => c.close));
  });

  it('GET /api/candles refuses a bad interval and a limit over 1000 with 422', async () => {
    expect((await fetch(`${url}/api/candles?interval=7m`)).status).toBe(422);
    expect((await fetch(`${url}/api/candles?limit=1001`)).status).toBe(422);
  });

  it('serves the built page at / and its hashed assets with a long cache, without shadowing the API', async () => {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${url}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    const missing = await fetch(`${url}/api/no-such-route`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    expect((await fetch(`${url}/health`)).headers.get('content-type')).toContain('json');
    expect((await fetch(`${url}/docs`)).status).toBe(200);
    const spec = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toContain('/api/candles');
  });

  it('GET /api/backtests/:id/equity.svg returns the report chart of a finished run, 404 otherwise', async () => {
    const store = demo.server.runtime.store.backtests;
    const report = mkdtempSync(join(tmpdir(), 'conclave-report-'));
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><title>equity</title></svg>';
    writeFileSync(join(report, 'equity.svg'), svg);
    await store.create({ id: 'bt-done', userId: LOCAL_USER_ID, params: {}, createdAt: 0 });
    await store.update('bt-done', { status: 'completed', result: { report } });
    await store.create({ id: 'bt-queued', userId: LOCAL_USER_ID, params: {}, createdAt: 0 });

    const ok = await fetch(`${url}/api/backtests/bt-done/equity.svg`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('image/svg+xml');
    expect(await ok.text()).toBe(svg);
    expect((await fetch(`${url}/api/backtests/bt-queued/equity.svg`)).status).toBe(404);
    expect((await fetch(`${url}/api/backtests/nope/equity.svg`)).status).toBe(404);
  });
});

describe('registerStaticRoutes without a build', () => {
  it('answers / with a page saying to run npm run build', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'conclave-web-'));
    mkdirSync(join(empty, 'assets'));
    expect(readdirSync(empty)).toEqual(['assets']);
    const app = Fastify() as unknown as ApiApp;
    await registerStaticRoutes(app, { dir: empty });
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('npm run build');
    await app.close();
  });
});
