import { z } from 'zod';
import { isConclaveError } from '../domain/errors.js';
import type { JsonChat, LlmUsage } from '../llm/port.js';
import type { OpportunityJson } from './report.js';

/** What the LLM must answer: its order of the given symbols, a short rationale each, one summary line. */
export const LlmRankingAnswer = z.object({
  ranking: z.array(z.object({ symbol: z.string().min(1), rationale: z.string().min(1).max(1200) })).min(1),
  summary: z.string().max(1500),
});
export type LlmRankingAnswer = z.infer<typeof LlmRankingAnswer>;

export interface Ranking {
  readonly method: 'llm' | 'deterministic';
  /** Symbols best first: always exactly the symbols given, whatever the LLM said. */
  readonly order: readonly string[];
  readonly rationales: ReadonlyMap<string, string>;
  readonly summary: string | null;
  readonly model: string | null;
  readonly note: string;
  readonly attempts: number;
  readonly usage: LlmUsage | null;
}

/** The deterministic ranking: the order the candidates already have (confluence, probability, R:R, symbol). */
export function deterministicRanking(opportunities: readonly OpportunityJson[], note: string): Ranking {
  return {
    method: 'deterministic',
    order: opportunities.map((o) => o.symbol),
    rationales: new Map(),
    summary: null,
    model: null,
    note,
    attempts: 0,
    usage: null,
  };
}

/**
 * Asks the LLM to rank and explain `opportunities` (all of which passed the filters). The LLM only orders
 * and explains: unknown symbols in its answer are dropped, missing ones keep their deterministic order after
 * the ranked ones. Any failure (unreachable, timeout, 429, invalid JSON twice) falls back to the
 * deterministic ranking with the reason in `note`; this never throws. `systemPrompt` is prompts/scanner-ranking.md.
 */
export async function rankWithLlm(chat: JsonChat, opportunities: readonly OpportunityJson[], systemPrompt: string): Promise<Ranking> {
  if (opportunities.length === 0) return deterministicRanking(opportunities, 'no candidate passed the filters; the LLM was not asked');
  const payload = opportunities.map((o) => ({
    symbol: o.symbol,
    setup: o.setup,
    signal_timeframe: o.signal_timeframe,
    reason: o.reason,
    entry: o.entry,
    stop: o.stop,
    target: o.target,
    rr: o.rr,
    confluence: o.confluence,
    probability: o.probability.estimate,
    probability_sample: `${o.probability.hits}/${o.probability.sample}`,
    timeframes: o.timeframes.map((t) => ({ interval: t.interval, bias: t.bias, rsi: t.rsi, setups: t.setups })),
  }));
  try {
    const answer = await chat.completeJson(
      [
        { role: 'system', content: systemPrompt },
        { role: 'user', content: `Setups (JSON):\n${JSON.stringify(payload)}` },
      ],
      LlmRankingAnswer,
    );
    const known = new Set(opportunities.map((o) => o.symbol));
    const order: string[] = [];
    const rationales = new Map<string, string>();
    for (const item of answer.value.ranking) {
      const symbol = item.symbol.trim().toUpperCase();
      if (!known.has(symbol) || rationales.has(symbol)) continue;
      order.push(symbol);
      rationales.set(symbol, item.rationale.trim());
    }
    const dropped = answer.value.ranking.length - order.length;
    for (const o of opportunities) if (!rationales.has(o.symbol)) order.push(o.symbol);
    const notes = [`ranked by ${answer.model}`];
    if (dropped > 0) notes.push(`${dropped} unknown or repeated symbol(s) in its answer ignored`);
    if (order.length > rationales.size) notes.push(`${order.length - rationales.size} symbol(s) it left out keep the deterministic order`);
    if (answer.attempts > 1) notes.push('first answer was invalid JSON, re-asked once');
    return {
      method: 'llm',
      order,
      rationales,
      summary: answer.value.summary.trim() || null,
      model: answer.model,
      note: notes.join('; '),
      attempts: answer.attempts,
      usage: answer.usage,
    };
  } catch (error) {
    const why = isConclaveError(error) ? `${error.code}: ${error.message}` : String(error);
    return { ...deterministicRanking(opportunities, `LLM failed, deterministic ranking used (${why})`), model: chat.model };
  }
}
