import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/runtime.js';

/** Value of one sample in the exposition text, by exact series name and labels. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics on the real server', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(
      { MARKET_SOURCE: 'synthetic', KLINE_INTERVAL: '1m', TRAINING_CANDLES: '300', MODEL_TREES: '5' },
      { now: Date.UTC(2025, 0, 6, 12) },
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  it('exposes cycle, agent, decision, order, equity, feed, venue and process series after cycles over HTTP', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${server.url}/trading/run-cycle?symbol=BTCUSDT`, { method: 'POST' });
      expect(res.status).toBe(200);
      server.clock.advance(60_000);
    }
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(sample(text, 'conclave_cycles_total{result="ok"}')).toBe(2);
    for (const agent of ['market-monitor', 'decision-maker', 'risk-manager', 'execution']) {
      expect(sample(text, `conclave_agent_latency_seconds_count{agent="${agent}"}`)).toBeGreaterThanOrEqual(2);
    }
    const decisions = ['BUY', 'SELL', 'HOLD'].reduce((n, a) => n + (sample(text, `conclave_decisions_total{action="${a}"}`) ?? 0), 0);
    expect(decisions).toBe(2);
    const orders = ['FILLED', 'SKIPPED', 'REJECTED'].reduce((n, s) => n + (sample(text, `conclave_orders_total{status="${s}"}`) ?? 0), 0);
    expect(orders).toBe(2);
    expect(sample(text, 'conclave_equity{user="1"}')).toBeGreaterThan(0);
    expect(sample(text, 'conclave_feed_staleness_seconds{symbol="BTCUSDT"}')).toBeGreaterThanOrEqual(0);
    expect(
      sample(text, 'conclave_venue_request_duration_seconds_count{venue="synthetic",method="getRecentKlines"}'),
    ).toBeGreaterThanOrEqual(2);
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('# TYPE conclave_cycle_duration_seconds histogram');
  });
});
