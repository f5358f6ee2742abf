import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConclaveError, type ErrorCode } from '../domain/errors.js';

export interface HttpClientOptions {
  /** Name used in error messages (`binance`, `telegram`, ...). */
  readonly name: string;
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Retries after a timeout, network error, 5xx or 429; 0 = one attempt. */
  readonly retries: number;
  /** First backoff; doubles per retry, with jitter. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** A 429 asking to wait longer than this fails at once with RATE_LIMITED instead of sleeping. */
  readonly maxRetryAfterMs?: number;
  /** Error code for "could not get an answer" (MARKET_DATA_UNAVAILABLE for venues, LLM_UNAVAILABLE, ...). */
  readonly unavailableCode?: ErrorCode;
  /**
   * Total budget of one request in ms: every attempt, backoff and Retry-After wait fits inside it. A wait that
   * would overrun it fails at once with `unavailableCode`. Default: no total budget (per-attempt timeouts only).
   */
  readonly deadlineMs?: number;
  /** Largest body read, in bytes; a longer one is cut off mid-stream and fails with `invalidCode`. Default 8 MiB. */
  readonly maxResponseBytes?: number;
  /** Error code for a body over `maxResponseBytes` (MARKET_DATA_INVALID for venues); default `unavailableCode`. */
  readonly invalidCode?: ErrorCode;
  readonly headers?: Readonly<Record<string, string>>;
  /** Injected for tests; defaults to timers/promises setTimeout. */
  readonly sleep?: (ms: number) => Promise<unknown>;
}

export interface HttpRequest {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A completed exchange with a status below 500 (and not 429/418): the caller decides what 4xx means. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
const DEFAULT_MAX_RETRY_AFTER_MS = 30_000;

/**
 * A total deadline for a client configured only per attempt: every attempt's timeout back to back plus one
 * longest Retry-After wait, so it bounds a hung server without cutting short what the retries allow.
 */
export function defaultDeadlineMs(timeoutMs: number, retries: number): number {
  return timeoutMs * (retries + 1) + DEFAULT_MAX_RETRY_AFTER_MS;
}

/**
 * Small fetch wrapper every external call goes through: a timeout per attempt inside an optional total
 * deadline, bounded retries with exponential backoff and jitter on network errors, timeouts and 5xx, 429
 * honouring Retry-After, 418 (IP ban) failing at once because retrying would extend the ban, and bodies read as
 * a stream with a byte cap so a hostile answer cannot make the process buffer it.
 */
export class HttpClient {
  private readonly opts: Required<Omit<HttpClientOptions, 'headers' | 'invalidCode'>> & {
    headers: Readonly<Record<string, string>>;
    invalidCode: ErrorCode;
  };

  constructor(options: HttpClientOptions) {
    this.opts = {
      backoffMs: 200,
      maxBackoffMs: 5_000,
      maxRetryAfterMs: DEFAULT_MAX_RETRY_AFTER_MS,
      unavailableCode: 'MARKET_DATA_UNAVAILABLE',
      deadlineMs: Number.POSITIVE_INFINITY,
      maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
      headers: {},
      sleep,
      ...options,
      invalidCode: options.invalidCode ?? options.unavailableCode ?? 'MARKET_DATA_UNAVAILABLE',
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
    };
  }

  get baseUrl(): string {
    return this.opts.baseUrl;
  }

  url(path: string, query?: HttpRequest['query']): string {
    const url = new URL(this.opts.baseUrl + path);
    if (query) {
      for (const [key, value] of Object.entries(query)) {
        if (value !== undefined) url.searchParams.set(key, String(value));
      }
    }
    return url.toString();
  }

  /**
   * @throws ConclaveError `unavailableCode` after retries are spent or when the deadline (or a Retry-After
   * beyond it) ends the request, RATE_LIMITED when Retry-After is too long, VENUE_BANNED on 418, `invalidCode`
   * when the body exceeds maxResponseBytes.
   */
  async request(path: string, req: HttpRequest = {}): Promise<HttpResponse> {
    const { name, retries, timeoutMs, unavailableCode, deadlineMs } = this.opts;
    const url = this.url(path, req.query);
    // Time spent is counted as measured request time plus the waits asked of `sleep`, so an injected sleep
    // that returns at once still uses up the budget it was asked to wait.
    let spentMs = 0;
    const remaining = () => deadlineMs - spentMs;
    const wait = async (ms: number) => {
      spentMs += ms;
      await this.opts.sleep(ms);
    };
    let lastProblem = '';
    let attempts = 0;
    let reason: UnreachableReason = 'http_5xx';
    for (let attempt = 0; attempt <= retries; attempt++) {
      const budget = Math.min(timeoutMs, remaining());
      if (budget <= 0) break;
      attempts++;
      let response: Response;
      let text: string;
      const started = performance.now();
      try {
        response = await fetch(url, {
          method: req.method ?? 'GET',
          headers: {
            accept: 'application/json',
            ...this.opts.headers,
            ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...req.headers,
          },
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
          signal: AbortSignal.timeout(budget),
        });
        text = await readCapped(response, this.opts.maxResponseBytes);
      } catch (error) {
        spentMs += performance.now() - started;
        if (error instanceof BodyTooLarge) {
          throw new ConclaveError(
            this.opts.invalidCode,
            `${name} ${path}: body larger than ${error.limit} bytes (${error.seen === null ? 'read' : 'declared'} ${error.seen ?? `> ${error.limit}`}); reading stopped`,
            { venue: name, reason: 'RESPONSE_TOO_LARGE', max_bytes: error.limit },
          );
        }
        const why = unreachableReason(error);
        reason = why;
        lastProblem = why === 'timeout' ? `timed out after ${Math.round(budget)} ms` : `${REASON_TEXT[why]}: ${networkDetail(error)}`;
        if (attempt < retries && !(await this.backoffWithin(attempt, remaining, wait))) break;
        continue;
      }
      spentMs += performance.now() - started;
      if (response.status === 418) {
        throw new ConclaveError(
          'VENUE_BANNED',
          `${name} banned this IP (HTTP 418); Retry-After ${response.headers.get('retry-after') ?? '?'} s`,
          {
            venue: name,
            retry_after_s: Number(response.headers.get('retry-after') ?? Number.NaN),
          },
        );
      }
      if (response.status === 429) {
        const waitMs = retryAfterMs(response.headers.get('retry-after')) ?? this.backoff(attempt);
        lastProblem = `rate limited (HTTP 429, Retry-After ${response.headers.get('retry-after') ?? 'absent'})`;
        if (waitMs >= remaining()) {
          throw new ConclaveError(
            unavailableCode,
            `${name}: ${lastProblem}; waiting ${Math.round(waitMs)} ms would pass the ${deadlineMs} ms deadline (${Math.max(0, Math.round(remaining()))} ms left)`,
            { venue: name, reason: 'RETRY_AFTER_BEYOND_DEADLINE', retry_after_ms: waitMs, deadline_ms: deadlineMs },
          );
        }
        if (waitMs > this.opts.maxRetryAfterMs || attempt >= retries) {
          throw new ConclaveError('RATE_LIMITED', `${name}: ${lastProblem}`, { venue: name, retry_after_ms: waitMs });
        }
        await wait(waitMs);
        continue;
      }
      if (response.status >= 500) {
        reason = 'http_5xx';
        lastProblem = `HTTP ${response.status}`;
        if (attempt < retries && !(await this.backoffWithin(attempt, remaining, wait))) break;
        continue;
      }
      return { status: response.status, headers: response.headers, text, json: parseJson(text) };
    }
    const outOfTime = remaining() <= 0 || attempts < retries + 1;
    throw new ConclaveError(
      unavailableCode,
      `${name} unavailable at ${this.opts.baseUrl}: ${lastProblem} (after ${attempts} attempt${attempts === 1 ? '' : 's'}${outOfTime ? `, ${deadlineMs} ms deadline reached` : ''})`,
      {
        venue: name,
        attempts,
        ...(outOfTime ? { reason: 'DEADLINE', deadline_ms: deadlineMs } : { reason }),
      },
    );
  }

  /** Sleeps the backoff of `attempt` when it leaves time for another attempt; false when the deadline forbids it. */
  private async backoffWithin(attempt: number, remaining: () => number, wait: (ms: number) => Promise<void>): Promise<boolean> {
    const ms = this.backoff(attempt);
    if (ms >= remaining()) return false;
    await wait(ms);
    return true;
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.opts.maxBackoffMs, this.opts.backoffMs * 2 ** attempt);
    return base / 2 + Math.random() * (base / 2);
  }
}

/** Thrown inside `request` by readCapped; turned into a ConclaveError there. */
class BodyTooLarge extends Error {
  constructor(
    readonly limit: number,
    /** Bytes declared by Content-Length, or null when the stream ran past the limit. */
    readonly seen: number | null,
  ) {
    super(`body larger than ${limit} bytes`);
  }
}

/**
 * The body as text, read chunk by chunk and abandoned (the connection is cancelled) as soon as it passes
 * `limit` bytes, so at most `limit` bytes plus one chunk are ever held.
 */
async function readCapped(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw new BodyTooLarge(limit, declared);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLarge(limit, null);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

/** Why a request got no answer: `details.reason` of the unavailable error, so callers can say what to fix. */
export type UnreachableReason = 'dns' | 'refused' | 'timeout' | 'network' | 'http_5xx';

const REASON_TEXT: Readonly<Record<Exclude<UnreachableReason, 'timeout' | 'http_5xx'>, string>> = {
  dns: 'DNS lookup failed',
  refused: 'connection refused',
  network: 'network error',
};

/** fetch (undici) reports the socket's error as `cause`; its code tells DNS from a refused or reset connection. */
function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

function unreachableReason(error: unknown): Exclude<UnreachableReason, 'http_5xx'> {
  if (isTimeout(error)) return 'timeout';
  const code = causeCode(error);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL') return 'dns';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return 'timeout';
  return 'network';
}

function networkDetail(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown } } | null)?.cause;
  return typeof cause?.message === 'string' ? cause.message : ((error as Error)?.message ?? String(error));
}

function isTimeout(error: unknown): boolean {
  return error instanceof DOMException ? error.name === 'TimeoutError' || error.name === 'AbortError' : false;
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
