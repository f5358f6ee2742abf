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

/**
 * Small fetch wrapper every external call goes through: a timeout per attempt, bounded retries with
 * exponential backoff and jitter on network errors, timeouts and 5xx, 429 honouring Retry-After, and 418
 * (IP ban) failing at once because retrying would extend the ban.
 */
export class HttpClient {
  private readonly opts: Required<Omit<HttpClientOptions, 'headers'>> & { headers: Readonly<Record<string, string>> };

  constructor(options: HttpClientOptions) {
    this.opts = {
      backoffMs: 200,
      maxBackoffMs: 5_000,
      maxRetryAfterMs: 30_000,
      unavailableCode: 'MARKET_DATA_UNAVAILABLE',
      headers: {},
      sleep,
      ...options,
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
   * @throws ConclaveError `unavailableCode` after retries are spent, RATE_LIMITED when Retry-After is too
   * long, VENUE_BANNED on 418.
   */
  async request(path: string, req: HttpRequest = {}): Promise<HttpResponse> {
    const { name, retries, timeoutMs, unavailableCode } = this.opts;
    const url = this.url(path, req.query);
    let lastProblem = '';
    for (let attempt = 0; attempt <= retries; attempt++) {
      let response: Response;
      let text: string;
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
          signal: AbortSignal.timeout(timeoutMs),
        });
        text = await response.text();
      } catch (error) {
        lastProblem = isTimeout(error) ? `timed out after ${timeoutMs} ms` : `network error: ${(error as Error).message}`;
        if (attempt < retries) await this.opts.sleep(this.backoff(attempt));
        continue;
      }
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
        if (waitMs > this.opts.maxRetryAfterMs || attempt >= retries) {
          throw new ConclaveError('RATE_LIMITED', `${name}: ${lastProblem}`, { venue: name, retry_after_ms: waitMs });
        }
        await this.opts.sleep(waitMs);
        continue;
      }
      if (response.status >= 500) {
        lastProblem = `HTTP ${response.status}`;
        if (attempt < retries) await this.opts.sleep(this.backoff(attempt));
        continue;
      }
      return { status: response.status, headers: response.headers, text, json: parseJson(text) };
    }
    throw new ConclaveError(
      unavailableCode,
      `${name} unavailable at ${this.opts.baseUrl}: ${lastProblem} (after ${retries + 1} attempts)`,
      {
        venue: name,
        attempts: retries + 1,
      },
    );
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.opts.maxBackoffMs, this.opts.backoffMs * 2 ** attempt);
    return base / 2 + Math.random() * (base / 2);
  }
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
