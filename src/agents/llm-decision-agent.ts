import { z } from 'zod';
import { ACTIONS, type Action, type ActionProbabilities } from '../domain/action.js';
import type { Decision } from '../domain/decision.js';
import { isConclaveError } from '../domain/errors.js';
import type { MarketSnapshot } from '../domain/market.js';
import type { AgentMessage, OutgoingMessage } from '../domain/messages.js';
import type { JsonChat } from '../llm/port.js';
import type { Agent, CycleContext } from './base.js';

export interface LLMDecisionAgentConfig {
  /** Agent name on the bus (default `llm-analyst`). */
  readonly name?: string;
  /** The system prompt (prompts/llm-voter.md, loaded at the edge). */
  readonly systemPrompt: string;
  /** Where the Vote goes: the consensus coordinator. */
  readonly next: string;
  /** Weight of this voter in the consensus (default 1). */
  readonly weight?: number;
  /** Closes shown to the LLM, newest last (default 24). */
  readonly recentCloses?: number;
}

/** What the LLM must answer for one snapshot. */
export const LlmVoteAnswer = z.object({
  action: z.enum(ACTIONS),
  confidence: z.number().min(0).max(1),
  reason: z.string().min(1).max(600),
});

/**
 * An LLM as one voter of the consensus protocol: on a MarketSnapshot it asks the LLM (through the JsonChat
 * port, no HTTP here) for BUY / SELL / HOLD with a confidence and sends a Vote to `next`. Any LLM failure
 * (unreachable, timeout, 429, invalid JSON twice) becomes a HOLD vote with confidence 0 that says why:
 * the cycle never sees a throw from here.
 */
export class LLMDecisionAgent implements Agent {
  readonly name: string;

  constructor(
    private readonly llm: JsonChat,
    private readonly config: LLMDecisionAgentConfig,
  ) {
    this.name = config.name ?? 'llm-analyst';
  }

  async handle(message: AgentMessage, ctx: CycleContext): Promise<readonly OutgoingMessage[]> {
    if (message.type !== 'MarketSnapshot') return [];
    const snapshot = message.payload;
    let decision: Decision;
    try {
      const answer = await this.llm.completeJson(
        [
          { role: 'system', content: this.config.systemPrompt },
          { role: 'user', content: `Snapshot (JSON):\n${JSON.stringify(this.prompt(snapshot))}` },
        ],
        LlmVoteAnswer,
        { temperature: 0 },
      );
      const { action, confidence, reason } = answer.value;
      decision = this.decision(snapshot.symbol, action, confidence, `LLM: ${reason}`, answer.model);
      ctx.log(this.name, `LLM voted ${action} with ${confidence.toFixed(2)} confidence (${answer.usage.totalTokens} tokens)`);
    } catch (error) {
      const why = isConclaveError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
      decision = this.decision(snapshot.symbol, 'HOLD', 0, `LLM unavailable, abstaining with HOLD (${why})`, this.llm.model);
      ctx.log(this.name, `LLM failed, voting HOLD with 0 confidence: ${why}`);
    }
    return [{ to: this.config.next, type: 'Vote', payload: { voter: this.name, decision, weight: this.config.weight ?? 1 } }];
  }

  private prompt(s: MarketSnapshot): unknown {
    const n = this.config.recentCloses ?? 24;
    return {
      symbol: s.symbol,
      interval: s.interval,
      price: s.price,
      indicators: s.indicators,
      recent_closes: s.candles.slice(-n).map((c) => c.close),
    };
  }

  private decision(symbol: string, action: Action, confidence: number, reason: string, model: string): Decision {
    const rest = (1 - confidence) / 2;
    // An abstention (confidence 0) carries no opinion: uniform, not "the other two at 50% each".
    const probabilities: ActionProbabilities =
      confidence === 0
        ? { BUY: 1 / 3, SELL: 1 / 3, HOLD: 1 / 3 }
        : {
            BUY: action === 'BUY' ? confidence : rest,
            SELL: action === 'SELL' ? confidence : rest,
            HOLD: action === 'HOLD' ? confidence : rest,
          };
    return { symbol, action, confidence, reason, modelVersion: `llm:${model}`, strategy: 'llm-analyst', probabilities };
  }
}
