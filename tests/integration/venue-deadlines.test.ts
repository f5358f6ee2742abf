import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ErrorCode, isConclaveError } from '../../src/domain/errors.js';
import { BinanceMarketDataClient } from '../../src/market/binance-client.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { startTestServer } from '../helpers/runtime.js';
import { sharedData } from '../helpers/shared-data.js';

const MiB = 1024 * 1024;

async function rejection(promise: Promise<unknown>, code: ErrorCode): Promise<{ message: string; details: Record<string, unknown> }> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(isConclaveError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
  return { message: (error as Error).message, details: { ...((error as { details?: Record<string, unknown> }).details ?? {}) } };
}

describe('venue deadlines and the response-size cap (issue 11, findings 9 and 10)', () => {
  let fake: RunningFake;
  let sleeps: number[];
  const client = (o: { timeoutMs?: number; retries?: number; deadlineMs?: number; maxResponseBytes?: number; realSleep?: boolean } = {}) =>
    new BinanceMarketDataClient({
      baseUrl: fake.url,
      timeoutMs: o.timeoutMs ?? 2_000,
      retries: o.retries ?? 3,
      backoffMs: 10,
      ...(o.deadlineMs === undefined ? {} : { deadlineMs: o.deadlineMs }),
      ...(o.maxResponseBytes === undefined ? {} : { maxResponseBytes: o.maxResponseBytes }),
      ...(o.realSleep
        ? {}
        : {
            sleep: async (ms: number) => {
              sleeps.push(ms);
            },
          }),
    });

  beforeAll(async () => {
    fake = await startFakeBinance({ files: { BTCUSDT: { '1h': sharedData('klines', 'BTCUSDT_1h.csv') } } });
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.control.reset();
    sleeps = [];
  });

  it('a 429 whose Retry-After passes the deadline fails at once with MARKET_DATA_UNAVAILABLE naming the wait', async () => {
    fake.control.rateLimitNext(3, 29);
    const started = performance.now();
    const e = await rejection(client({ deadlineMs: 15_000 }).getCurrentPrice('BTCUSDT'), 'MARKET_DATA_UNAVAILABLE');
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(e.details).toMatchObject({ reason: 'RETRY_AFTER_BEYOND_DEADLINE', retry_after_ms: 29_000, deadline_ms: 15_000 });
    expect(e.message).toContain('Retry-After 29');
    expect(sleeps).toEqual([]);
    expect(fake.control.requests()).toBe(1);
  });

  it('a Retry-After inside the deadline is waited out, and the waits count against it', async () => {
    fake.control.rateLimitNext(1, 4);
    expect(await client({ deadlineMs: 15_000 }).getCurrentPrice('BTCUSDT')).toBeGreaterThan(0);
    expect(sleeps).toEqual([4_000]);
    // 4 s already waited leaves 11 s: a second Retry-After of 12 s no longer fits.
    fake.control.rateLimitNext(1, 4).rateLimitNext(1, 12);
    sleeps = [];
    const e = await rejection(client({ deadlineMs: 15_000 }).getCurrentPrice('BTCUSDT'), 'MARKET_DATA_UNAVAILABLE');
    expect(sleeps).toEqual([4_000]);
    expect(e.details.retry_after_ms).toBe(12_000);
  });

  it('backoff between retries stops when the next wait would pass the deadline', async () => {
    fake.control.failNext(20, 503);
    const c = new BinanceMarketDataClient({
      baseUrl: fake.url,
      timeoutMs: 2_000,
      retries: 10,
      backoffMs: 1_000,
      deadlineMs: 3_000,
      sleep: async (ms: number) => {
        sleeps.push(ms);
      },
    });
    const e = await rejection(c.getCurrentPrice('BTCUSDT'), 'MARKET_DATA_UNAVAILABLE');
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(3_000);
    expect(fake.control.requests()).toBeLessThan(11);
    expect(e.details).toMatchObject({ reason: 'DEADLINE', deadline_ms: 3_000 });
  });

  it('a hung venue fails by the deadline, not after timeout x attempts', async () => {
    fake.control.hangNext(20);
    const started = performance.now();
    const e = await rejection(
      client({ timeoutMs: 400, retries: 5, deadlineMs: 900, realSleep: true }).getCurrentPrice('BTCUSDT'),
      'MARKET_DATA_UNAVAILABLE',
    );
    const took = performance.now() - started;
    // 6 attempts x 400 ms would be 2.4 s; the deadline cuts it at 0.9 s (plus scheduling slack). What is left after
    // two hung attempts may not hold the backoff before a third, and then it fails at once: the floor is those two.
    expect(took).toBeGreaterThan(780);
    expect(took).toBeLessThan(1_800);
    expect(e.message).toContain('deadline');
    expect(e.details.reason).toBe('DEADLINE');
  });

  it('a body streamed past the cap is cut off mid-stream: MARKET_DATA_INVALID, and only about the cap is ever read', async () => {
    fake.control.hugeBodyNext(512 * MiB);
    const before = process.memoryUsage().rss;
    const e = await rejection(client({ maxResponseBytes: 1 * MiB }).getRecentKlines('BTCUSDT', '1h', 10), 'MARKET_DATA_INVALID');
    expect(e.details).toMatchObject({ reason: 'RESPONSE_TOO_LARGE', max_bytes: MiB });
    // Socket buffers on both sides hold a few MiB at most; a read-then-check client would pull all 512 MiB.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.control.hugeBytesWritten).toBeLessThan(32 * MiB);
    expect(process.memoryUsage().rss - before).toBeLessThan(128 * MiB);
    // The connection was dropped, not left to drain: the next call is answered normally.
    expect(await client().getCurrentPrice('BTCUSDT')).toBeGreaterThan(0);
  });

  it('a Content-Length over the cap is refused before reading the body', async () => {
    fake.control.hugeBodyNext(64 * MiB, true);
    const e = await rejection(client({ maxResponseBytes: 1 * MiB }).getRecentKlines('BTCUSDT', '1h', 10), 'MARKET_DATA_INVALID');
    expect(e.message).toContain('declared 67108864');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.control.hugeBytesWritten).toBeLessThan(32 * MiB);
  });

  it('through the server: run-cycle on a hung venue answers 503 by VENUE_DEADLINE_MS, storing nothing', async () => {
    const server = await startTestServer(
      { BINANCE_BASE_URL: fake.url, KLINE_INTERVAL: '1h', HTTP_TIMEOUT_MS: '400', HTTP_RETRIES: '5', VENUE_DEADLINE_MS: '900' },
      { now: fake.control.now() },
    );
    try {
      fake.control.hangNext(40);
      const started = performance.now();
      const res = await fetch(`${server.url}/trading/run-cycle?symbol=BTCUSDT`, { method: 'POST' });
      const took = performance.now() - started;
      const body = (await res.json()) as { error: { code: string; details: Record<string, unknown> } };
      expect(res.status).toBe(503);
      expect(body.error.code).toBe('MARKET_DATA_UNAVAILABLE');
      expect(body.error.details.reason).toBe('DEADLINE');
      expect(took).toBeLessThan(2_500);
      expect(await server.runtime.store.cycles.countByStatus()).toEqual({});
    } finally {
      fake.control.reset();
      await server.close();
    }
  });
});
