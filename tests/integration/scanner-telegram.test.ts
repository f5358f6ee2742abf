import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isConclaveError } from '../../src/domain/errors.js';
import { notifierFromConfig } from '../../src/scanner/factory.js';
import { DEFAULT_TELEGRAM_MAX_RESPONSE_BYTES, TelegramSender } from '../../src/scanner/telegram-sender.js';
import { type RunningFakeTelegram, startFakeTelegram } from '../fakes/fake-telegram.js';
import { testConfig } from '../helpers/runtime.js';

const TOKEN = '7777:AAH-secret';
let tg: RunningFakeTelegram;
let sleeps: number[];

beforeAll(async () => {
  tg = await startFakeTelegram({ token: TOKEN, chatId: '-1001' });
});
afterAll(() => tg.close());
beforeEach(() => {
  sleeps = [];
  tg.requests = 0;
});

const sender = (token = TOKEN) =>
  new TelegramSender({
    baseUrl: tg.url,
    botToken: token,
    chatId: '-1001',
    timeoutMs: 2000,
    retries: 2,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });

describe('TelegramSender against the fake Bot API', () => {
  it('sends HTML and returns the message id', async () => {
    const { messageId } = await sender().send('<b>Scan</b> &amp; done');
    expect(messageId).toBe(tg.messages.length);
    expect(tg.messages.at(-1)).toEqual({
      chat_id: '-1001',
      text: '<b>Scan</b> &amp; done',
      parse_mode: 'HTML',
      disable_web_page_preview: true,
    });
  });

  it('on 429 waits Retry-After and sends once accepted', async () => {
    tg.fail({ kind: 'tooMany', retryAfterS: 7 });
    await sender().send('after a wait');
    expect(sleeps).toEqual([7000]);
    expect(tg.requests).toBe(2);
    expect(tg.messages.at(-1)?.text).toBe('after a wait');
  });

  it('retries a 5xx with backoff', async () => {
    tg.fail({ kind: 'serverError' });
    await sender().send('after a 500');
    expect(sleeps).toHaveLength(1);
    expect(tg.messages.at(-1)?.text).toBe('after a 500');
  });

  it("a rejected message (bad HTML) fails with NOTIFIER_UNAVAILABLE and Telegram's description, without retrying", async () => {
    const error = await sender()
      .send('<b>unclosed')
      .catch((e: unknown) => e);
    expect(isConclaveError(error, 'NOTIFIER_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain("can't parse entities");
    expect(tg.requests).toBe(1);
  });

  it('a wrong token fails without putting the token in the error', async () => {
    const error = await sender('1:wrong-token')
      .send('x')
      .catch((e: unknown) => e);
    expect(isConclaveError(error, 'NOTIFIER_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('401');
    expect(JSON.stringify({ m: (error as Error).message, d: (error as { details?: unknown }).details })).not.toContain('wrong-token');
  });

  // Issue 11 (deadlines and limits): a hung Bot API is bounded by the total deadline, not retries x timeout.
  it('stops at the total deadline when the Bot API hangs, however many retries are left', async () => {
    tg.fail(...Array.from({ length: 6 }, () => ({ kind: 'hang' as const })));
    const s = new TelegramSender({ baseUrl: tg.url, botToken: TOKEN, chatId: '-1001', timeoutMs: 300, retries: 5, deadlineMs: 700 });
    const error = await s.send('x').catch((e: unknown) => e);
    expect(isConclaveError(error, 'NOTIFIER_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('700 ms deadline reached');
    expect(tg.requests).toBeLessThanOrEqual(3);
    expect((error as Error).message).not.toContain(TOKEN);
    tg.clearFaults();
  });

  it('cuts off an answer larger than maxResponseBytes mid-stream without buffering it', async () => {
    tg.fail({ kind: 'huge', bytes: 64 * 1024 * 1024 });
    const s = new TelegramSender({ baseUrl: tg.url, botToken: TOKEN, chatId: '-1001', timeoutMs: 2000, retries: 0 });
    const error = await s.send('x').catch((e: unknown) => e);
    expect(isConclaveError(error, 'NOTIFIER_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain(`body larger than ${DEFAULT_TELEGRAM_MAX_RESPONSE_BYTES} bytes`);
    expect(tg.hugeBytesWritten).toBeLessThan(16 * 1024 * 1024);
  });

  it('the sender built from the config stops at VENUE_DEADLINE_MS', async () => {
    const config = testConfig({
      TELEGRAM_BASE_URL: tg.url,
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_CHAT_ID: '-1001',
      HTTP_TIMEOUT_MS: '400',
      HTTP_RETRIES: '5',
      VENUE_DEADLINE_MS: '600',
    });
    tg.fail(...Array.from({ length: 6 }, () => ({ kind: 'hang' as const })));
    const error = await notifierFromConfig(config)
      ?.send('x')
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain('600 ms deadline reached');
    tg.clearFaults();
  });

  it('refuses to be built without a token or chat id', () => {
    expect(() => new TelegramSender({ baseUrl: tg.url, botToken: '', chatId: '1', timeoutMs: 1000, retries: 0 })).toThrow(
      /TELEGRAM_BOT_TOKEN/,
    );
  });
});
