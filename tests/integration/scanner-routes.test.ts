import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiApp } from '../../src/api/app-types.js';
import { toErrorReply } from '../../src/api/error-reply.js';
import { registerScannerRoutes } from '../../src/api/routes/scanner.routes.js';
import { BinanceMarketDataClient } from '../../src/market/binance-client.js';
import { ScanReport } from '../../src/scanner/report.js';
import { ScannerService } from '../../src/scanner/scanner-service.js';
import { loadPrompts } from '../../src/startup/prompts.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';

let exchange: RunningFake;
let app: ApiApp;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-scan-api-'));
  // Real BTCUSDT/ETHUSDT 1h candles; virtual now at the close of 2026-05-23 20:00 UTC (a breakout bar).
  exchange = await startFakeBinance({ symbols: ['BTCUSDT', 'ETHUSDT'], intervals: ['1h'], now: Date.UTC(2026, 4, 23, 21) - 1 });
  const scanner = new ScannerService({
    market: new BinanceMarketDataClient({ baseUrl: exchange.url, timeoutMs: 5000, retries: 0 }),
    llm: null,
    rankingPrompt: loadPrompts('').scannerRanking,
    notifier: null,
    settings: {
      timeframes: ['1h'],
      signalTimeframe: '1h',
      universeSize: 10,
      candles: 1000,
      concurrency: 4,
      recencyBars: 3,
      maxDeep: 10,
      top: 3,
      detector: { oversoldRsi: 30, oversoldMinBandDistancePct: 0, breakoutVolumeMultiple: 1.5, divergenceLookback: 30 },
      risk: { stopAtr: 1.5, maxHoldBars: 48, minSample: 20 },
      filters: { minConfluence: 0, minProbability: 0, minRewardRisk: 0, minAligned: 0 },
    },
    dataDir: dir,
    now: () => Date.UTC(2026, 4, 23, 21, 0, 1),
  });
  const base = Fastify().withTypeProvider<ZodTypeProvider>();
  base.setValidatorCompiler(validatorCompiler);
  base.setSerializerCompiler(serializerCompiler);
  // The app's own handler maps the catalogue the same way; this bare app only needs the ConclaveError part.
  base.setErrorHandler((error, _req, reply) => {
    const answer = toErrorReply(error);
    return reply.status(answer.status).send(answer.body);
  });
  app = base as ApiApp;
  registerScannerRoutes(app, { scanner });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await exchange?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('scanner routes', () => {
  it('GET /api/scanner/latest is 404 NOT_FOUND before the first scan', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/scanner/latest' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });

  it('POST /api/scanner/run scans and answers the report; GET latest then returns it', async () => {
    const run = await app.inject({ method: 'POST', url: '/api/scanner/run', payload: { symbols: ['BTCUSDT', 'ETHUSDT'], use_llm: false } });
    expect(run.statusCode).toBe(200);
    const body = ScanReport.parse(run.json());
    expect(body.universe).toMatchObject({ source: 'explicit', symbols: ['BTCUSDT', 'ETHUSDT'] });
    expect(body.candidates.map((c) => c.symbol).sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(body.ranking.method).toBe('deterministic');
    const latest = await app.inject({ method: 'GET', url: '/api/scanner/latest' });
    expect(latest.statusCode).toBe(200);
    expect(latest.json().generated_at).toBe(body.generated_at);
  });

  it('rejects an unknown field or a bad timeframe', async () => {
    const bad = await app.inject({ method: 'POST', url: '/api/scanner/run', payload: { timeframes: ['7h'] } });
    expect(bad.statusCode).toBe(422);
    const extra = await app.inject({ method: 'POST', url: '/api/scanner/run', payload: { nope: 1 } });
    expect(extra.statusCode).toBe(422);
  });

  it('a venue that is down while listing the universe answers 503 MARKET_DATA_UNAVAILABLE', async () => {
    exchange.control.failNext(1, 500);
    const res = await app.inject({ method: 'POST', url: '/api/scanner/run', payload: {} });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('MARKET_DATA_UNAVAILABLE');
  });
});
