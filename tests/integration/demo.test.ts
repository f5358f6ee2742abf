import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServeProcess, startServeProcess, waitFor } from '../helpers/serve-process.js';

interface Cycles {
  cycles: { cycle_id: number; execution_status: string | null }[];
}
interface Equity {
  points: { equity: number; cycle_id: number }[];
}
interface CycleAnswer {
  execution: { status: string; order_id: string };
  settled_orders: { status: string; order_id: string }[];
}
interface TradeRow {
  status: string;
  action: string;
}

/** `npm run demo` (`conclave demo`): bundled real candles, its own files, a fill within the first minute. */
describe('npm run demo', () => {
  let demo: ServeProcess | undefined;
  afterAll(async () => {
    await demo?.stop();
  });

  it('fills an order within 60 s of the start, moves equity, and keeps to DATA_DIR/demo', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'conclave-demo-')), 'data');
    const started = Date.now();
    demo = await startServeProcess(['src/cli/main.ts', 'demo'], { DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    const server = demo;
    const get = async <T>(path: string) => (await (await fetch(`${server.url}${path}`)).json()) as T;

    await waitFor(
      async () => ((await get<TradeRow[]>('/trading/trades?limit=100')).some((t) => t.status === 'FILLED') ? true : undefined),
      60_000 - (Date.now() - started),
      'a FILLED trade',
    );
    expect(Date.now() - started).toBeLessThan(60_000);

    const cycles = await get<Cycles>('/api/cycles?limit=100');
    expect(cycles.cycles.some((c) => c.execution_status === 'FILLED')).toBe(true);
    // Equity moves while a position is open: wait for a few more steps of the recording.
    const equity = await waitFor(
      async () => {
        const points = (await get<Equity>('/api/portfolio/equity?limit=500')).points;
        return new Set(points.map((p) => p.equity.toFixed(6))).size >= 3 ? points : undefined;
      },
      30_000,
      'equity to move',
    );
    expect(equity.length).toBeGreaterThanOrEqual(3);

    // One line per cycle on the console, in the README's shape. The demo replays recorded candles, so a
    // decision is PENDING in its own cycle and its fill at the next open is named as settled, never as the
    // next decision's.
    expect(server.output()).toMatch(/"msg":"#\d+ BTCUSDT (BUY|SELL) p=0\.\d\d PENDING [\d.]+ next open \| equity [\d,]+\.\d\d"/);
    expect(server.output()).toMatch(
      /"msg":"#\d+ BTCUSDT (BUY|SELL|HOLD) p=0\.\d\d [^|"]+ \| settled (BUY|SELL) FILLED [\d.]+ @ [\d.]+ \| equity/,
    );
    // The same split in the stored answers: every settled fill is the order an earlier cycle left PENDING.
    const pendingIds = new Set<string>();
    let settledFills = 0;
    const oldestFirst = [...cycles.cycles].reverse();
    for (const [i, c] of oldestFirst.entries()) {
      const { response } = await get<{ response: CycleAnswer }>(`/api/cycles/${c.cycle_id}`);
      for (const s of response.settled_orders) {
        // The oldest listed cycle may settle an order from before the listed window.
        if (i > 0) expect(pendingIds.has(s.order_id)).toBe(true);
        if (s.status === 'FILLED') settledFills++;
      }
      expect(response.execution.status).not.toBe('FILLED');
      if (response.execution.status === 'PENDING') pendingIds.add(response.execution.order_id);
    }
    expect(settledFills).toBeGreaterThan(0);
    // The banner points at the dashboard and the API docs.
    expect(server.output()).toContain(`Dashboard  ${server.url}/`);
    expect(server.output()).toContain(`API docs   ${server.url}/docs`);
    // The demo's own database and model, nowhere else.
    const health = await get<{ components: { store: { status: string } } }>('/health');
    expect(health.components.store.status).toBe('ok');
    expect(server.output()).toContain(join(dataDir, 'demo', 'conclave.db'));
    expect(server.output()).toContain(join(dataDir, 'demo', 'model.json'));
  });
});
