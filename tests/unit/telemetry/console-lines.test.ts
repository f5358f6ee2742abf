import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ExecutionReport } from '../../../src/domain/order.js';
import { cycleLine, formatPrice } from '../../../src/telemetry/cycle-line.js';
import { prettyLine, prettyStream } from '../../../src/telemetry/pretty-stream.js';

function report(over: Partial<ExecutionReport>): ExecutionReport {
  return {
    executed: false,
    orderId: null,
    status: 'SKIPPED',
    action: 'HOLD',
    symbol: 'BTCUSDT',
    price: 8012.45,
    executionPrice: null,
    quantity: 0,
    fee: 0,
    time: 0,
    reason: null,
    ...over,
  };
}

describe('cycle line', () => {
  it('says action, confidence, fill and equity in one line (the README example)', () => {
    const line = cycleLine({
      cycleId: 12,
      symbol: 'BTCUSDT',
      decision: { action: 'BUY', confidence: 0.5512 },
      decisionReport: report({ status: 'FILLED', action: 'BUY', executed: true, quantity: 0.125, executionPrice: 8016.456 }),
      settled: [],
      portfolio: { equity: 10018.9249 },
    });
    expect(line).toBe('#12 BTCUSDT BUY p=0.55 FILLED 0.125 @ 8016.46 | equity 10,018.92');
  });

  it('shows SKIPPED for a HOLD and the reason code of a denial', () => {
    const hold = cycleLine({
      cycleId: 3,
      symbol: 'ETHUSDT',
      decision: { action: 'HOLD', confidence: 0.7 },
      decisionReport: report({}),
      settled: [],
      portfolio: { equity: 9500 },
    });
    expect(hold).toBe('#3 ETHUSDT HOLD p=0.70 SKIPPED | equity 9,500.00');
    const denied = cycleLine({
      cycleId: 4,
      symbol: 'BTCUSDT',
      decision: { action: 'SELL', confidence: 0.61 },
      decisionReport: report({ status: 'REJECTED', action: 'SELL', reason: 'NO_POSITION: nothing to sell' }),
      settled: [],
      portfolio: { equity: 1234567.891 },
    });
    expect(denied).toBe('#4 BTCUSDT SELL p=0.61 REJECTED NO_POSITION | equity 1,234,567.89');
  });

  it('with next-open fills, names the pending decision apart from the earlier order that filled at the open', () => {
    const line = cycleLine({
      cycleId: 2,
      symbol: 'BTCUSDT',
      decision: { action: 'SELL', confidence: 0.61 },
      decisionReport: report({ status: 'PENDING', action: 'SELL', orderId: 'ORD-2', quantity: 0.125 }),
      settled: [report({ status: 'FILLED', action: 'BUY', executed: true, orderId: 'ORD-1', quantity: 0.125, executionPrice: 8016.456 })],
      portfolio: { equity: 9990 },
    });
    expect(line).toBe('#2 BTCUSDT SELL p=0.61 PENDING 0.125 next open | settled BUY FILLED 0.125 @ 8016.46 | equity 9,990.00');
  });

  it('prints small prices with enough decimals to see them move', () => {
    expect(formatPrice(0.512345678)).toBe('0.512346');
    expect(formatPrice(2.5)).toBe('2.5000');
    expect(formatPrice(65212.554)).toBe('65212.55');
  });
});

describe('pretty console', () => {
  const time = Date.UTC(2026, 0, 2, 14, 5, 9);

  it('prints time, level, message and fields; a cycle or banner entry prints its message only', () => {
    const plain = prettyLine(JSON.stringify({ level: 40, time, msg: 'scheduled ticks missed', user_id: 1, ticks: 3, pid: 9 }), {
      colour: false,
    });
    expect(plain).toBe('14:05:09 WARN  scheduled ticks missed user_id=1 ticks=3\n');
    const cycle = prettyLine(JSON.stringify({ level: 30, time, event: 'cycle', cycle_id: 12, msg: '#12 BTCUSDT HOLD p=0.70 SKIPPED' }), {
      colour: false,
    });
    expect(cycle).toBe('14:05:09 INFO  #12 BTCUSDT HOLD p=0.70 SKIPPED\n');
  });

  it('prints an error message and its stack, colours the level on a terminal, and passes non-JSON through', () => {
    const line = prettyLine(
      JSON.stringify({ level: 50, time, msg: 'boom', err: { message: 'bad thing', stack: 'Error: bad thing\n    at x' } }),
      {
        colour: true,
      },
    );
    expect(line).toBe('14:05:09 \u001b[31mERROR\u001b[0m boom err="bad thing"\nError: bad thing\n    at x\n');
    expect(prettyLine('not json', { colour: false })).toBe('not json\n');
  });

  it('works as a pino destination', () => {
    const out: string[] = [];
    const log = pino({ base: null }, prettyStream({ write: (c: string) => out.push(c) }, { colour: false }));
    log.info({ symbol: 'BTCUSDT' }, 'hello');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^\d\d:\d\d:\d\d INFO {2}hello symbol=BTCUSDT\n$/);
  });
});
