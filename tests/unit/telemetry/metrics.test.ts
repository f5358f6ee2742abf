import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import type { ApiApp } from '../../../src/api/app-types.js';
import { registerMetricsRoutes } from '../../../src/api/routes/metrics.routes.js';
import { ConclaveError } from '../../../src/domain/errors.js';
import { SimClock } from '../../../src/engine/clock.js';
import type { CycleOutcome } from '../../../src/engine/trading-engine.js';
import type { MarketDataSource } from '../../../src/market/port.js';
import { instrumentSource, Metrics } from '../../../src/telemetry/metrics.js';

const T = 1_704_067_200_000;

/** The fields of a cycle outcome the metrics read; the rest of the record does not matter here. */
function outcome(over: {
  equity: number;
  action: string;
  status: string;
  messages?: unknown[];
  positions?: number;
  userId?: number;
}): CycleOutcome {
  return {
    cycleId: 1,
    userId: over.userId ?? 1,
    symbol: 'BTCUSDT',
    protocol: 'pipeline',
    startedAt: T,
    finishedAt: T + 250,
    snapshot: { candleTime: T - 1 },
    decision: { action: over.action },
    reports: [{ status: over.status }],
    fills: [],
    messages: over.messages ?? [],
    logs: {},
    portfolio: { equity: over.equity, positions: Array.from({ length: over.positions ?? 0 }, () => ({})) },
    response: {},
  } as unknown as CycleOutcome;
}

/** Value of one sample in the exposition text, found by exact name and label string. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Metrics', () => {
  it('turns saved cycles into decision, order, denial, equity, drawdown and position series', async () => {
    const clock = new SimClock(T + 90_000);
    const m = new Metrics({ clock, drawdownLimit: 0.2 });
    m.observeCycle(
      outcome({ equity: 10_000, action: 'BUY', status: 'FILLED', positions: 1, messages: [{ type: 'OrderFilled', payload: {} }] }),
    );
    m.observeCycle(
      outcome({
        equity: 8_500,
        action: 'SELL',
        status: 'REJECTED',
        messages: [
          { type: 'OrderDenied', payload: { reasonCode: 'MAX_DRAWDOWN', reason: 'x' } },
          { type: 'RegimeClassified', payload: { symbol: 'BTCUSDT', regime: 'trend-up' } },
        ],
      }),
    );
    m.observeCycle(
      outcome({
        equity: 9_000,
        action: 'HOLD',
        status: 'SKIPPED',
        messages: [{ type: 'RegimeClassified', payload: { symbol: 'BTCUSDT', regime: 'range' } }],
      }),
    );
    m.recordCycle('error', 'MARKET_DATA_UNAVAILABLE');
    m.recordCycle('duplicate');
    m.schedulerHooks().onCycle?.('market_closed', { userId: 1, symbol: 'AAPL', key: 'k', code: 'MARKET_CLOSED' });
    const text = await m.text();
    expect(sample(text, 'conclave_cycles_total{result="ok"}')).toBe(3);
    expect(sample(text, 'conclave_cycles_total{result="error"}')).toBe(1);
    expect(sample(text, 'conclave_cycles_total{result="duplicate"}')).toBe(1);
    expect(sample(text, 'conclave_cycles_total{result="market_closed"}')).toBe(1);
    expect(sample(text, 'conclave_cycle_errors_total{code="MARKET_DATA_UNAVAILABLE"}')).toBe(1);
    expect(sample(text, 'conclave_decisions_total{action="BUY"}')).toBe(1);
    expect(sample(text, 'conclave_decisions_total{action="HOLD"}')).toBe(1);
    expect(sample(text, 'conclave_orders_total{status="REJECTED"}')).toBe(1);
    expect(sample(text, 'conclave_risk_denials_total{reason="MAX_DRAWDOWN"}')).toBe(1);
    expect(sample(text, 'conclave_trading_halted{user="1"}')).toBe(1);
    expect(sample(text, 'conclave_equity{user="1"}')).toBe(9_000);
    // Peak 10,000, now 9,000: (10000 - 9000) / 10000.
    expect(sample(text, 'conclave_drawdown_ratio{user="1"}')).toBeCloseTo(0.1, 12);
    expect(sample(text, 'conclave_drawdown_limit_ratio')).toBe(0.2);
    expect(sample(text, 'conclave_open_positions{user="1"}')).toBe(0);
    expect(sample(text, 'conclave_regime{symbol="BTCUSDT",regime="range"}')).toBe(1);
    expect(sample(text, 'conclave_regime{symbol="BTCUSDT",regime="trend-up"}')).toBe(0);
    // Candle closed at T - 1, clock at T + 90 s.
    expect(sample(text, 'conclave_feed_staleness_seconds{symbol="BTCUSDT"}')).toBeCloseTo(90.001, 9);
    expect(sample(text, 'conclave_cycle_duration_seconds_count{protocol="pipeline"}')).toBe(3);
    expect(sample(text, 'conclave_cycle_duration_seconds_sum{protocol="pipeline"}')).toBeCloseTo(0.75, 12);
  });

  it('records per-agent latency and agent errors from the bus observer', async () => {
    const m = new Metrics({ clock: new SimClock(T) });
    m.busObserver.onHandled?.('decision-maker', 'MarketSnapshot', 4, undefined);
    m.busObserver.onHandled?.('market-monitor', 'CycleRequested', 30, new ConclaveError('MARKET_DATA_UNAVAILABLE', 'down'));
    const text = await m.text();
    expect(sample(text, 'conclave_agent_latency_seconds_count{agent="decision-maker"}')).toBe(1);
    expect(sample(text, 'conclave_agent_latency_seconds_sum{agent="decision-maker"}')).toBeCloseTo(0.004, 12);
    expect(sample(text, 'conclave_agent_latency_seconds_bucket{le="0.005",agent="decision-maker"}')).toBe(1);
    expect(sample(text, 'conclave_agent_latency_seconds_bucket{le="0.0025",agent="decision-maker"}')).toBe(0);
    expect(sample(text, 'conclave_agent_errors_total{agent="market-monitor",code="MARKET_DATA_UNAVAILABLE"}')).toBe(1);
  });

  it('counts venue errors by code through the instrumented source and keeps other members', async () => {
    const m = new Metrics({ clock: new SimClock(T) });
    let calls = 0;
    const raw = {
      venue: 'binance' as const,
      getCurrentPrice: async () => {
        calls++;
        if (calls === 1) throw new ConclaveError('RATE_LIMITED', '429');
        return 42;
      },
      getRecentKlines: async () => [],
      getKlines: async () => [],
      advance: () => true,
    };
    const source = instrumentSource(raw as MarketDataSource & { advance(): boolean }, m);
    await expect(source.getCurrentPrice('BTCUSDT')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(await source.getCurrentPrice('BTCUSDT')).toBe(42);
    expect(source.advance()).toBe(true);
    expect(source.venue).toBe('binance');
    const text = await m.text();
    expect(sample(text, 'conclave_venue_errors_total{venue="binance",code="RATE_LIMITED"}')).toBe(1);
    expect(sample(text, 'conclave_venue_request_duration_seconds_count{venue="binance",method="getCurrentPrice"}')).toBe(2);
  });

  it('reports queue depth and workers from the probe at scrape time, and process metrics when asked', async () => {
    const m = new Metrics({ clock: new SimClock(T), processMetrics: true, labels: { role: 'serve' } });
    m.setQueueProbe(async () => ({ depth: { waiting: 7, active: 2 }, workers: 3 }));
    const text = await m.text();
    expect(sample(text, 'conclave_queue_depth{state="waiting",role="serve"}')).toBe(7);
    expect(sample(text, 'conclave_queue_workers{role="serve"}')).toBe(3);
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('a failing queue probe (Redis down) leaves depth and workers out and sets conclave_queue_up to 0', async () => {
    const clock = new SimClock(T);
    const m = new Metrics({ clock, labels: { role: 'serve' }, queueProbeReuseMs: 0 });
    let down = false;
    m.setQueueProbe(async () => {
      if (down) throw new Error('Command timed out');
      return { depth: { waiting: 4 }, workers: 1 };
    });
    let text = await m.text();
    expect(sample(text, 'conclave_queue_up{role="serve"}')).toBe(1);
    expect(sample(text, 'conclave_queue_depth{state="waiting",role="serve"}')).toBe(4);
    down = true;
    text = await m.text();
    expect(sample(text, 'conclave_queue_up{role="serve"}')).toBe(0);
    expect(text).not.toContain('conclave_queue_depth{');
  });

  it('serves the exposition at GET /metrics with the Prometheus content type', async () => {
    const m = new Metrics({ clock: new SimClock(T) });
    m.recordCycle('error', 'AGENT_FAILED');
    // As buildApp makes every ApiApp: zod schemas validate and serialize (the route documents its answer with one).
    const app: ApiApp = Fastify().withTypeProvider<ZodTypeProvider>();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    registerMetricsRoutes(app, { metrics: m });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(sample(res.body, 'conclave_cycle_errors_total{code="AGENT_FAILED"}')).toBe(1);
    await app.close();
  });
});
