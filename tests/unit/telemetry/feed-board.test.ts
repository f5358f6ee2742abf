import { describe, expect, it } from 'vitest';
import { ConclaveError } from '../../../src/domain/errors.js';
import { FeedBoard, type FeedView } from '../../../src/telemetry/feed-board.js';

const H = 3_600_000;
const T0 = Date.parse('2026-03-02T12:00:00Z');

function board(venues = ['binance']) {
  const b = new FeedBoard({ staleAfterMs: 3 * H, localVenues: new Set(['replay']), venues });
  const changes: FeedView[] = [];
  b.onChange((v) => changes.push(v));
  return { b, changes };
}

describe('FeedBoard', () => {
  it('waits until a cycle reads the venue, then polls while candles are fresh', () => {
    const { b, changes } = board();
    expect(b.view(T0).map((v) => v.state)).toEqual(['waiting']);
    b.succeeded('binance', T0 - 1, T0);
    expect(b.view(T0)[0]).toMatchObject({ venue: 'binance', state: 'polling', lastCandleTime: T0 - 1, consecutiveFailures: 0 });
    expect(changes.map((c) => c.state)).toEqual(['polling']);
  });

  it('turns down at the first cycle that fails on market data, and back at the next saved one', () => {
    const { b, changes } = board();
    b.succeeded('binance', T0, T0);
    b.failed('binance', new ConclaveError('MARKET_DATA_UNAVAILABLE', 'venue unreachable'), T0 + H);
    expect(b.view(T0 + H)[0]).toMatchObject({ state: 'down', consecutiveFailures: 1, lastErrorCode: 'MARKET_DATA_UNAVAILABLE' });
    b.failed('binance', new ConclaveError('MARKET_DATA_UNAVAILABLE', 'still'), T0 + 2 * H);
    expect(b.view(T0 + 2 * H)[0].consecutiveFailures).toBe(2);
    b.succeeded('binance', T0 + 2 * H, T0 + 2 * H);
    // Transitions only: polling, down, polling (the second failure changed nothing the indicator shows).
    expect(changes.map((c) => c.state)).toEqual(['polling', 'down', 'polling']);
  });

  it('ignores failures that are not the feed (an unknown symbol, the store)', () => {
    const { b, changes } = board();
    b.failed('binance', new ConclaveError('UNKNOWN_SYMBOL', 'no such pair'), T0);
    b.failed('binance', new Error('disk full'), T0);
    expect(b.view(T0)[0].state).toBe('waiting');
    expect(changes).toEqual([]);
  });

  it('calls a venue stale when its newest candle is older than the bound, local for recorded data', () => {
    const { b } = board(['binance', 'replay']);
    b.succeeded('binance', T0, T0);
    b.succeeded('replay', T0, T0);
    expect(b.view(T0 + 3 * H + 1).map((v) => [v.venue, v.state])).toEqual([
      ['binance', 'stale'],
      ['replay', 'stale'],
    ]);
    expect(b.view(T0 + H).map((v) => v.state)).toEqual(['polling', 'local']);
  });

  it('adds venues it was not told about when a cycle uses them (a stock on Yahoo)', () => {
    const { b } = board();
    b.failed('yahoo', new ConclaveError('RATE_LIMITED', 'slow down'), T0);
    expect(b.view(T0).map((v) => [v.venue, v.state])).toEqual([
      ['binance', 'waiting'],
      ['yahoo', 'down'],
    ]);
  });
});
