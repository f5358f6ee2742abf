import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isConclaveError } from '../../src/domain/errors.js';
import { OpenAICompatibleClient, parseJsonAnswer } from '../../src/llm/openai-compatible-client.js';
import { llmFromConfig } from '../../src/scanner/factory.js';
import { rankWithLlm } from '../../src/scanner/llm-ranking.js';
import type { OpportunityJson } from '../../src/scanner/report.js';
import { loadPrompts } from '../../src/startup/prompts.js';
import { type RunningFakeLlm, startFakeLlm } from '../fakes/fake-llm.js';
import { testConfig } from '../helpers/runtime.js';

const PROMPTS = loadPrompts('');

const Answer = z.object({ action: z.enum(['BUY', 'SELL', 'HOLD']), confidence: z.number().min(0).max(1), reason: z.string() });
const ask = [{ role: 'user' as const, content: 'vote' }];

let llm: RunningFakeLlm;
let sleeps: number[];

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
beforeEach(() => {
  llm.requests.length = 0;
  sleeps = [];
});

function client(overrides: Partial<ConstructorParameters<typeof OpenAICompatibleClient>[0]> = {}) {
  const usage: unknown[] = [];
  const c = new OpenAICompatibleClient({
    baseUrl: llm.url,
    apiKey: 'sk-test',
    model: 'qwen-plus',
    timeoutMs: 2000,
    retries: 2,
    inputUsdPerMTok: 0.4,
    outputUsdPerMTok: 1.2,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    onUsage: (e) => usage.push(e),
    ...overrides,
  });
  return { c, usage };
}

describe('OpenAICompatibleClient against the fake chat completions server', () => {
  it('sends model, messages, JSON response format and the bearer key; returns the validated object, tokens and cost', async () => {
    const { c, usage } = client();
    const answer = await c.completeJson(ask, Answer);
    expect(answer.value).toEqual({ action: 'BUY', confidence: 0.66, reason: 'Fake analyst: momentum turning up.' });
    expect(answer.attempts).toBe(1);
    // 100 prompt tokens x $0.4/M + 20 completion x $1.2/M = $0.000064.
    expect(answer.usage).toEqual({ promptTokens: 100, completionTokens: 20, totalTokens: 120, costUsd: 0.000064 });
    expect(usage).toHaveLength(1);
    const req = llm.requests[0];
    expect(req.authorization).toBe('Bearer sk-test');
    expect(req.body.model).toBe('qwen-plus');
    expect(req.body.response_format).toEqual({ type: 'json_object' });
  });

  it('re-asks once on invalid JSON, telling the model what was wrong, and sums the tokens', async () => {
    llm.queue({ kind: 'content', content: 'Sure! Here is my answer: BUY' });
    const { c } = client();
    const answer = await c.completeJson(ask, Answer);
    expect(answer.attempts).toBe(2);
    expect(answer.usage.totalTokens).toBe(240);
    const second = llm.requests[1].body.messages ?? [];
    expect(second.at(-2)).toEqual({ role: 'assistant', content: 'Sure! Here is my answer: BUY' });
    expect(second.at(-1)?.content).toContain('no JSON object in the reply');
  });

  it('fails with LLM_UNAVAILABLE after two invalid answers (valid JSON, wrong schema counts as invalid)', async () => {
    llm.queue({ kind: 'content', content: '{"action":"MAYBE"}' }, { kind: 'content', content: '{not json' });
    const { c } = client();
    const error = await c.completeJson(ask, Answer).catch((e: unknown) => e);
    expect(isConclaveError(error, 'LLM_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('invalid JSON twice');
    expect(llm.requests).toHaveLength(2);
  });

  it('waits Retry-After on 429 and then succeeds', async () => {
    llm.queue({ kind: 'status', status: 429, body: { error: { message: 'rate limited' } }, headers: { 'retry-after': '3' } });
    const { c } = client();
    const answer = await c.completeJson(ask, Answer);
    expect(answer.value.action).toBe('BUY');
    expect(sleeps).toEqual([3000]);
  });

  it('gives up with RATE_LIMITED when 429 persists past the retries', async () => {
    const busy = { kind: 'status', status: 429, body: {}, headers: { 'retry-after': '1' } } as const;
    llm.queue(busy, busy, busy);
    const { c } = client();
    const error = await c.completeJson(ask, Answer).catch((e: unknown) => e);
    expect(isConclaveError(error, 'RATE_LIMITED')).toBe(true);
  });

  it('times out a hanging server and reports LLM_UNAVAILABLE after the retries', async () => {
    llm.queue({ kind: 'hang' }, { kind: 'hang' });
    const { c } = client({ timeoutMs: 200, retries: 1 });
    const error = await c.completeJson(ask, Answer).catch((e: unknown) => e);
    expect(isConclaveError(error, 'LLM_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('timed out after 200 ms');
    expect(llm.requests).toHaveLength(2);
  });

  // Issue 11 (deadlines and limits): a hung provider is bounded by the total deadline, not retries x timeout.
  it('stops at the total deadline when the provider hangs, however many retries are left', async () => {
    llm.queue(...Array.from({ length: 6 }, () => ({ kind: 'hang' as const })));
    const { c } = client({ timeoutMs: 300, retries: 5, deadlineMs: 700 });
    const error = await c.completeJson(ask, Answer).catch((e: unknown) => e);
    expect(isConclaveError(error, 'LLM_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('700 ms deadline reached');
    expect((error as { details?: Record<string, unknown> }).details).toMatchObject({ reason: 'DEADLINE', deadline_ms: 700 });
    // 300 ms + backoff + what is left: never the six attempts the retries alone would allow.
    expect(llm.requests.length).toBeLessThanOrEqual(3);
    llm.clearQueue();
  });

  it('cuts off an answer larger than maxResponseBytes mid-stream (LLM_UNAVAILABLE) without buffering it', async () => {
    llm.queue({ kind: 'huge', bytes: 64 * 1024 * 1024 });
    const { c } = client({ retries: 0, maxResponseBytes: 256 * 1024 });
    const error = await c.completeJson(ask, Answer).catch((e: unknown) => e);
    expect(isConclaveError(error, 'LLM_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('body larger than 262144 bytes');
    expect(llm.hugeBytesWritten()).toBeLessThan(16 * 1024 * 1024);
  });

  it('LLM_DEADLINE_MS and LLM_MAX_RESPONSE_BYTES reach the client built from the config', async () => {
    const config = testConfig({
      LLM_BASE_URL: llm.url,
      LLM_API_KEY: 'sk-test',
      LLM_TIMEOUT_MS: '1000',
      LLM_DEADLINE_MS: '1200',
      LLM_MAX_RESPONSE_BYTES: '65536',
      HTTP_RETRIES: '3',
    });
    const { llm: fromConfig } = llmFromConfig(config);
    llm.queue({ kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' });
    const hung = await fromConfig?.completeJson(ask, Answer).catch((e: unknown) => e);
    expect((hung as Error).message).toContain('1200 ms deadline reached');
    llm.clearQueue();
    llm.queue({ kind: 'huge', bytes: 1024 * 1024 });
    const flooded = await fromConfig?.completeJson(ask, Answer).catch((e: unknown) => e);
    expect((flooded as Error).message).toContain('body larger than 65536 bytes');
  });

  it('refuses LLM_DEADLINE_MS shorter than one attempt', () => {
    expect(() => testConfig({ LLM_TIMEOUT_MS: '5000', LLM_DEADLINE_MS: '2000' })).toThrow(
      /LLM_DEADLINE_MS=2000 is shorter than LLM_TIMEOUT_MS=5000/,
    );
  });

  it('a 401 fails at once with the provider message and without the key', async () => {
    llm.queue({ kind: 'status', status: 401, body: { error: { message: 'Incorrect API key provided' } } });
    const { c } = client();
    const error = await c.completeJson(ask, Answer).catch((e: unknown) => e);
    expect(isConclaveError(error, 'LLM_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('HTTP 401');
    expect((error as Error).message).not.toContain('sk-test');
  });
});

describe('parseJsonAnswer', () => {
  it('accepts a fenced block and prose around the object', () => {
    expect(parseJsonAnswer('Here:\n```json\n{"action":"HOLD","confidence":0.5,"reason":"x"}\n```', Answer)).toEqual({
      ok: true,
      value: { action: 'HOLD', confidence: 0.5, reason: 'x' },
    });
  });
  it('names the field that failed the schema', () => {
    const r = parseJsonAnswer('{"action":"HOLD","confidence":2,"reason":"x"}', Answer);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.problem).toContain('confidence');
  });
});

describe('rankWithLlm', () => {
  const opp = (symbol: string) =>
    ({ symbol, probability: { estimate: 0.7, hits: 14, sample: 20 }, timeframes: [] }) as unknown as OpportunityJson;

  it('keeps only the given symbols: unknown ones dropped, missing ones appended in deterministic order', async () => {
    llm.queue({
      kind: 'content',
      content: JSON.stringify({
        ranking: [
          { symbol: 'DOGEUSDT', rationale: 'not a candidate' },
          { symbol: 'ethusdt', rationale: 'eth first' },
        ],
        summary: 's',
      }),
    });
    const ranking = await rankWithLlm(client().c, [opp('BTCUSDT'), opp('ETHUSDT'), opp('SOLUSDT')], PROMPTS.scannerRanking);
    expect(ranking.method).toBe('llm');
    expect(ranking.order).toEqual(['ETHUSDT', 'BTCUSDT', 'SOLUSDT']);
    expect(ranking.rationales.get('ETHUSDT')).toBe('eth first');
    expect(ranking.note).toContain('1 unknown or repeated symbol(s)');
  });

  it('falls back to the deterministic order when the LLM fails, and says why', async () => {
    llm.queue(
      { kind: 'status', status: 503, body: {} },
      { kind: 'status', status: 503, body: {} },
      { kind: 'status', status: 503, body: {} },
    );
    const ranking = await rankWithLlm(client().c, [opp('BTCUSDT'), opp('ETHUSDT')], PROMPTS.scannerRanking);
    expect(ranking.method).toBe('deterministic');
    expect(ranking.order).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(ranking.note).toContain('LLM_UNAVAILABLE');
  });
});
