import type { z } from 'zod';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** Tokens spent on one answer (all attempts together) and its cost when prices are configured. */
export interface LlmUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
  /** USD; null when no prices are configured (local servers, unknown models). */
  readonly costUsd: number | null;
}

export interface JsonAnswer<T> {
  readonly value: T;
  readonly usage: LlmUsage;
  /** 1, or 2 when the first answer was not valid JSON for the schema and the model was asked again. */
  readonly attempts: number;
  readonly model: string;
}

export interface JsonRequestOptions {
  readonly temperature?: number;
  readonly maxTokens?: number;
}

/**
 * The narrow view of an LLM the scanner and the LLM voter use: a chat whose answer must be a JSON object
 * matching `schema`. Implementations re-ask once on an invalid answer.
 */
export interface JsonChat {
  readonly model: string;
  /**
   * @throws ConclaveError LLM_UNAVAILABLE (unreachable, timeout, 5xx after retries, 4xx, invalid JSON twice),
   * RATE_LIMITED (429 with a long Retry-After or retries spent).
   */
  completeJson<T>(messages: readonly ChatMessage[], schema: z.ZodType<T>, options?: JsonRequestOptions): Promise<JsonAnswer<T>>;
}
