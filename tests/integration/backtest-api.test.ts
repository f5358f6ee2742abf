import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiApp } from '../../src/api/app-types.js';
import { toErrorReply } from '../../src/api/error-reply.js';
import { type BacktestEvent, registerBacktestRoutes } from '../../src/api/routes/backtests.routes.js';
import { loadConfig } from '../../src/config.js';
import { readCandlesCsv } from '../../src/market/csv-candles.js';
import type { Store } from '../../src/store/db.js';
import { openMemoryStore } from '../../src/store/memory.js';
import { sharedData } from '../helpers/shared-data.js';

let store: Store;
let app: ApiApp;
const finished = new Map<string, (e: BacktestEvent) => void>();
const events: BacktestEvent[] = [];

beforeAll(async () => {
  store = await openMemoryStore();
  const all = readCandlesCsv(sharedData('klines', 'BTCUSDT_1h.csv'));
  const start = all.findIndex((c) => c.openTime >= Date.UTC(2024, 0, 1));
  await store.candles.upsertMany('binance', 'BTCUSDT', '1h', all.slice(start, start + 1500));
  app = Fastify().withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('userId', 1);
  // The statuses buildApp maps from the error catalogue (this test mounts only the backtest routes).
  app.setErrorHandler((error, _req, reply) => {
    const answer = toErrorReply(error);
    return reply.status(answer.status).send(answer.body);
  });
  registerBacktestRoutes(app, {
    backtests: store.backtests,
    candles: store.candles,
    config: loadConfig({ LOG_LEVEL: 'silent', ORDER_FRACTION: '0.5', MODEL_TREES: '10', MODEL_MAX_DEPTH: '6', MODEL_SEED: '1' }),
    reportsDir: join(mkdtempSync(join(tmpdir(), 'bt-api-')), 'reports'),
    version: 'test',
    now: () => Date.UTC(2025, 0, 1),
    publish: (e) => {
      events.push(e);
      if (e.type === 'backtest.finished') finished.get(e.id)?.(e);
    },
  });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await store.close();
});

async function start(body: Record<string, unknown>): Promise<{ id: string; done: Promise<BacktestEvent> }> {
  const res = await app.inject({ method: 'POST', url: '/api/backtests', payload: body });
  expect(res.statusCode).toBe(202);
  const { id, status } = res.json() as { id: string; status: string };
  expect(status).toBe('queued');
  return { id, done: new Promise((resolve) => finished.set(id, resolve)) };
}

describe('POST /api/backtests', () => {
  it('runs in the background, reports progress, and GET shows metrics next to buy-and-hold', async () => {
    const { id, done } = await start({ strategy: 'sma-cross', symbol: 'btcusdt', interval: '1h' });
    expect((await done).status).toBe('completed');
    expect(events.some((e) => e.id === id && e.type === 'backtest.progress')).toBe(true);
    const res = await app.inject({ method: 'GET', url: `/api/backtests/${id}` });
    expect(res.statusCode).toBe(200);
    const body = res.json() as {
      status: string;
      progress: number;
      result: { metrics: { n_trades: number }; benchmark: { total_return: number } };
    };
    expect(body.status).toBe('completed');
    expect(body.progress).toBe(1);
    expect(body.result.metrics.n_trades).toBeGreaterThan(0);
    expect(typeof body.result.benchmark.total_return).toBe('number');
    const list = await app.inject({ method: 'GET', url: '/api/backtests' });
    expect((list.json() as { id: string }[]).map((b) => b.id)).toContain(id);
  });

  it('a run without stored candles fails with a reason; an unknown strategy is a 422', async () => {
    const { id, done } = await start({ strategy: 'sma-cross', symbol: 'ETHUSDT' });
    expect((await done).status).toBe('failed');
    const b = (await app.inject({ method: 'GET', url: `/api/backtests/${id}` })).json() as { error: string };
    expect(b.error).toMatch(/data download/);
    const bad = await app.inject({ method: 'POST', url: '/api/backtests', payload: { strategy: 'magic', symbol: 'BTCUSDT' } });
    expect(bad.statusCode).toBe(422);
    expect((await app.inject({ method: 'GET', url: '/api/backtests/nope' })).statusCode).toBe(404);
  });

  it('refuses parameters the strategy does not have with 422 naming the field, and stores nothing', async () => {
    const before = (await app.inject({ method: 'GET', url: '/api/backtests?limit=100' })).json() as unknown[];
    const flood = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i]));
    const cases: [Record<string, unknown>, string][] = [
      [{ strategy: 'sma-cross', symbol: 'BTCUSDT', params: { fast: 5, nope: 1 } }, 'params.nope'],
      [{ strategy: 'sma-cross', symbol: 'BTCUSDT', params: flood }, 'params.k0'],
      [{ strategy: 'breakout', symbol: 'BTCUSDT', params: { fast: 5 } }, 'params.fast'],
      [{ symbol: 'BTCUSDT', params: { minConfidence: 0.5 } }, 'params.minConfidence'],
      [{ strategy: 'sma-cross', symbol: 'BTCUSDT', params: { fast: 50, slow: 10 } }, 'fast'],
      [{ protocol: 'brain', symbol: 'BTCUSDT', params: { fast: 5 } }, 'params'],
    ];
    for (const [payload, field] of cases) {
      const res = await app.inject({ method: 'POST', url: '/api/backtests', payload });
      expect(res.statusCode, field).toBe(422);
      const body = res.json() as { error: { code: string; details: { field: string } } };
      expect(body.error.code).toBe('VALIDATION_ERROR');
      expect(body.error.details.field).toBe(field);
    }
    const after = (await app.inject({ method: 'GET', url: '/api/backtests?limit=100' })).json() as unknown[];
    expect(after.length).toBe(before.length);
    const ok = await start({ strategy: 'breakout', symbol: 'BTCUSDT', params: { period: 30, exitPeriod: 10 } });
    expect((await ok.done).status).toBe('completed');
  });

  it('protocol and settings in the body: a brain run reports its settings, denials, halts and stops', async () => {
    const { id, done } = await start({
      protocol: 'brain',
      symbol: 'BTCUSDT',
      interval: '1h',
      settings: { MAX_DAILY_LOSS: 0.01, MAX_ENTRIES_PER_POSITION: 2 },
    });
    expect((await done).status).toBe('completed');
    const body = (await app.inject({ method: 'GET', url: `/api/backtests/${id}` })).json() as {
      result: { settings: Record<string, unknown>; denials: Record<string, number>; halts: number; stops: number };
    };
    expect(body.result.settings).toMatchObject({
      PROTOCOL: 'brain',
      MAX_DAILY_LOSS: 0.01,
      MAX_ENTRIES_PER_POSITION: 2,
      FILL_TIMING: 'next-open',
    });
    expect(typeof body.result.halts).toBe('number');
    expect(body.result.stops).toBeGreaterThan(0);
    expect(Object.keys(body.result.denials).length).toBeGreaterThan(0);
  });

  it('a bad setting, an unknown one, or a strategy with brain is a 422 before anything is queued', async () => {
    for (const payload of [
      { symbol: 'BTCUSDT', settings: { MAX_ENTRIES_PER_POSITION: 0 } },
      { symbol: 'BTCUSDT', settings: { NOT_A_SETTING: 1 } },
      { symbol: 'BTCUSDT', protocol: 'brain', strategy: 'sma-cross' },
      { symbol: 'BTCUSDT', protocol: 'magic' },
    ]) {
      const res = await app.inject({ method: 'POST', url: '/api/backtests', payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
    }
  });
});
