import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AccessCheck, LiveHub, type LiveSocket, WS_CLOSE_UNAUTHORIZED } from '../../../src/api/ws-hub.js';

/** A socket whose unsent-bytes counter the test controls: a client that stopped reading. */
class FakeSocket implements LiveSocket {
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: Array<{ type: string; seq: number; dropped: number; data: unknown }> = [];
  closedWith: { code?: number; reason?: string } | null = null;
  send(data: string): void {
    this.sent.push(JSON.parse(data));
    this.bufferedAmount += this.growth;
  }
  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }
  constructor(private readonly growth = 0) {}
}

const msg = (symbol: string, n: number) => ({ type: 'cycle' as const, symbol, data: { n } });

describe('LiveHub', () => {
  it('drops and counts messages for a client over its buffer bound without touching the others', () => {
    const hub = new LiveHub({ now: () => 0, maxBufferedBytes: 100 });
    const slow = new FakeSocket(60);
    const fast = new FakeSocket(0);
    hub.add(slow, 1);
    hub.add(fast, 1);
    for (let i = 0; i < 10; i++) hub.publish(1, msg('BTCUSDT', i));
    // hello (60 bytes queued), message 0 (120 > 100), then every further message is dropped.
    expect(slow.sent.map((m) => m.type)).toEqual(['hello', 'cycle']);
    expect(fast.sent).toHaveLength(11);
    expect(hub.stats()).toEqual({ clients: 2, dropped: 9 });

    // The client catches up: the next message it gets says how many it missed, and seq has no gap.
    slow.bufferedAmount = 0;
    hub.publish(1, msg('BTCUSDT', 10));
    const last = slow.sent[slow.sent.length - 1];
    expect(last).toMatchObject({ seq: 3, dropped: 9, data: { n: 10 } });
  });

  it('routes by user and symbol subscription; symbol-less messages reach every subscriber of the user', () => {
    const hub = new LiveHub({ now: () => 0 });
    const a = new FakeSocket();
    const b = new FakeSocket();
    const ca = hub.add(a, 1);
    hub.add(b, 2);
    hub.subscribe(ca, ['ETHUSDT']);
    hub.publish(1, msg('BTCUSDT', 1));
    hub.publish(1, msg('ETHUSDT', 2));
    hub.publish(1, { type: 'agent_status', data: {} });
    hub.publish(2, msg('ETHUSDT', 3));
    expect(a.sent.map((m) => m.type)).toEqual(['hello', 'subscribed', 'cycle', 'agent_status']);
    expect(a.sent[2].data).toEqual({ n: 2 });
    expect(b.sent.map((m) => (m.data as { n?: number }).n ?? m.type)).toEqual(['hello', 3]);
  });

  it('never sends to a closed socket and forgets removed clients', () => {
    const hub = new LiveHub({ now: () => 0 });
    const s = new FakeSocket();
    const c = hub.add(s, 1);
    s.readyState = 3;
    hub.publish(1, msg('BTCUSDT', 1));
    hub.remove(c);
    expect(s.sent).toHaveLength(1);
    expect(hub.stats().clients).toBe(0);
  });

  it('keeps per-client seq contiguous and counts every message as sent or dropped (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(300)), { maxLength: 60 }), (steps) => {
        const hub = new LiveHub({ now: () => 0, maxBufferedBytes: 150 });
        const s = new FakeSocket();
        hub.add(s, 1);
        for (const [publish, buffered] of steps) {
          s.bufferedAmount = buffered;
          if (publish) hub.publish(1, msg('X', 0));
        }
        const published = steps.filter(([p]) => p).length;
        expect(s.sent.map((m) => m.seq)).toEqual(s.sent.map((_, i) => i + 1));
        expect(s.sent.length - 1 + hub.stats().dropped).toBe(published);
      }),
    );
  });

  describe('a client that connected with a token (issue 11: deleted users and revoked tokens)', () => {
    /** The token check a test flips: null = still valid, a string = why not, 'throw' = the user table is down. */
    const switchable = () => {
      const state: { verdict: string | null | 'throw'; calls: number } = { verdict: null, calls: 0 };
      const check: AccessCheck = async () => {
        state.calls++;
        if (state.verdict === 'throw') throw new Error('store unavailable');
        return state.verdict;
      };
      return { state, check };
    };

    it('gets each batch only after its token is checked again, in order with replies', async () => {
      const hub = new LiveHub({ now: () => 0, recheckMs: 0 });
      const s = new FakeSocket();
      const { state, check } = switchable();
      const c = hub.add(s, 1, check);
      hub.publish(1, msg('BTCUSDT', 1));
      hub.reply(c, { type: 'pong', data: {} });
      expect(s.sent.map((m) => m.type)).toEqual(['hello']);
      await hub.recheckAll();
      expect(s.sent.map((m) => m.type)).toEqual(['hello', 'cycle', 'pong']);
      expect(state.calls).toBe(3);
    });

    it('is closed with 4401 and the reason, and gets nothing more, once the check fails', async () => {
      const hub = new LiveHub({ now: () => 0, recheckMs: 0 });
      const s = new FakeSocket();
      const other = new FakeSocket();
      const { state, check } = switchable();
      hub.add(s, 1, check);
      hub.add(other, 2);
      state.verdict = 'token: user 1 no longer exists';
      hub.publish(1, msg('BTCUSDT', 1));
      hub.broadcast({ type: 'market_halt', symbol: 'BTCUSDT', data: {} });
      await hub.recheckAll();
      expect(s.sent.map((m) => m.type)).toEqual(['hello']);
      expect(s.closedWith).toEqual({ code: WS_CLOSE_UNAUTHORIZED, reason: 'token: user 1 no longer exists' });
      expect(hub.stats(1).clients).toBe(0);
      // Others are untouched.
      expect(other.sent.map((m) => m.type)).toEqual(['hello', 'market_halt']);
      hub.publish(1, msg('BTCUSDT', 2));
      await hub.recheckAll();
      expect(s.sent).toHaveLength(1);
    });

    it('an idle socket is closed by the periodic re-check, without any message to send', async () => {
      const hub = new LiveHub({ now: () => 0, recheckMs: 0 });
      const s = new FakeSocket();
      const { state, check } = switchable();
      hub.add(s, 1, check);
      await hub.recheckAll();
      expect(s.closedWith).toBeNull();
      state.verdict = 'token: revoked (tokens of this user were revoked); log in again';
      await hub.recheckAll();
      expect(s.closedWith?.code).toBe(WS_CLOSE_UNAUTHORIZED);
    });

    it('withholds (and counts as dropped) what it cannot check, without closing, and resumes when it can', async () => {
      const hub = new LiveHub({ now: () => 0, recheckMs: 0 });
      const s = new FakeSocket();
      const { state, check } = switchable();
      hub.add(s, 1, check);
      state.verdict = 'throw';
      hub.publish(1, msg('BTCUSDT', 1));
      await hub.recheckAll();
      expect(s.sent).toHaveLength(1);
      expect(s.closedWith).toBeNull();
      expect(hub.stats(1).dropped).toBe(1);
      state.verdict = null;
      hub.publish(1, msg('BTCUSDT', 2));
      await hub.recheckAll();
      expect(s.sent.map((m) => [m.type, m.dropped])).toEqual([
        ['hello', 0],
        ['cycle', 1],
      ]);
    });
  });
});
