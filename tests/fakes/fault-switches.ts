import type { ServerResponse } from 'node:http';

/** A JSON reply a fake sends: status, body (already serialised or an object) and extra headers. */
export interface FakeReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** How one venue words its fault answers (Binance `{code,msg}`, Bybit `{retCode,retMsg}`, Yahoo `{chart:{error}}`). */
export interface FaultBodies {
  readonly serverError: (status: number) => unknown;
  readonly rateLimited: unknown;
  readonly banned: unknown;
}

type Pending =
  | { kind: 'fail'; status: number }
  | { kind: 'rateLimit'; retryAfterS: number }
  | { kind: 'ban'; retryAfterS: number }
  | { kind: 'malformed'; shape: 'json' | 'shape' }
  | { kind: 'hang' }
  | { kind: 'reply'; reply: FakeReply };

/**
 * Fault switches shared by every fake venue. Each `...Next(n)` queues n faulty answers; the next n requests
 * (any path) get them in order, then the fake answers normally again. Counters record requests per path,
 * faults included.
 */
export class FaultSwitches {
  /** Added before every answer (ms). */
  latencyMs = 0;
  private readonly queue: Pending[] = [];
  private readonly counts = new Map<string, number>();

  constructor(private readonly bodies: FaultBodies) {}

  /** The next n requests answer `status` (5xx by default: 500). */
  failNext(n: number, status = 500): this {
    for (let i = 0; i < n; i++) this.queue.push({ kind: 'fail', status });
    return this;
  }

  /** The next n requests answer 429 with `Retry-After: retryAfterS` and the venue's rate-limit body. */
  rateLimitNext(n: number, retryAfterS = 1): this {
    for (let i = 0; i < n; i++) this.queue.push({ kind: 'rateLimit', retryAfterS });
    return this;
  }

  /** The next request answers 418 (IP banned) with Retry-After. */
  banNext(retryAfterS = 120): this {
    this.queue.push({ kind: 'ban', retryAfterS });
    return this;
  }

  /** The next n requests answer 200 with a body that is not JSON (`json`) or JSON of the wrong shape (`shape`). */
  malformedNext(n: number, shape: 'json' | 'shape' = 'json'): this {
    for (let i = 0; i < n; i++) this.queue.push({ kind: 'malformed', shape });
    return this;
  }

  /** The next n requests are never answered (the client must time out). */
  hangNext(n: number): this {
    for (let i = 0; i < n; i++) this.queue.push({ kind: 'hang' });
    return this;
  }

  /** The next n requests get exactly `reply` (venue-specific errors such as Bybit's HTTP 200 retCode 10006). */
  replyNext(n: number, reply: FakeReply): this {
    for (let i = 0; i < n; i++) this.queue.push({ kind: 'reply', reply });
    return this;
  }

  /** Clears queued faults, latency and counters. */
  reset(): void {
    this.queue.length = 0;
    this.counts.clear();
    this.latencyMs = 0;
  }

  /** Requests seen on `path` (e.g. `/api/v3/klines`), or on every path when omitted. */
  requests(path?: string): number {
    if (path !== undefined) return this.counts.get(path) ?? 0;
    let total = 0;
    for (const n of this.counts.values()) total += n;
    return total;
  }

  /** Faults still queued. */
  get pending(): number {
    return this.queue.length;
  }

  /** @internal Counts the request and answers the next queued fault; true when it consumed the request. */
  async intercept(path: string, res: ServerResponse): Promise<boolean> {
    this.counts.set(path, (this.counts.get(path) ?? 0) + 1);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const fault = this.queue.shift();
    if (!fault) return false;
    switch (fault.kind) {
      case 'hang':
        return true; // leave the response open; the server's close() destroys the socket
      case 'fail':
        sendJson(res, { status: fault.status, body: this.bodies.serverError(fault.status) });
        return true;
      case 'rateLimit':
        sendJson(res, { status: 429, body: this.bodies.rateLimited, headers: { 'retry-after': String(fault.retryAfterS) } });
        return true;
      case 'ban':
        sendJson(res, { status: 418, body: this.bodies.banned, headers: { 'retry-after': String(fault.retryAfterS) } });
        return true;
      case 'reply':
        sendJson(res, fault.reply);
        return true;
      case 'malformed':
        if (fault.shape === 'json') sendRaw(res, 200, '{"truncated": [1, 2', 'application/json');
        else sendJson(res, { status: 200, body: { unexpected: true, list: 'not-a-list' } });
        return true;
    }
  }
}

export function sendJson(res: ServerResponse, reply: FakeReply): void {
  sendRaw(res, reply.status, typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body), 'application/json', reply.headers);
}

function sendRaw(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
