import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamHugeBody } from './fault-switches.js';

/** One request the fake received (the parsed chat completion body and its auth header). */
export interface FakeLlmRequest {
  readonly authorization: string | undefined;
  readonly body: { model?: string; messages?: Array<{ role: string; content: string }>; response_format?: unknown };
}

/** What the fake answers to the next request. */
export type FakeLlmReply =
  | { readonly kind: 'content'; readonly content: string }
  | { readonly kind: 'status'; readonly status: number; readonly body: unknown; readonly headers?: Record<string, string> }
  | { readonly kind: 'hang' }
  /** 200 with this many bytes of padding, streamed until the client hangs up. */
  | { readonly kind: 'huge'; readonly bytes: number };

export interface RunningFakeLlm {
  readonly url: string;
  readonly requests: FakeLlmRequest[];
  /** Bytes of huge answers actually written before the client hung up. */
  readonly hugeBytesWritten: () => number;
  /** Queues replies for the next requests, in order; afterwards `respond` answers. */
  queue(...replies: FakeLlmReply[]): void;
  /** Drops queued replies not used yet. */
  clearQueue(): void;
  close(): Promise<void>;
}

/**
 * A local OpenAI-compatible chat completions server (`POST /v1/chat/completions`). By default it answers like a
 * well-behaved model: a ranking (symbols in reverse alphabetical order, so it differs from the deterministic
 * order) for scanner prompts, a BUY vote for decision prompts. Queued replies inject invalid JSON, 429, 5xx
 * hangs and floods. Usage is reported as 100 prompt + 20 completion tokens per answer.
 */
export async function startFakeLlm(opts: { respond?: (req: FakeLlmRequest) => string; model?: string } = {}): Promise<RunningFakeLlm> {
  const requests: FakeLlmRequest[] = [];
  const pending: FakeLlmReply[] = [];
  const model = opts.model ?? 'fake-qwen';
  const respond = opts.respond ?? defaultRespond;
  let hugeBytes = 0;
  const server = createServer((req, res) => {
    void handle(req, res);
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      send(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
      return;
    }
    let body: FakeLlmRequest['body'];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      send(res, 400, { error: { message: 'body is not JSON' } });
      return;
    }
    const request = { authorization: req.headers.authorization, body };
    requests.push(request);
    const reply = pending.shift() ?? { kind: 'content', content: respond(request) };
    if (reply.kind === 'hang') return;
    if (reply.kind === 'huge') {
      await streamHugeBody(res, reply.bytes, false, (n) => {
        hugeBytes += n;
      });
      return;
    }
    if (reply.kind === 'status') {
      send(res, reply.status, reply.body, reply.headers);
      return;
    }
    send(res, 200, {
      id: `chatcmpl-${requests.length}`,
      object: 'chat.completion',
      created: 1_700_000_000,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: reply.content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    hugeBytesWritten: () => hugeBytes,
    queue: (...replies) => pending.push(...replies),
    clearQueue: () => {
      pending.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Scanner prompts carry `Setups (JSON):`; anything else is treated as a vote request. */
export function defaultRespond(req: FakeLlmRequest): string {
  const user = req.body.messages?.find((m) => m.role === 'user')?.content ?? '';
  const marker = 'Setups (JSON):\n';
  if (user.includes(marker)) {
    const setups = JSON.parse(user.slice(user.indexOf(marker) + marker.length)) as Array<{ symbol: string; rr: number }>;
    const ranking = setups
      .map((s) => s.symbol)
      .sort()
      .reverse()
      .map((symbol) => ({ symbol, rationale: `Fake analyst: ${symbol} <setup> & levels look consistent.` }));
    return JSON.stringify({ ranking, summary: 'Fake summary: few clean setups.' });
  }
  return JSON.stringify({ action: 'BUY', confidence: 0.66, reason: 'Fake analyst: momentum turning up.' });
}
