import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamHugeBody } from './fault-switches.js';

export interface FakeTelegramMessage {
  readonly chat_id: string;
  readonly text: string;
  readonly parse_mode?: string;
}

export type FakeTelegramFault =
  | { readonly kind: 'tooMany'; readonly retryAfterS: number }
  | { readonly kind: 'serverError' }
  | { readonly kind: 'badRequest'; readonly description: string }
  /** Never answers (the connection stays open until the fake closes). */
  | { readonly kind: 'hang' }
  /** 200 with this many bytes of padding, streamed until the client hangs up. */
  | { readonly kind: 'huge'; readonly bytes: number };

export interface RunningFakeTelegram {
  /** Base URL to use as TELEGRAM_BASE_URL. */
  readonly url: string;
  /** Messages accepted, in order. */
  readonly messages: FakeTelegramMessage[];
  /** Requests seen, faults included. */
  requests: number;
  /** Bytes of huge answers actually written before the client hung up. */
  readonly hugeBytesWritten: number;
  fail(...faults: FakeTelegramFault[]): void;
  /** Drops queued faults not used yet. */
  clearFaults(): void;
  close(): Promise<void>;
}

const ALLOWED_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'code', 'pre', 'a', 'tg-spoiler', 'blockquote']);

/**
 * A local Telegram Bot API (`POST /bot<token>/sendMessage`) that checks what the real one checks for HTML
 * messages: the token, the chat id, at most 4,096 characters, only supported tags, balanced, and entities
 * (`&lt;` `&gt;` `&amp;` `&quot;` and numeric ones). Faults answer like Telegram: 429 with `Retry-After` and
 * `parameters.retry_after`, 500, 400 with a description; and a hung or flooding server.
 */
export async function startFakeTelegram(opts: { token: string; chatId: string }): Promise<RunningFakeTelegram> {
  const faults: FakeTelegramFault[] = [];
  const state = {
    messages: [] as FakeTelegramMessage[],
    requests: 0,
    hugeBytesWritten: 0,
  };
  const server = createServer((req, res) => {
    void handle(req, res);
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    state.requests++;
    const match = /^\/bot([^/]+)\/sendMessage$/.exec(req.url ?? '');
    if (!match || req.method !== 'POST') return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (match[1] !== opts.token) return send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const fault = faults.shift();
    if (fault?.kind === 'tooMany') {
      return send(
        res,
        429,
        {
          ok: false,
          error_code: 429,
          description: `Too Many Requests: retry after ${fault.retryAfterS}`,
          parameters: { retry_after: fault.retryAfterS },
        },
        { 'retry-after': String(fault.retryAfterS) },
      );
    }
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'huge') {
      await streamHugeBody(res, fault.bytes, false, (n) => {
        state.hugeBytesWritten += n;
      });
      return;
    }
    if (fault?.kind === 'serverError') return send(res, 500, { ok: false, error_code: 500, description: 'Internal Server Error' });
    if (fault?.kind === 'badRequest') return send(res, 400, { ok: false, error_code: 400, description: fault.description });
    let body: FakeTelegramMessage;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid JSON' });
    }
    if (String(body.chat_id) !== opts.chatId)
      return send(res, 400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' });
    if (!body.text) return send(res, 400, { ok: false, error_code: 400, description: 'Bad Request: message text is empty' });
    if (body.text.length > 4096) return send(res, 400, { ok: false, error_code: 400, description: 'Bad Request: message is too long' });
    if (body.parse_mode === 'HTML') {
      const problem = htmlProblem(body.text);
      if (problem) return send(res, 400, { ok: false, error_code: 400, description: `Bad Request: can't parse entities: ${problem}` });
    }
    state.messages.push(body);
    send(res, 200, {
      ok: true,
      result: { message_id: state.messages.length, date: 1_700_000_000, chat: { id: Number(opts.chatId) }, text: body.text },
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages: state.messages,
    get requests() {
      return state.requests;
    },
    set requests(n: number) {
      state.requests = n;
    },
    get hugeBytesWritten() {
      return state.hugeBytesWritten;
    },
    fail: (...f) => faults.push(...f),
    clearFaults: () => {
      faults.length = 0;
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
  res.end(JSON.stringify(body));
}

/** The first reason Telegram would refuse this HTML, or null. */
export function htmlProblem(text: string): string | null {
  const stack: string[] = [];
  const token = /<(\/?)([a-z-]+)(\s[^<>]*)?>|<|&(#\d+|#x[0-9a-f]+|[a-z]+);|&/gi;
  for (let m = token.exec(text); m !== null; m = token.exec(text)) {
    const whole = m[0];
    if (whole === '<') return `unexpected "<" at ${m.index}`;
    if (whole === '&') return `unescaped "&" at ${m.index}`;
    if (whole.startsWith('&')) {
      const name = m[4];
      if (!name.startsWith('#') && !['lt', 'gt', 'amp', 'quot'].includes(name)) return `unsupported entity ${whole}`;
      continue;
    }
    const tag = m[2].toLowerCase();
    if (!ALLOWED_TAGS.has(tag)) return `unsupported start tag "${tag}" at ${m.index}`;
    if (m[1] === '/') {
      if (stack.pop() !== tag) return `unmatched end tag "${tag}" at ${m.index}`;
    } else {
      stack.push(tag);
    }
  }
  if (text.replace(/<[^<>]*>/g, '').includes('>')) return 'unescaped ">"';
  return stack.length > 0 ? `unclosed tag "${stack[stack.length - 1]}"` : null;
}
