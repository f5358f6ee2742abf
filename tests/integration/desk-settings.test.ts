import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimClock } from '../../src/engine/clock.js';
import { createRuntime } from '../../src/runtime.js';
import { buildServer } from '../../src/server.js';
import { applyDeskSettings, deskSettingsPath } from '../../src/startup/desk-settings.js';
import { type DemoServer, startDemoServer } from '../e2e/demo-server.js';
import { testConfig } from '../helpers/runtime.js';
import { call } from '../helpers/scripted-model.js';

describe('desk settings: protocol and risk limits saved from the API, applied at the next start', () => {
  let demo: DemoServer;

  beforeAll(async () => {
    demo = await startDemoServer(5);
  });
  afterAll(async () => {
    await demo?.close();
  });

  it('validates and saves a change, shows it pending, audits it, and the next start runs with it', async () => {
    const url = demo.server.url;
    const first = await call(url, 'GET', '/api/settings');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ running: { PROTOCOL: 'pipeline', MAX_DAILY_LOSS: 0.05 }, saved: {}, pending: [] });

    // Bad values and unknown settings are refused and nothing is saved.
    const path = deskSettingsPath(demo.server.config);
    for (const body of [{ MAX_DAILY_LOSS: 5 }, { PROTOCOL: 'vote' }, { KLINE_INTERVAL: '1m' }]) {
      const res = await call(url, 'PUT', '/api/settings', { body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect(existsSync(path)).toBe(false);

    const saved = await call(url, 'PUT', '/api/settings', { body: { PROTOCOL: 'brain', MAX_DAILY_LOSS: 0.03 } });
    expect(saved.status).toBe(200);
    expect(saved.body.saved).toEqual({ PROTOCOL: 'brain', MAX_DAILY_LOSS: 0.03 });
    expect([...saved.body.pending].sort()).toEqual(['MAX_DAILY_LOSS', 'PROTOCOL']);
    // The running kernel is untouched until the next start: this server still runs the pipeline with 5 %.
    expect(saved.body.running).toMatchObject({ PROTOCOL: 'pipeline', MAX_DAILY_LOSS: 0.05 });
    expect(demo.server.runtime.engine.protocolName).toBe('pipeline');
    expect((await call(url, 'GET', '/api/risk')).body.limits.max_daily_loss).toBe(0.05);

    const audit = (await call(url, 'GET', '/api/audit')).body as {
      action: string;
      scope: string;
      old_value: unknown;
      new_value: unknown;
    }[];
    expect(audit[0]).toMatchObject({
      action: 'settings.change',
      scope: 'shared',
      old_value: { PROTOCOL: 'pipeline', MAX_DAILY_LOSS: 0.05 },
      new_value: { PROTOCOL: 'brain', MAX_DAILY_LOSS: 0.03 },
    });

    // The next start: the same DATA_DIR, the config as serve and the workers read it.
    const next = applyDeskSettings(
      testConfig({ DATA_DIR: demo.server.config.DATA_DIR, BINANCE_BASE_URL: demo.fake.url, KLINE_INTERVAL: '1h' }),
    );
    expect(next.applied).toEqual({ PROTOCOL: 'brain', MAX_DAILY_LOSS: 0.03 });
    const runtime = await createRuntime(next.config, pino({ level: 'silent' }), {
      clock: new SimClock(demo.server.clock.now()),
      model: demo.model,
    });
    const app = await buildServer(runtime);
    try {
      expect(runtime.engine.protocolName).toBe('brain');
      const risk = await app.inject({ method: 'GET', url: '/api/risk' });
      expect(risk.json().limits.max_daily_loss).toBe(0.03);
      const after = await app.inject({ method: 'GET', url: '/api/settings' });
      expect(after.json()).toMatchObject({ running: { PROTOCOL: 'brain', MAX_DAILY_LOSS: 0.03 }, pending: [] });
    } finally {
      await app.close();
      await runtime.close();
    }
  });

  it('a damaged settings file stops the start with CONFIG_INVALID naming it', () => {
    const config = testConfig({});
    mkdirSync(config.DATA_DIR, { recursive: true });
    writeFileSync(deskSettingsPath(config), '{"MAX_DRAWDOWN": 7}');
    expect(() => applyDeskSettings(config)).toThrow(/desk settings .*desk-settings\.json.*MAX_DRAWDOWN/);
    expect(() => applyDeskSettings(config)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    writeFileSync(deskSettingsPath(config), 'not json');
    expect(() => applyDeskSettings(config)).toThrow(/not JSON/);
  });
});
