import type { CycleOutcome } from '../engine/trading-engine.js';
import type { MarketHaltEvent } from '../market/market-halts.js';

/** The slice of a WebSocket the hub needs (the `ws` package's socket fits). */
export interface LiveSocket {
  readonly readyState: number;
  /** Bytes queued in user space and not yet handed to the kernel. */
  readonly bufferedAmount: number;
  send(data: string): void;
}

const OPEN = 1;

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
}

interface Client {
  readonly socket: LiveSocket;
  readonly userId: number;
  /** null: every symbol. */
  symbols: Set<string> | null;
  seq: number;
  dropped: number;
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

  constructor(private readonly options: HubOptions) {
    this.maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  }

  /** Registers a socket; returns its handle for subscribe/unsubscribe/remove. */
  add(socket: LiveSocket, userId: number): Client {
    const client: Client = { socket, userId, symbols: null, seq: 0, dropped: 0 };
    this.clients.add(client);
    this.sendTo(client, { type: 'hello', data: { user_id: userId, symbols: null } });
    return client;
  }

  remove(client: Client): void {
    this.clients.delete(client);
  }

  /** Restricts the client to `symbols` (added to any earlier subscription). */
  subscribe(client: Client, symbols: readonly string[]): void {
    client.symbols ??= new Set();
    for (const s of symbols) client.symbols.add(s);
    this.sendTo(client, { type: 'subscribed', data: { symbols: [...client.symbols] } });
  }

  /** Removes symbols; with none given, goes back to every symbol. */
  unsubscribe(client: Client, symbols?: readonly string[]): void {
    if (!symbols || symbols.length === 0) client.symbols = null;
    else for (const s of symbols) client.symbols?.delete(s);
    this.sendTo(client, { type: 'subscribed', data: { symbols: client.symbols ? [...client.symbols] : null } });
  }

  reply(client: Client, message: LiveMessage): void {
    this.sendTo(client, message);
  }

  /** The messages of one saved cycle, in order: cycle, decision, each fill, equity point, agent status. */
  publishCycle(outcome: CycleOutcome, agents: unknown): void {
    for (const message of cycleMessages(outcome, agents)) this.publish(outcome.userId, message);
  }

  /** Sends to every client of `userId` subscribed to the message's symbol. */
  publish(userId: number, message: LiveMessage): void {
    for (const client of this.clients) {
      if (client.userId !== userId) continue;
      if (message.symbol !== undefined && client.symbols !== null && !client.symbols.has(message.symbol)) continue;
      this.sendTo(client, message);
    }
  }

  /** Sends to every client of every user subscribed to the message's symbol (market events are not per user). */
  broadcast(message: LiveMessage): void {
    for (const client of this.clients) {
      if (message.symbol !== undefined && client.symbols !== null && !client.symbols.has(message.symbol)) continue;
      this.sendTo(client, message);
    }
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
      client.dropped += 1;
      this.droppedTotal += 1;
      this.droppedByUser.set(client.userId, (this.droppedByUser.get(client.userId) ?? 0) + 1);
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
