import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WS_CLOSE_UNAUTHORIZED } from '../../src/api/ws-hub.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { type PlatformServer, startPlatformServer } from '../helpers/platform-server.js';
import { call, ScriptedModel } from '../helpers/scripted-model.js';

const SECRET = 'platform-ws-secret-0123456789';
const PASSWORD = 'correct horse battery';

interface Received {
  type: string;
  seq: number;
  dropped: number;
  data: Record<string, unknown>;
}

/** A WebSocket client that keeps every message and lets the test wait for a type without sleeping. */
class Client {
  readonly messages: Received[] = [];
  private waiters: Array<{ type: string; after: number; resolve: (m: Received) => void }> = [];

  /** The close code and reason the server sent. */
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as Received;
      this.messages.push(m);
      const index = this.messages.length - 1;
      this.waiters = this.waiters.filter((w) => {
        if (w.type !== m.type || index < w.after) return true;
        w.resolve(m);
        return false;
      });
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const client = new Client(ws);
      ws.on('open', () => resolve(client));
      ws.on('error', reject);
      ws.on('unexpected-response', (req, res) => {
        // ws leaves the refused request open for the listener to deal with; abort it or the server never closes.
        (req as { destroy(): void }).destroy();
        reject(new Error(`HTTP ${res.statusCode}`));
      });
    });
  }

  /** The next message of `type` at or after position `after` (default: from now on). */
  next(type: string, after = this.messages.length): Promise<Received> {
    const seen = this.messages.slice(after).find((m) => m.type === type);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ type, after, resolve }));
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Everything the server sent before this call has arrived once the pong does (one ordered TCP stream). */
  async barrier(): Promise<void> {
    const from = this.messages.length;
    this.send({ type: 'ping' });
    await this.next('pong', from);
  }
}

describe('WebSocket /ws through the real server', () => {
  let binance: RunningFake;
  let server: PlatformServer;
  const model = new ScriptedModel();
  const tokens: Record<string, string> = {};
  const wsUrl = () => `${server.url.replace(/^http/, 'ws')}/ws`;

  beforeAll(async () => {
    binance = await startFakeBinance({ symbols: ['BTCUSDT', 'ETHUSDT'], intervals: ['1h'] });
    server = await startPlatformServer(
      { BINANCE_BASE_URL: binance.url, KLINE_INTERVAL: '1h', JWT_SECRET: SECRET },
      { now: binance.control.now(), model },
    );
    for (const name of ['alice', 'bob']) {
      await call(server.url, 'POST', '/api/auth/register', { body: { username: name, email: `${name}@example.com`, password: PASSWORD } });
      tokens[name] = (
        await call(server.url, 'POST', '/api/auth/login', { body: { username: name, password: PASSWORD } })
      ).body.access_token;
    }
  });
  afterAll(async () => {
    await server?.close();
    await binance?.close();
  });

  it('connects, subscribes, runs cycles and receives their messages in order, only for its user and symbols', async () => {
    const alice = await Client.open(wsUrl(), { authorization: `Bearer ${tokens.alice}` });
    const hello = await alice.next('hello', 0);
    expect(hello.seq).toBe(1);
    const meId = (await call(server.url, 'GET', '/api/auth/me', { token: tokens.alice })).body.id;
    expect(hello.data.user_id).toBe(meId);

    alice.send({ type: 'subscribe', symbols: ['btc'] });
    expect((await alice.next('subscribed', 0)).data.symbols).toEqual(['BTCUSDT']);

    const run = async (token: string, symbol: string, action: 'BUY' | 'SELL' | 'HOLD') => {
      model.next = action;
      const res = await call(server.url, 'POST', `/trading/run-cycle?symbol=${symbol}`, { token });
      expect(res.status).toBe(200);
      return res.body as { cycle_id: number; execution: { status: string; order_id: string | null } };
    };
    const start = alice.messages.length;
    await run(tokens.alice, 'ETHUSDT', 'BUY'); // not subscribed
    await run(tokens.bob, 'BTCUSDT', 'BUY'); // another user
    const buy = await run(tokens.alice, 'BTCUSDT', 'BUY');
    const hold = await run(tokens.alice, 'BTCUSDT', 'HOLD');
    expect(buy.execution.status).toBe('FILLED');
    await alice.barrier();

    // A venue's feed state (its first read here) goes to every user; performance-feeds-http.test.ts covers it.
    const got = alice.messages.slice(start).filter((m) => m.type !== 'pong' && m.type !== 'feed');
    expect(got.map((m) => m.type)).toEqual([
      // ETHUSDT and bob's cycle: only the symbol-less agent status reaches alice, and only for her own cycles.
      'agent_status',
      'cycle',
      'decision',
      'fill',
      'equity',
      'agent_status',
      'cycle',
      'decision',
      'equity',
      'agent_status',
    ]);
    // seq numbers count every message to this client, without gaps (nothing dropped).
    const seqs = alice.messages.map((m) => m.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(alice.messages.every((m) => m.dropped === 0)).toBe(true);

    const cycles = got.filter((m) => m.type === 'cycle');
    expect(cycles.map((m) => m.data.cycle_id)).toEqual([buy.cycle_id, hold.cycle_id]);
    expect(cycles.map((m) => m.data.status)).toEqual(['FILLED', 'SKIPPED']);
    const fill = got.find((m) => m.type === 'fill');
    expect(fill?.data).toMatchObject({ cycle_id: buy.cycle_id, order_id: buy.execution.order_id, symbol: 'BTCUSDT', side: 'BUY' });
    const decisions = got.filter((m) => m.type === 'decision');
    expect(decisions.map((m) => m.data.action)).toEqual(['BUY', 'HOLD']);
    const status = got[got.length - 1].data.agents as Array<{ name: string; runs: number }>;
    expect(status.map((a) => a.name)).toEqual(expect.arrayContaining(['market-monitor', 'decision-maker', 'execution']));

    // Unsubscribing from everything goes back to all symbols.
    const before = alice.messages.length;
    alice.send({ type: 'unsubscribe' });
    expect((await alice.next('subscribed', before)).data.symbols).toBeNull();
    const from = alice.messages.length;
    const eth = await run(tokens.alice, 'ETHUSDT', 'HOLD');
    const cycle = await alice.next('cycle', from);
    expect(cycle.data).toMatchObject({ cycle_id: eth.cycle_id, symbol: 'ETHUSDT' });
    alice.ws.close();
  });

  it('streams monitoring status changes to the user', async () => {
    const alice = await Client.open(`${wsUrl()}?access_token=${tokens.alice}`);
    await alice.next('hello', 0);
    const from = alice.messages.length;
    await call(server.url, 'POST', '/api/agents/market-monitor', { token: tokens.alice, body: { action: 'start', interval: '1h' } });
    const status = await alice.next('agent_status', from);
    expect(status.data.monitoring).toMatchObject({ running: true, interval: '1h' });
    alice.ws.close();
  });

  it('answers a malformed client message with an error and keeps the connection', async () => {
    const alice = await Client.open(wsUrl(), { authorization: `Bearer ${tokens.alice}` });
    alice.send({ type: 'subscribe' });
    expect((await alice.next('error', 0)).data.code).toBe('VALIDATION_ERROR');
    const before = alice.messages.length;
    alice.send({ type: 'subscribe', symbols: ['USDT'] });
    expect((await alice.next('error', before)).data.code).toBe('UNKNOWN_SYMBOL');
    await alice.barrier();
    alice.ws.close();
  });

  // Issue 11: an open socket of a user who is deleted, or whose tokens are revoked, is closed and gets nothing more.
  it('closes the socket of a deleted user (4401, reason) instead of answering it', async () => {
    await call(server.url, 'POST', '/api/auth/register', { body: { username: 'carol', email: 'carol@example.com', password: PASSWORD } });
    const token = (await call(server.url, 'POST', '/api/auth/login', { body: { username: 'carol', password: PASSWORD } })).body
      .access_token;
    const carol = await Client.open(wsUrl(), { authorization: `Bearer ${token}` });
    const id = (await carol.next('hello', 0)).data.user_id as number;
    await carol.barrier();
    const seen = carol.messages.length;
    await server.runtime.store.users.delete(id);
    carol.send({ type: 'ping' });
    expect(await carol.closed).toEqual({ code: WS_CLOSE_UNAUTHORIZED, reason: `token: user ${id} no longer exists` });
    expect(carol.messages).toHaveLength(seen);
  });

  it('closes the socket whose tokens were revoked before it gets the events of a cycle', async () => {
    await call(server.url, 'POST', '/api/auth/register', { body: { username: 'dave', email: 'dave@example.com', password: PASSWORD } });
    const token = (await call(server.url, 'POST', '/api/auth/login', { body: { username: 'dave', password: PASSWORD } })).body.access_token;
    const dave = await Client.open(`${wsUrl()}?access_token=${token}`);
    const id = (await dave.next('hello', 0)).data.user_id as number;
    model.next = 'HOLD';
    await call(server.url, 'POST', '/trading/run-cycle?symbol=BTCUSDT', { token });
    await dave.next('cycle', 0);
    const seen = dave.messages.length;
    await server.runtime.store.users.revokeTokens(id);
    // The schedule would run the account's cycles as before: only its sockets lose the right to see them.
    await server.runtime.engine.runCycle('BTCUSDT', { userId: id });
    const closed = await dave.closed;
    expect(closed.code).toBe(WS_CLOSE_UNAUTHORIZED);
    expect(closed.reason).toMatch(/^token: revoked/);
    expect(dave.messages).toHaveLength(seen);
  });

  it('refuses a tampered token at the upgrade with 401', async () => {
    const [h, p, s] = tokens.alice.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: '999' })).toString('base64url')}.${s}`;
    await expect(Client.open(wsUrl(), { authorization: `Bearer ${tampered}` })).rejects.toThrow('HTTP 401');
    await expect(Client.open(`${wsUrl()}?access_token=${tampered}`)).rejects.toThrow('HTTP 401');
  });
});

describe('WebSocket /ws off loopback', () => {
  let binance: RunningFake;
  let server: PlatformServer;

  beforeAll(async () => {
    binance = await startFakeBinance({ symbols: ['BTCUSDT'], intervals: ['1h'] });
    server = await startPlatformServer(
      { BINANCE_BASE_URL: binance.url, KLINE_INTERVAL: '1h', HOST: '0.0.0.0', JWT_SECRET: SECRET },
      { now: binance.control.now(), model: new ScriptedModel() },
    );
  });
  afterAll(async () => {
    await server?.close();
    await binance?.close();
  });

  it('needs a token to connect', async () => {
    const url = `${server.url.replace(/^http/, 'ws')}/ws`;
    await expect(Client.open(url)).rejects.toThrow('HTTP 401');
    await call(server.url, 'POST', '/api/auth/register', { body: { username: 'zed', email: 'zed@example.com', password: PASSWORD } });
    const token = (await call(server.url, 'POST', '/api/auth/login', { body: { username: 'zed', password: PASSWORD } })).body.access_token;
    const client = await Client.open(`${url}?access_token=${token}`);
    expect((await client.next('hello', 0)).type).toBe('hello');
    client.ws.close();
  });
});
