import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaperSessionRecorder } from '../../src/reports/paper-session.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { startTestServer, type TestServer } from '../helpers/runtime.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

/** A paper session leaves the same kind of run report a backtest does. */
describe('paper session run report', () => {
  let fake: RunningFake;
  let server: TestServer;
  const model = new ScriptedModel();

  beforeAll(async () => {
    fake = await startFakeBinance({ symbols: ['BTCUSDT'], intervals: ['1h'] });
    server = await startTestServer({ BINANCE_BASE_URL: fake.url, KLINE_INTERVAL: '1h' }, { now: fake.control.now(), model });
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  it('writes trades, orders, decisions and equity with the session metrics', async () => {
    const reportsDir = mkdtempSync(join(tmpdir(), 'conclave-paper-'));
    const recorder = new PaperSessionRecorder({
      reportsDir,
      interval: '1h',
      startingCapital: 10_000,
      parameters: { protocol: 'pipeline' },
      versions: { conclave: 'test' },
    });
    expect(await recorder.finish(server.clock.now())).toEqual([]);
    server.runtime.engine.onCycle(recorder.record);
    for (const action of ['BUY', 'HOLD', 'SELL'] as const) {
      model.next = action;
      fake.control.advance(1);
      server.clock.set(fake.control.now());
      const res = await fetch(`${server.url}/trading/run-cycle`, { method: 'POST' });
      expect(res.status).toBe(200);
    }
    expect(recorder.cycles).toBe(3);
    const [report] = await recorder.finish(server.clock.now());
    expect(report.id).toMatch(/^paper-u1-/);
    expect(report.files).toEqual(
      expect.arrayContaining(['trades.csv', 'orders.csv', 'decisions.csv', 'equity.csv', 'equity.svg', 'summary.md']),
    );
    const orders = readFileSync(join(report.dir, 'orders.csv'), 'utf8').trim().split('\n');
    expect(orders).toHaveLength(3); // header + BUY + SELL (the HOLD placed no order)
    const equity = readFileSync(join(report.dir, 'equity.csv'), 'utf8').trim().split('\n');
    expect(equity).toHaveLength(4);
    const summary = readFileSync(join(report.dir, 'summary.md'), 'utf8');
    expect(summary).toContain('Paper session');
    expect(summary).toMatch(/n_trades|Trades/i);
  });

  it('holds only the most recent cycles of a long session and says how many came before', async () => {
    const reportsDir = mkdtempSync(join(tmpdir(), 'conclave-paper-'));
    const recorder = new PaperSessionRecorder(
      { reportsDir, interval: '1h', startingCapital: 10_000, parameters: { protocol: 'pipeline' }, versions: { conclave: 'test' } },
      2,
    );
    const off = server.runtime.engine.onCycle(recorder.record);
    try {
      for (const action of ['BUY', 'HOLD', 'HOLD', 'HOLD', 'SELL'] as const) {
        model.next = action;
        fake.control.advance(1);
        server.clock.set(fake.control.now());
        const res = await fetch(`${server.url}/trading/run-cycle`, { method: 'POST' });
        expect(res.status).toBe(200);
      }
    } finally {
      off();
    }
    // Trimmed once the book passed 2 + 2 cycles: the last two remain, with the orders from the first of them on.
    expect(recorder.cycles).toBe(2);
    const [report] = await recorder.finish(server.clock.now());
    expect(readFileSync(join(report.dir, 'equity.csv'), 'utf8').trim().split('\n')).toHaveLength(3);
    const orders = readFileSync(join(report.dir, 'orders.csv'), 'utf8').trim().split('\n');
    expect(orders).toHaveLength(2);
    expect(orders[1]).toContain('SELL');
    expect(readFileSync(join(report.dir, 'summary.md'), 'utf8')).toMatch(/earlier_cycles_not_in_report\W+3/);
  });
});
