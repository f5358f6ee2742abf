import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { CycleContext } from '../../../src/agents/base.js';
import { LLMDecisionAgent } from '../../../src/agents/llm-decision-agent.js';
import { ConclaveError } from '../../../src/domain/errors.js';
import type { MarketSnapshot } from '../../../src/domain/market.js';
import type { AgentMessage } from '../../../src/domain/messages.js';
import type { ChatMessage, JsonAnswer, JsonChat } from '../../../src/llm/port.js';
import { loadPrompts } from '../../../src/startup/prompts.js';

const PROMPT = loadPrompts('').llmVoter;

/** A JsonChat that validates a canned reply with the caller's schema, or throws. */
class StubChat implements JsonChat {
  readonly model = 'stub-model';
  seen: ChatMessage[][] = [];
  constructor(private readonly reply: unknown | Error) {}
  async completeJson<T>(messages: readonly ChatMessage[], schema: z.ZodType<T>): Promise<JsonAnswer<T>> {
    this.seen.push([...messages]);
    if (this.reply instanceof Error) throw this.reply;
    return {
      value: schema.parse(this.reply),
      usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2, costUsd: null },
      attempts: 1,
      model: this.model,
    };
  }
}

const snapshot: MarketSnapshot = {
  symbol: 'BTCUSDT',
  price: 76_000,
  source: 'binance',
  interval: '1h',
  indicators: { sma_10: 75_900, sma_50: 75_000, rsi_14: 58 },
  features: null,
  candles: [],
  candleTime: 1,
  observedAt: 2,
};
const message = {
  id: 'm1',
  cycleId: 1,
  seq: 0,
  from: 'market-monitor',
  to: 'llm-analyst',
  type: 'MarketSnapshot',
  payload: snapshot,
  tsEvent: 1,
  tsInit: 2,
} as AgentMessage;
const logs: string[] = [];
const ctx = { log: (_agent: string, line: string) => logs.push(line) } as unknown as CycleContext;

describe('LLMDecisionAgent', () => {
  it('sends the prompt file it was given (prompts/llm-voter.md or PROMPTS_DIR) as the system message', async () => {
    const chat = new StubChat({ action: 'HOLD', confidence: 0.5, reason: 'mixed' });
    await new LLMDecisionAgent(chat, { next: 'consensus', systemPrompt: 'You vote. Be brief.' }).handle(message, ctx);
    await new LLMDecisionAgent(chat, { next: 'consensus', systemPrompt: PROMPT }).handle(message, ctx);
    expect(chat.seen.map((m) => m[0])).toEqual([
      { role: 'system', content: 'You vote. Be brief.' },
      { role: 'system', content: PROMPT },
    ]);
  });

  it('votes what the LLM answers, to the configured coordinator, with its weight', async () => {
    const chat = new StubChat({ action: 'SELL', confidence: 0.8, reason: 'lower highs' });
    const out = await new LLMDecisionAgent(chat, { next: 'consensus', weight: 0.5, systemPrompt: PROMPT }).handle(message, ctx);
    expect(out).toHaveLength(1);
    const vote = out[0];
    expect(vote.to).toBe('consensus');
    expect(vote.type).toBe('Vote');
    if (vote.type !== 'Vote') return;
    expect(vote.payload.voter).toBe('llm-analyst');
    expect(vote.payload.weight).toBe(0.5);
    expect(vote.payload.decision).toMatchObject({ symbol: 'BTCUSDT', action: 'SELL', confidence: 0.8, modelVersion: 'llm:stub-model' });
    expect(vote.payload.decision.probabilities.SELL).toBe(0.8);
    expect(vote.payload.decision.probabilities.BUY).toBeCloseTo(0.1, 12);
    expect(chat.seen[0][1].content).toContain('"rsi_14":58');
  });

  it('on an LLM failure votes HOLD with confidence 0 and says why, never throws', async () => {
    const chat = new StubChat(new ConclaveError('LLM_UNAVAILABLE', 'llm unavailable at http://x: timed out after 60000 ms'));
    const out = await new LLMDecisionAgent(chat, { next: 'consensus', systemPrompt: PROMPT }).handle(message, ctx);
    const vote = out[0];
    if (vote.type !== 'Vote') throw new Error('expected a vote');
    expect(vote.payload.decision.action).toBe('HOLD');
    expect(vote.payload.decision.confidence).toBe(0);
    expect(vote.payload.decision.reason).toContain('LLM_UNAVAILABLE');
    expect(logs.at(-1)).toContain('voting HOLD with 0 confidence');
  });

  it('an answer outside the schema is a failure too (HOLD 0)', async () => {
    const out = await new LLMDecisionAgent(new StubChat({ action: 'MOON', confidence: 3 }), { next: 'c', systemPrompt: PROMPT }).handle(
      message,
      ctx,
    );
    if (out[0].type !== 'Vote') throw new Error('expected a vote');
    expect(out[0].payload.decision.action).toBe('HOLD');
    expect(out[0].payload.decision.confidence).toBe(0);
  });

  it('ignores other messages', async () => {
    const other = { ...message, type: 'CycleRequested', payload: { symbol: 'BTCUSDT' } } as AgentMessage;
    expect(await new LLMDecisionAgent(new StubChat({}), { next: 'c', systemPrompt: PROMPT }).handle(other, ctx)).toEqual([]);
  });
});
