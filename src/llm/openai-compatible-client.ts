import { z } from 'zod';
import { ConclaveError } from '../domain/errors.js';
import { defaultDeadlineMs, HttpClient } from '../net/http-client.js';
import type { ChatMessage, JsonAnswer, JsonChat, JsonRequestOptions, LlmUsage } from './port.js';

export interface OpenAICompatibleOptions {
  /** Base URL up to the version, e.g. https://dashscope-intl.aliyuncs.com/compatible-mode/v1, http://127.0.0.1:11434/v1 (LLM_BASE_URL). */
  readonly baseUrl: string;
  /** Bearer key (LLM_API_KEY); local servers accept any or none. */
  readonly apiKey: string;
  readonly model: string;
  /** Per attempt. */
  readonly timeoutMs: number;
  readonly retries: number;
  /**
   * Total budget of one chat completion request, retries and waits included (LLM_DEADLINE_MS); default:
   * defaultDeadlineMs.
   */
  readonly deadlineMs?: number;
  /** Largest answer read, bytes (LLM_MAX_RESPONSE_BYTES); a longer one is cut off and fails with LLM_UNAVAILABLE. */
  readonly maxResponseBytes?: number;
  /** USD per million prompt / completion tokens; 0 leaves the cost unknown. */
  readonly inputUsdPerMTok?: number;
  readonly outputUsdPerMTok?: number;
  /** Called once per answer with what it cost (the service logs it). */
  readonly onUsage?: (event: { model: string; attempts: number; usage: LlmUsage }) => void;
  readonly sleep?: (ms: number) => Promise<unknown>;
  readonly backoffMs?: number;
}

/** A chat completion is a few kilobytes; 1 MiB leaves room for long rationales and nothing like a flood. */
export const DEFAULT_LLM_MAX_RESPONSE_BYTES = 1024 * 1024;

const completionSchema = z.looseObject({
  model: z.string().optional(),
  choices: z.array(z.looseObject({ message: z.looseObject({ content: z.string().nullable().optional() }) })).min(1),
  usage: z
    .looseObject({
      prompt_tokens: z.number().optional(),
      completion_tokens: z.number().optional(),
      total_tokens: z.number().optional(),
    })
    .optional(),
});

/**
 * Client for OpenAI-compatible chat completions (`POST {base}/chat/completions`): Qwen through DashScope's
 * compatible mode, OpenAI, llama.cpp's server, Ollama. Asks for a JSON object (`response_format`), validates it
 * against a zod schema, re-asks once with the validation error, then fails with LLM_UNAVAILABLE.
 */
export class OpenAICompatibleClient implements JsonChat {
  readonly model: string;
  private readonly http: HttpClient;

  constructor(private readonly options: OpenAICompatibleOptions) {
    this.model = options.model;
    this.http = new HttpClient({
      name: 'llm',
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      unavailableCode: 'LLM_UNAVAILABLE',
      // A provider that trickles or hangs must not hold a scan or a consensus vote for retries x timeout.
      deadlineMs: options.deadlineMs ?? defaultDeadlineMs(options.timeoutMs, options.retries),
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_LLM_MAX_RESPONSE_BYTES,
      headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
    });
  }

  /** @throws ConclaveError LLM_UNAVAILABLE, RATE_LIMITED (see JsonChat). */
  async completeJson<T>(messages: readonly ChatMessage[], schema: z.ZodType<T>, options: JsonRequestOptions = {}): Promise<JsonAnswer<T>> {
    const conversation: ChatMessage[] = [...messages];
    let prompt = 0;
    let completion = 0;
    let model = this.model;
    let problem = '';
    for (let attempt = 1; attempt <= 2; attempt++) {
      const reply = await this.complete(conversation, options);
      prompt += reply.promptTokens;
      completion += reply.completionTokens;
      model = reply.model ?? model;
      const parsed = parseJsonAnswer(reply.content, schema);
      if (parsed.ok) {
        const usage = this.usage(prompt, completion);
        this.options.onUsage?.({ model, attempts: attempt, usage });
        return { value: parsed.value, usage, attempts: attempt, model };
      }
      problem = parsed.problem;
      conversation.push(
        { role: 'assistant', content: reply.content.slice(0, 4000) },
        {
          role: 'user',
          content: `That reply was not valid: ${problem}. Answer again with only one JSON object matching the requested fields, no prose, no code fences.`,
        },
      );
    }
    this.options.onUsage?.({ model, attempts: 2, usage: this.usage(prompt, completion) });
    throw new ConclaveError('LLM_UNAVAILABLE', `${model} answered invalid JSON twice; last problem: ${problem}`, { model, problem });
  }

  private async complete(
    messages: readonly ChatMessage[],
    options: JsonRequestOptions,
  ): Promise<{ content: string; promptTokens: number; completionTokens: number; model: string | undefined }> {
    const response = await this.http.request('/chat/completions', {
      method: 'POST',
      body: {
        model: this.model,
        messages,
        temperature: options.temperature ?? 0.2,
        ...(options.maxTokens ? { max_tokens: options.maxTokens } : {}),
        response_format: { type: 'json_object' },
      },
    });
    if (response.status < 200 || response.status >= 300) {
      // Never echo the request (it carries the key in a header); the body of an error is the provider's message.
      throw new ConclaveError('LLM_UNAVAILABLE', `LLM endpoint answered HTTP ${response.status}: ${response.text.slice(0, 300)}`, {
        status: response.status,
      });
    }
    const parsed = completionSchema.safeParse(response.json);
    if (!parsed.success) {
      throw new ConclaveError(
        'LLM_UNAVAILABLE',
        `LLM endpoint answered a body that is not a chat completion: ${response.text.slice(0, 200)}`,
        {
          status: response.status,
        },
      );
    }
    const usage = parsed.data.usage;
    return {
      content: parsed.data.choices[0].message.content ?? '',
      promptTokens: usage?.prompt_tokens ?? 0,
      completionTokens: usage?.completion_tokens ?? 0,
      model: parsed.data.model,
    };
  }

  private usage(promptTokens: number, completionTokens: number): LlmUsage {
    const inPrice = this.options.inputUsdPerMTok ?? 0;
    const outPrice = this.options.outputUsdPerMTok ?? 0;
    return {
      promptTokens,
      completionTokens,
      totalTokens: promptTokens + completionTokens,
      costUsd: inPrice > 0 || outPrice > 0 ? (promptTokens * inPrice + completionTokens * outPrice) / 1e6 : null,
    };
  }
}

/**
 * Reads a model's text as one JSON object: tolerates a ```json fence and prose around the outermost braces,
 * then validates with `schema`. Pure.
 */
export function parseJsonAnswer<T>(content: string, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; problem: string } {
  let text = content.trim();
  const fence = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fence) text = fence[1].trim();
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return { ok: false, problem: 'no JSON object in the reply' };
  let json: unknown;
  try {
    json = JSON.parse(text.slice(start, end + 1));
  } catch (error) {
    return { ok: false, problem: `JSON does not parse (${(error as Error).message})` };
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    return { ok: false, problem: `schema mismatch: ${issues.join('; ')}` };
  }
  return { ok: true, value: result.data };
}
