import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import type { ApiApp } from '../../src/api/app-types.js';
import { tradingAreaRoutes } from '../../src/api/trading-routes.js';
import { loadConfig } from '../../src/config.js';
import { SimClock } from '../../src/engine/clock.js';
import type { TradingModel } from '../../src/ml/model.js';
import { createRuntime, type Runtime, VERSION } from '../../src/runtime.js';
import { DEFAULT_ENABLE_MAP } from '../../src/strategies/enable-map.js';
import { EnableMapStore } from '../../src/strategies/enable-map-file.js';

const model = {
  version: 'always-buy',
  featureNames: [],
  trainedOn: { symbol: 'BTCUSDT', interval: '1h', from: 0, to: 0, rows: 0, labelThreshold: 0.001 },
  metrics: { trainAccuracy: 0, testAccuracy: 0, majorityBaseline: 0, macroF1: 0 },
  predictAction: () => ({
    action: 'BUY' as const,
    confidence: 0.9,
    probabilities: { BUY: 0.9, SELL: 0.05, HOLD: 0.05 },
    reason: 'always BUY',
  }),
} as unknown as TradingModel;

describe('portfolio, risk, strategies, regime and cycle routes (brain protocol, synthetic market)', () => {
  let runtime: Runtime;
  let app: ApiApp;
  beforeAll(async () => {
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      PROTOCOL: 'brain',
      MARKET_SOURCE: 'synthetic',
      KLINE_INTERVAL: '1h',
      DATABASE_URL: ':memory:',
    });
    runtime = await createRuntime(config, pino({ level: 'silent' }), {
      clock: new SimClock(Date.UTC(2024, 0, 10)),
      model,
      enableMap: EnableMapStore.inMemory(),
    });
    app = await buildApp({
      version: VERSION,
      config,
      engine: runtime.engine,
      market: runtime.market,
      trades: runtime.store.trades,
      health: runtime.health,
      extraRoutes: tradingAreaRoutes(runtime),
    });
  });
  afterAll(async () => {
    await app?.close();
    await runtime?.close();
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
    for (const path of [
      '/api/portfolio',
      '/api/portfolio/equity',
      '/api/risk',
      '/api/risk/halt',
      '/api/risk/resume',
      '/api/strategies',
      '/api/strategies/enable-map',
      '/api/regime',
      '/api/cycles',
      '/api/cycles/{id}',
      '/api/cycles/{id}/messages',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });

  it('a cycle fills, then portfolio, equity curve, regime and messages reflect it', async () => {
    const cycle = (await app.inject({ method: 'POST', url: '/trading/run-cycle?symbol=BTCUSDT' })).json();
    expect(cycle.execution.status).toBe('FILLED');
    const p = (await app.inject({ url: '/api/portfolio' })).json();
    expect(p.positions).toHaveLength(1);
    expect(p.cash + p.positions[0].quantity * p.positions[0].mark_price).toBeCloseTo(p.equity, 8);
    expect(p.positions[0].stop_loss).toBeLessThan(p.positions[0].avg_price);
    expect((await app.inject({ url: '/api/portfolio/equity' })).json().points).toHaveLength(1);
    const regimes = (await app.inject({ url: '/api/regime' })).json().regimes;
    expect(regimes[0]).toMatchObject({ symbol: 'BTCUSDT', source: 'agent' });
    const msgs = (await app.inject({ url: `/api/cycles/${cycle.cycle_id}/messages` })).json().messages as Array<{
      type: string;
      from: string;
    }>;
    expect(msgs.map((m) => m.type)).toEqual(
      expect.arrayContaining([
        'CycleRequested',
        'MarketSnapshot',
        'RegimeClassified',
        'StrategiesSelected',
        'Decision',
        'OrderIntent',
        'OrderFilled',
        'Heartbeat',
      ]),
    );
    expect((await app.inject({ url: `/api/cycles/${cycle.cycle_id + 1000}/messages` })).json().error.code).toBe('NOT_FOUND');
    expect((await app.inject({ url: '/api/cycles' })).json().cycles[0].cycle_id).toBe(cycle.cycle_id);
  });

  it('halt and resume through the API; the state is what GET /api/risk shows', async () => {
    const halted = (await app.inject({ method: 'POST', url: '/api/risk/halt', payload: { reason: 'maintenance' } })).json();
    expect(halted).toMatchObject({ state: 'HALTED', reason_code: 'MANUAL_HALT', reason: 'MANUAL_HALT: maintenance' });
    const risk = (await app.inject({ url: '/api/risk' })).json();
    expect(risk).toMatchObject({ state: 'HALTED', limits: { max_daily_loss: 0.05, max_exposure: 1 } });
    const resumed = (await app.inject({ method: 'POST', url: '/api/risk/resume' })).json();
    expect(resumed.state).toBe('ACTIVE');
    // a bare POST (no body) halts too
    const bare = await app.inject({ method: 'POST', url: '/api/risk/halt' });
    expect(bare.statusCode).toBe(200);
    expect(bare.json()).toMatchObject({ state: 'HALTED', reason: 'MANUAL_HALT: halted by an operator' });
    await app.inject({ method: 'POST', url: '/api/risk/resume' });
  });

  it('strategies list says there is no proven edge; the enable map is read, validated and replaced', async () => {
    const s = (await app.inject({ url: '/api/strategies' })).json();
    expect(s.note).toMatch(/None of these strategies has a proven edge/);
    expect(s.strategies.map((x: { name: string }) => x.name).sort()).toEqual(['breakout', 'mean-reversion', 'ml-classifier', 'sma-cross']);
    // Each strategy's declared search space (type, range, default) and the searchable risk settings.
    const sma = s.strategies.find((x: { name: string }) => x.name === 'sma-cross');
    expect(sma.search_space.fast).toMatchObject({ type: 'int', min: 2, max: 50, default: 10 });
    expect(Object.keys(s.strategies.find((x: { name: string }) => x.name === 'ml-classifier').search_space).sort()).toEqual([
      'labelThreshold',
      'maxDepth',
      'minConfidence',
      'trees',
    ]);
    expect(s.risk_search_space.ATR_STOP_MULT).toMatchObject({ type: 'float', default: 2 });
    expect(s.risk_search_space.SIZING_MODE).toMatchObject({ type: 'choice', values: ['fixed', 'risk'] });
    const map = (await app.inject({ url: '/api/strategies/enable-map' })).json();
    expect(map.cooldown_bars).toBe(DEFAULT_ENABLE_MAP.cooldownBars);
    const bad = await app.inject({
      method: 'PUT',
      url: '/api/strategies/enable-map',
      payload: { ...map, regimes: { ...map.regimes, BULL: ['martingale'] } },
    });
    expect(bad.statusCode).toBe(422);
    const ok = await app.inject({ method: 'PUT', url: '/api/strategies/enable-map', payload: { ...map, cooldown_bars: 2 } });
    expect(ok.json().cooldown_bars).toBe(2);
    expect(runtime.trading.enableMap.current().cooldownBars).toBe(2);
  });
});
