import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCandlesCsv } from '../../src/market/csv-candles.js';
import { trainModel } from '../../src/ml/model.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { type PlatformServer, startPlatformServer } from '../helpers/platform-server.js';
import { call } from '../helpers/scripted-model.js';
import { sharedData } from '../helpers/shared-data.js';

/** Independent reference of the one-sided exact McNemar p-value: big-integer binomial tail, sum C(n, j) / 2^n. */
function exactTail(n: number, k: number): number {
  let c = 1n;
  let sum = 0n;
  for (let j = 0; j <= n; j++) {
    if (j >= k) sum += c;
    c = (c * BigInt(n - j)) / BigInt(j + 1);
  }
  return Number((sum * 10n ** 18n) / 2n ** BigInt(n)) / 1e18;
}

describe('GET /api/model: the edge test beside the accuracy (real server, model trained on real 1h candles)', () => {
  let binance: RunningFake;
  let server: PlatformServer;
  const candles = readCandlesCsv(sharedData('klines', 'BTCUSDT_1h.csv')).slice(0, 3000);
  const model = trainModel(candles, { symbol: 'BTCUSDT', interval: '1h', labelThreshold: 0.002, trees: 20, maxDepth: 8, seed: 7 });

  beforeAll(async () => {
    binance = await startFakeBinance({ symbols: ['BTCUSDT'], intervals: ['1h'] });
    server = await startPlatformServer({ BINANCE_BASE_URL: binance.url, KLINE_INTERVAL: '1h' }, { now: binance.control.now(), model });
  });
  afterAll(async () => {
    await server?.close();
    await binance?.close();
  });

  it('reports the exact McNemar p-value, its alpha and the verdict next to accuracy and the baseline', async () => {
    const r = await call(server.url, 'GET', '/api/model');
    expect(r.status).toBe(200);
    expect(r.body.version).toBe(model.version);
    expect(r.body.metrics.test_accuracy).toBe(model.metrics.testAccuracy);
    expect(r.body.metrics.majority_baseline).toBe(model.metrics.majorityBaseline);
    const e = r.body.edge;
    expect(e.alpha).toBe(0.05);
    expect(e.rows_better_than_baseline + e.rows_worse_than_baseline).toBeGreaterThan(0);
    // Accuracy difference equals (better - worse) / test rows: the disagreeing rows are the whole difference.
    const testRows = model.evaluation.testRows;
    expect((e.rows_better_than_baseline - e.rows_worse_than_baseline) / testRows).toBeCloseTo(
      model.metrics.testAccuracy - model.metrics.majorityBaseline,
      12,
    );
    expect(e.p_value).toBeCloseTo(exactTail(e.rows_better_than_baseline + e.rows_worse_than_baseline, e.rows_better_than_baseline), 12);
    expect(e.has_edge).toBe(e.p_value < 0.05);
  });

  it('every model decision says "no measured edge" while the test has not passed', async () => {
    const r = await call(server.url, 'POST', '/trading/run-cycle?symbol=BTCUSDT');
    expect(r.status).toBe(200);
    expect(r.body.decision.reason).toMatch(/^Model predicted /);
    const info = await call(server.url, 'GET', '/api/model');
    expect(r.body.decision.reason.includes('no measured edge')).toBe(!info.body.edge.has_edge);
  });

  it('is documented in the OpenAPI spec', async () => {
    const spec = await call(server.url, 'GET', '/openapi.json');
    expect(Object.keys(spec.body.paths)).toContain('/api/model');
  });
});
