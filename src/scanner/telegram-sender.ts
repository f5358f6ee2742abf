import { z } from 'zod';
import { ConclaveError } from '../domain/errors.js';
import { defaultDeadlineMs, HttpClient } from '../net/http-client.js';

export interface TelegramSenderOptions {
  /** https://api.telegram.org (TELEGRAM_BASE_URL). */
  readonly baseUrl: string;
  readonly botToken: string;
  readonly chatId: string;
  /** Per attempt. */
  readonly timeoutMs: number;
  readonly retries: number;
  /** Total budget of one send, retries and Retry-After waits included; default: defaultDeadlineMs. */
  readonly deadlineMs?: number;
  /** Largest answer read, bytes (default 256 KiB); a longer one is cut off and fails with NOTIFIER_UNAVAILABLE. */
  readonly maxResponseBytes?: number;
  readonly sleep?: (ms: number) => Promise<unknown>;
  readonly backoffMs?: number;
}

/** sendMessage answers the message back (at most 4,096 characters plus entities): 256 KiB is far above that. */
export const DEFAULT_TELEGRAM_MAX_RESPONSE_BYTES = 256 * 1024;

const okSchema = z.looseObject({ ok: z.literal(true), result: z.looseObject({ message_id: z.number() }) });
const errorSchema = z.looseObject({ ok: z.literal(false), error_code: z.number().optional(), description: z.string().optional() });

/** Where a scan report goes when Telegram is configured; a fake in tests. */
export interface ReportNotifier {
  /** @throws ConclaveError NOTIFIER_UNAVAILABLE, RATE_LIMITED. */
  send(html: string): Promise<{ messageId: number }>;
}

/**
 * Telegram Bot API `sendMessage` in HTML parse mode through HttpClient: timeouts, retries with backoff on
 * 5xx and network errors, 429 waiting Retry-After (Telegram also states `parameters.retry_after` in the body;
 * the header is what is honoured). The bot token is part of the path and never appears in errors.
 */
export class TelegramSender implements ReportNotifier {
  private readonly http: HttpClient;

  constructor(private readonly options: TelegramSenderOptions) {
    if (!options.botToken || !options.chatId) {
      throw new ConclaveError('CONFIG_INVALID', 'Telegram sending needs TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID', {
        field: options.botToken ? 'TELEGRAM_CHAT_ID' : 'TELEGRAM_BOT_TOKEN',
      });
    }
    this.http = new HttpClient({
      name: 'telegram',
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      unavailableCode: 'NOTIFIER_UNAVAILABLE',
      deadlineMs: options.deadlineMs ?? defaultDeadlineMs(options.timeoutMs, options.retries),
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_TELEGRAM_MAX_RESPONSE_BYTES,
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
    });
  }

  /** @throws ConclaveError NOTIFIER_UNAVAILABLE (unreachable, 5xx after retries, rejected), RATE_LIMITED. */
  async send(html: string): Promise<{ messageId: number }> {
    const response = await this.http.request(`/bot${this.options.botToken}/sendMessage`, {
      method: 'POST',
      body: { chat_id: this.options.chatId, text: html, parse_mode: 'HTML', disable_web_page_preview: true },
    });
    const ok = okSchema.safeParse(response.json);
    if (response.status === 200 && ok.success) return { messageId: ok.data.result.message_id };
    const err = errorSchema.safeParse(response.json);
    const description = err.success ? (err.data.description ?? '') : response.text.slice(0, 200);
    throw new ConclaveError('NOTIFIER_UNAVAILABLE', `Telegram rejected sendMessage (HTTP ${response.status}): ${description}`, {
      status: response.status,
      description,
    });
  }
}
