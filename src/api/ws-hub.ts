import type { CycleOutcome } from '../engine/trading-engine.js';
import type { MarketHaltEvent } from '../market/market-halts.js';

/** The slice of a WebSocket the hub needs (the `ws` package's socket fits). */
export interface LiveSocket {
  readonly readyState: number;
  /** Bytes queued in user space and not yet handed to the kernel. */
  readonly bufferedAmount: number;
  send(data: string): void;
  /** Closes with a WebSocket close code and reason (the `ws` package's signature). */
  close(code?: number, reason?: string): void;
}

const OPEN = 1;

/** The close code of a socket whose access token stopped being valid (an application code, 4000-4999). */
export const WS_CLOSE_UNAUTHORIZED = 4401;

/**
 * Re-checks a client's access token against the user table: null while it is still good, else why it is not
 * (user deleted, tokens revoked, token expired). A throw (store unavailable) withholds messages without closing.
 */
export type AccessCheck = () => Promise<string | null>;

/** Every message the server sends on /ws: `{type, seq, ts, data}`; `seq` counts messages sent to this client. */
export type LiveMessageType =
  | 'hello'
  | 'subscribed'
  | 'cycle'
  | 'decision'
  | 'fill'
  | 'equity'
  | 'agent_status'
  | 'market_halt'
  | 'feed'
  | 'backtest.progress'
  | 'backtest.finished'
  | 'research.candidate_proposed'
  | 'research.challenger_started'
  | 'research.strategy_promoted'
  | 'research.strategy_retired'
  | 'research.progress'
  | 'research.finished'
  | 'error'
  | 'pong';

export interface LiveMessage {
  readonly type: LiveMessageType;
  /** The symbol the message is about; symbol-less messages (agent status) reach every subscriber. */
  readonly symbol?: string;
  readonly data: unknown;
}

export interface HubOptions {
  /** A client whose unsent bytes exceed this loses new messages until it catches up (default 1 MiB). */
  readonly maxBufferedBytes?: number;
  readonly now: () => number;
  /**
   * How often every token-authenticated client is re-checked even when nothing is sent to it, ms (default
   * 30,000; 0 = only before each send).
   */
  readonly recheckMs?: number;
}

interface Client {
  readonly socket: LiveSocket;
  readonly userId: number;
  /** null: every symbol. */
  symbols: Set<string> | null;
  seq: number;
  dropped: number;
  /** Absent for clients that connected without a token (the local user on loopback: it cannot be deleted). */
  readonly check?: AccessCheck;
  /** Sends to a checked client wait for its check and go out in order. */
  chain: Promise<void>;
  closed: boolean;
}

/**
 * Fans engine events out to WebSocket clients of the same user. Sending never waits: `send` only queues, and
 * a client whose queue is over the bound has messages dropped and counted (per client and in total), so a
 * slow reader cannot hold up a cycle or grow memory without limit. The next message it does receive says how
 * many it missed (`dropped`).
 */
export class LiveHub {
  private readonly clients = new Set<Client>();
  private droppedTotal = 0;
  private readonly droppedByUser = new Map<number, number>();
  private readonly maxBuffered: number;
  private readonly sweep: NodeJS.Timeout | null;

  constructor(private readonly options: HubOptions) {
    this.maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
    const every = options.recheckMs ?? 30_000;
    this.sweep = every > 0 ? setInterval(() => this.recheckAll(), every) : null;
    this.sweep?.unref();
  }

  /**
   * Registers a socket; returns its handle for subscribe/unsubscribe/remove. With `check`, every later message
   * to it waits for the check, and a failed check closes it (WS_CLOSE_UNAUTHORIZED) instead of sending: a
   * deleted user's or revoked token's socket gets nothing more.
   */
  add(socket: LiveSocket, userId: number, check?: AccessCheck): Client {
    const client: Client = { socket, userId, symbols: null, seq: 0, dropped: 0, check, chain: Promise.resolve(), closed: false };
    this.clients.add(client);
    // The upgrade request was authenticated a moment ago.
    this.sendTo(client, { type: 'hello', data: { user_id: userId, symbols: null } });
    return client;
  }

  remove(client: Client): void {
    client.closed = true;
    this.clients.delete(client);
  }

  /** Stops the periodic re-check (server shutdown). */
  close(): void {
    if (this.sweep) clearInterval(this.sweep);
  }

  /** Re-checks every token-authenticated client now; resolves when all checks are done. */
  async recheckAll(): Promise<void> {
    await Promise.all([...this.clients].filter((c) => c.check).map((c) => this.deliver(c, [])));
  }

  /** Restricts the client to `symbols` (added to any earlier subscription). */
  subscribe(client: Client, symbols: readonly string[]): void {
    client.symbols ??= new Set();
    for (const s of symbols) client.symbols.add(s);
    this.deliver(client, [{ type: 'subscribed', data: { symbols: [...client.symbols] } }]);
  }

  /** Removes symbols; with none given, goes back to every symbol. */
  unsubscribe(client: Client, symbols?: readonly string[]): void {
    if (!symbols || symbols.length === 0) client.symbols = null;
    else for (const s of symbols) client.symbols?.delete(s);
    this.deliver(client, [{ type: 'subscribed', data: { symbols: client.symbols ? [...client.symbols] : null } }]);
  }

  reply(client: Client, message: LiveMessage): void {
    this.deliver(client, [message]);
  }

  /** The messages of one saved cycle, in order: cycle, decision, each fill, equity point, agent status (one check per client). */
  publishCycle(outcome: CycleOutcome, agents: unknown): void {
    this.publishAll(outcome.userId, cycleMessages(outcome, agents));
  }

  /** Sends to every client of `userId` subscribed to the message's symbol. */
  publish(userId: number, message: LiveMessage): void {
    this.publishAll(userId, [message]);
  }

  /** Sends to every client of every user subscribed to the message's symbol (market events are not per user). */
  broadcast(message: LiveMessage): void {
    for (const client of this.clients) {
      if (wants(client, message)) this.deliver(client, [message]);
    }
  }

  private publishAll(userId: number, messages: readonly LiveMessage[]): void {
    for (const client of this.clients) {
      if (client.userId !== userId) continue;
      const mine = messages.filter((m) => wants(client, m));
      if (mine.length > 0) this.deliver(client, mine);
    }
  }

  /**
   * A client without a check gets the messages at once; a checked one after its check, in order with
   * everything sent to it before. Returns when they are sent (or withheld).
   */
  private deliver(client: Client, messages: readonly LiveMessage[]): Promise<void> {
    const check = client.check;
    if (!check) {
      for (const m of messages) this.sendTo(client, m);
      return Promise.resolve();
    }
    client.chain = client.chain.then(async () => {
      if (client.closed) return;
      let problem: string | null;
      try {
        problem = await check();
      } catch {
        // The user table did not answer: withhold (counted as dropped) rather than send unchecked or disconnect.
        this.countDropped(client, messages.length);
        return;
      }
      if (problem !== null) {
        this.revoke(client, problem);
        return;
      }
      for (const m of messages) this.sendTo(client, m);
    });
    return client.chain;
  }

  private revoke(client: Client, problem: string): void {
    this.remove(client);
    try {
      // A close reason is at most 123 bytes.
      client.socket.close(WS_CLOSE_UNAUTHORIZED, Buffer.from(problem).subarray(0, 120).toString());
    } catch {
      // Already closing.
    }
  }

  private countDropped(client: Client, n: number): void {
    if (n === 0) return;
    client.dropped += n;
    this.droppedTotal += n;
    this.droppedByUser.set(client.userId, (this.droppedByUser.get(client.userId) ?? 0) + n);
  }

  /** Connected clients and messages dropped since start: of `userId`'s clients only when given, else of all. */
  stats(userId?: number): { clients: number; dropped: number } {
    if (userId === undefined) return { clients: this.clients.size, dropped: this.droppedTotal };
    const mine = [...this.clients].filter((c) => c.userId === userId).length;
    return { clients: mine, dropped: this.droppedByUser.get(userId) ?? 0 };
  }

  private sendTo(client: Client, message: LiveMessage): void {
    if (client.socket.readyState !== OPEN) return;
    if (client.socket.bufferedAmount > this.maxBuffered) {
      this.countDropped(client, 1);
      return;
    }
    client.seq += 1;
    const body = {
      type: message.type,
      seq: client.seq,
      ts: new Date(this.options.now()).toISOString(),
      dropped: client.dropped,
      data: message.data,
    };
    try {
      client.socket.send(JSON.stringify(body));
    } catch {
      // A socket closing under us: the close handler removes it.
      this.clients.delete(client);
    }
  }
}

function wants(client: Client, message: LiveMessage): boolean {
  return message.symbol === undefined || client.symbols === null || client.symbols.has(message.symbol);
}

/** Snake_case JSON of a cycle's events, as documented in the OpenAPI description of /ws. */
export function cycleMessages(o: CycleOutcome, agents: unknown): LiveMessage[] {
  const report = o.decisionReport;
  const out: LiveMessage[] = [
    {
      type: 'cycle',
      symbol: o.symbol,
      data: {
        cycle_id: o.cycleId,
        symbol: o.symbol,
        protocol: o.protocol,
        started_at: iso(o.startedAt),
        finished_at: iso(o.finishedAt),
        price: o.snapshot.price,
        action: o.decision.action,
        status: report.status,
        reason: report.reason,
        settled: o.settled.map((s) => ({ cycle_id: s.decidedInCycle ?? null, order_id: s.orderId, status: s.status, reason: s.reason })),
      },
    },
    {
      type: 'decision',
      symbol: o.symbol,
      data: {
        cycle_id: o.cycleId,
        symbol: o.decision.symbol,
        action: o.decision.action,
        confidence: o.decision.confidence,
        reason: o.decision.reason,
        model_version: o.decision.modelVersion,
        strategy: o.decision.strategy,
      },
    },
  ];
  for (const f of o.fills) {
    out.push({
      type: 'fill',
      symbol: f.symbol,
      data: {
        cycle_id: o.cycleId,
        order_id: f.orderId,
        symbol: f.symbol,
        side: f.side,
        quantity: f.quantity,
        price: f.price,
        execution_price: f.executionPrice,
        fee: f.fee,
        time: iso(f.time),
      },
    });
  }
  const p = o.portfolio;
  out.push({
    type: 'equity',
    symbol: o.symbol,
    data: {
      cycle_id: o.cycleId,
      time: iso(p.time),
      equity: p.equity,
      cash: p.cash,
      realized_pnl: p.realizedPnl,
      unrealized_pnl: p.unrealizedPnl,
      fees_paid: p.feesPaid,
      positions: p.positions.length,
    },
  });
  out.push({ type: 'agent_status', data: { agents } });
  return out;
}

/** Snake_case JSON of a halt or release by the price-jump guard, as documented in the OpenAPI description of /ws. */
export function marketHaltMessage(e: MarketHaltEvent): LiveMessage {
  return {
    type: 'market_halt',
    symbol: e.symbol,
    data: {
      venue: e.venue,
      symbol: e.symbol,
      halted: e.halted,
      reason: e.reason,
      price: e.price,
      reference: e.reference,
      message: e.message,
      time: iso(e.at),
    },
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
