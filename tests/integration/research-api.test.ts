import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiApp } from '../../src/api/app-types.js';
import { toErrorReply } from '../../src/api/error-reply.js';
import { registerResearchRoutes } from '../../src/api/routes/research.routes.js';
import { loadConfig } from '../../src/config.js';
import { SimClock } from '../../src/engine/clock.js';
import { type CampaignEvent, CampaignService } from '../../src/research/campaign-service.js';
import { plantedEdgeMarket } from '../../src/research/synthetic.js';
import type { Store } from '../../src/store/db.js';
import { openMemoryStore } from '../../src/store/memory.js';
import { Metrics } from '../../src/telemetry/metrics.js';

let store: Store;
let app: ApiApp;
let campaigns: CampaignService;
const metrics = new Metrics({ clock: new SimClock(0) });
const events: CampaignEvent[] = [];
const reports = join(mkdtempSync(join(tmpdir(), 'research-api-')), 'reports');
let user = 1;

beforeAll(async () => {
  store = await openMemoryStore();
  await store.candles.upsertMany('binance', 'SYNUSDT', '1h', plantedEdgeMarket(5, { bars: 900, trendBars: 40, drift: 0.002 }));
  app = Fastify().withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('userId', 0);
  app.addHook('onRequest', async (request) => {
    (request as unknown as { userId: number }).userId = user;
  });
  app.setErrorHandler((error, _req, reply) => {
    const answer = toErrorReply(error);
    return reply.status(answer.status).send(answer.body);
  });
  campaigns = new CampaignService({
    reportsDir: reports,
    now: () => Date.UTC(2025, 0, 1),
    publish: (e) => events.push(e),
    metrics: {
      ended: (status) => metrics.researchCampaigns.inc({ status }),
      trial: (status) => metrics.researchTrials.inc({ status }),
      running: (n) => metrics.researchRunning.set(n),
    },
  });
  registerResearchRoutes(app, {
    campaigns,
    candles: store.candles,
    config: loadConfig({ LOG_LEVEL: 'silent' }),
    now: () => Date.UTC(2025, 0, 1),
  });
  await app.ready();
});
afterAll(async () => {
  await campaigns.close();
  await app.close();
  await store.close();
});

const body = { strategy: 'sma-cross', symbols: ['synusdt'], search: 'random', trials: 6, windows: 2, seed: 3 };

describe('research campaigns over HTTP', { timeout: 240_000 }, () => {
  it('POST answers 202 at once; progress goes out as events; GET shows the verdict with every criterion; the report is written', async () => {
    user = 1;
    const res = await app.inject({ method: 'POST', url: '/api/research/campaigns', payload: body });
    expect(res.statusCode).toBe(202);
    const { id, status } = res.json() as { id: string; status: string };
    expect(status).toBe('queued');
    await campaigns.idle();
    const got = (await app.inject({ url: `/api/research/campaigns/${id}` })).json();
    expect(got.status).toBe('completed');
    expect(got.result).toMatchObject({ strategy: 'sma-cross', symbols: ['SYNUSDT'], tried: 6 });
    expect(got.result.criteria.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(['deflated_sharpe_ratio', 'pbo', 'n_trades']),
    );
    expect(['PASSED', 'FAILED']).toContain(got.result.verdict);
    expect(readdirSync(got.report_dir).sort()).toContain('summary.md');
    const mine = events.filter((e) => e.id === id);
    expect(mine.some((e) => e.type === 'research.progress' && e.progress?.stage === 'trials')).toBe(true);
    expect(mine.at(-1)).toMatchObject({ type: 'research.finished', status: 'completed', userId: 1 });
    expect((await app.inject({ url: '/api/research/campaigns' })).json().map((c: { id: string }) => c.id)).toContain(id);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/conclave_research_campaigns_total\{status="completed"\} 1/);
    expect(text).toMatch(/conclave_research_trials_total\{status="ok"\} [1-6]/);
    expect(text).toMatch(/conclave_research_campaigns_running 0/);
  });

  it("a campaign is its owner's: another user neither sees nor cancels it", async () => {
    user = 1;
    const { id } = (await app.inject({ method: 'POST', url: '/api/research/campaigns', payload: body })).json();
    user = 2;
    expect((await app.inject({ url: `/api/research/campaigns/${id}` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: `/api/research/campaigns/${id}/cancel` })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/research/campaigns' })).json()).toEqual([]);
    user = 1;
    await campaigns.idle();
    expect((await app.inject({ url: `/api/research/campaigns/${id}` })).json().status).toBe('completed');
  });

  it('cancel stops a queued or running campaign; cancelling an ended one is a 409', async () => {
    user = 1;
    const long = (
      await app.inject({ method: 'POST', url: '/api/research/campaigns', payload: { ...body, trials: 400, prune: false } })
    ).json();
    const queued = (await app.inject({ method: 'POST', url: '/api/research/campaigns', payload: body })).json();
    // The first is running (it yields between trials), the second waits behind it.
    await new Promise((r) => setTimeout(r, 50));
    const c2 = await app.inject({ method: 'POST', url: `/api/research/campaigns/${queued.id}/cancel` });
    expect(c2.json().status).toBe('cancelled');
    const c1 = await app.inject({ method: 'POST', url: `/api/research/campaigns/${long.id}/cancel` });
    expect(c1.statusCode).toBe(200);
    await campaigns.idle();
    const ended = (await app.inject({ url: `/api/research/campaigns/${long.id}` })).json();
    expect(ended.status).toBe('cancelled');
    expect(ended.progress.done).toBeLessThan(400);
    expect((await app.inject({ method: 'POST', url: `/api/research/campaigns/${long.id}/cancel` })).statusCode).toBe(409);
    expect(await metrics.registry.metrics()).toMatch(/conclave_research_campaigns_total\{status="cancelled"\} 2/);
  });

  it('bad input is a 422 before anything is queued; missing candles a 404', async () => {
    user = 1;
    const bad = async (payload: Record<string, unknown>) =>
      (await app.inject({ method: 'POST', url: '/api/research/campaigns', payload })).statusCode;
    expect(await bad({ ...body, search: 'genetic' })).toBe(422);
    expect(await bad({ ...body, objective: 'alpha' })).toBe(422);
    expect(await bad({ ...body, risk: ['MAX_DRAWDOWN'] })).toBe(422);
    expect(await bad({ ...body, settings: { NOT_A_SETTING: 1 } })).toBe(422);
    expect(await bad({ ...body, symbols: ['NOPEUSDT'] })).toBe(404);
    expect(await bad({ ...body, strategy: undefined })).toBe(422);
    expect(await bad({ ...body, protocol: 'brain' })).toBe(422);
  });
});
