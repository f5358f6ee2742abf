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

/** Rewrites the normal answer body of one path (the rows of /api/v3/klines, a ticker): a venue serving bad data. */
export type Tamper = (body: unknown, url: URL) => unknown;

type Pending =
  | { kind: 'huge'; bytes: number; declareLength: boolean }
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
  private readonly tampers = new Map<string, Tamper>();
  /** Bytes of huge bodies actually written before the client hung up (what a streaming cap must keep small). */
  hugeBytesWritten = 0;

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

  /**
   * The next request answers 200 with a body `bytes` long (spaces), streamed in 64 KiB chunks as fast as the
   * client reads; with `declareLength` the Content-Length header announces the size up front.
   */
  hugeBodyNext(bytes: number, declareLength = false): this {
    this.queue.push({ kind: 'huge', bytes, declareLength });
    return this;
  }

  /** Every later answer on `path` goes through `tamper` until reset (faults queued above still win). */
  tamper(path: string, tamper: Tamper): this {
    this.tampers.set(path, tamper);
    return this;
  }

  /** @internal The answer body after any tamper set for the path. */
  tampered(url: URL, body: unknown): unknown {
    const tamper = this.tampers.get(url.pathname);
    return tamper ? tamper(body, url) : body;
  }

  /** Clears queued faults, tampers, latency and counters. */
  reset(): void {
    this.queue.length = 0;
    this.counts.clear();
    this.tampers.clear();
    this.latencyMs = 0;
    this.hugeBytesWritten = 0;
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
      case 'huge':
        await this.streamHuge(res, fault.bytes, fault.declareLength);
        return true;
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

  private async streamHuge(res: ServerResponse, bytes: number, declareLength: boolean): Promise<void> {
    await streamHugeBody(res, bytes, declareLength, (n) => {
      this.hugeBytesWritten += n;
    });
  }
}

/**
 * Answers 200 with `bytes` of JSON-typed padding, written as fast as the client reads and stopped when it hangs
 * up; `onWritten` counts what actually went out (what a streaming cap must keep small).
 */
export async function streamHugeBody(
  res: ServerResponse,
  bytes: number,
  declareLength: boolean,
  onWritten: (n: number) => void = () => {},
): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(bytes) } : {}) });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let closed = false;
  const hungUp = new Promise((resolve) =>
    res.once('close', () => {
      closed = true;
      resolve(undefined);
    }),
  );
  let left = bytes;
  while (left > 0 && !closed) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    left -= piece.length;
    onWritten(piece.length);
    if (!res.write(piece)) await Promise.race([new Promise((resolve) => res.once('drain', resolve)), hungUp]);
  }
  if (!closed) res.end();
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
