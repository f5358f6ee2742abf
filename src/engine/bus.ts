import { performance } from 'node:perf_hooks';
import type { Agent, CycleContext } from '../agents/base.js';
import { AGENTS } from '../agents/base.js';
import { ConclaveError, isConclaveError } from '../domain/errors.js';
import type { AgentMessage, OutgoingMessage } from '../domain/messages.js';
import type { AgentRegistry } from './agent-registry.js';

export interface BusObserver {
  /** Called after every handled message with the agent's latency. */
  onHandled?(agent: string, messageType: string, latencyMs: number, error?: ConclaveError): void;
}

export interface DispatchResult {
  /** Every message of the cycle in dispatch order, the initial request first. */
  readonly messages: AgentMessage[];
  /** Errors thrown by agents, in order (each also appears as an AgentError message). */
  readonly errors: ConclaveError[];
}

/** Bounds a misbehaving protocol that keeps answering itself. */
const MAX_MESSAGES_PER_CYCLE = 1_000;

/**
 * Typed in-process message bus. Dispatch is FIFO and single-threaded per cycle, so the same inputs give the
 * same message sequence (a replay reproduces a run). Messages addressed to `engine` end their branch.
 * A throwing agent does not crash the cycle: the throw becomes an `AgentError` message to the engine.
 */
export class MessageBus {
  constructor(
    private readonly agents: ReadonlyMap<string, Agent>,
    private readonly registry: AgentRegistry,
    private readonly observer: BusObserver = {},
  ) {
    for (const name of agents.keys()) registry.register(name);
  }

  async dispatch(ctx: CycleContext, first: OutgoingMessage, from: string = AGENTS.engine): Promise<DispatchResult> {
    const messages: AgentMessage[] = [];
    const errors: ConclaveError[] = [];
    const queue: AgentMessage[] = [this.stamp(ctx, from, first, 0)];
    while (queue.length > 0) {
      const message = queue.shift()!;
      messages.push(message);
      if (message.to === AGENTS.engine) continue;
      if (messages.length > MAX_MESSAGES_PER_CYCLE) {
        errors.push(new ConclaveError('AGENT_FAILED', `cycle ${ctx.cycleId} exceeded ${MAX_MESSAGES_PER_CYCLE} messages`));
        break;
      }
      const agent = this.agents.get(message.to);
      if (!agent) {
        errors.push(new ConclaveError('AGENT_FAILED', `no agent named "${message.to}" for ${message.type} from ${message.from}`));
        continue;
      }
      const started = performance.now();
      let outgoing: readonly OutgoingMessage[];
      let failure: ConclaveError | undefined;
      try {
        const answer = agent.handle(message, ctx);
        // A handler that answered synchronously is not awaited: no microtask per message on the hot path.
        outgoing = isPromise(answer) ? await answer : answer;
      } catch (thrown) {
        failure = isConclaveError(thrown)
          ? thrown
          : new ConclaveError(
              'AGENT_FAILED',
              `${agent.name} failed on ${message.type}: ${(thrown as Error)?.message ?? String(thrown)}`,
              undefined,
              {
                cause: thrown,
              },
            );
        errors.push(failure);
        outgoing = [
          { to: AGENTS.engine, type: 'AgentError', payload: { agent: agent.name, code: failure.code, message: failure.message } },
        ];
      }
      const latency = performance.now() - started;
      this.registry.record(agent.name, ctx.clock.now(), latency, failure ? `${failure.code}: ${failure.message}` : undefined, ctx.userId);
      this.observer.onHandled?.(agent.name, message.type, latency, failure);
      for (const out of outgoing) queue.push(this.stamp(ctx, agent.name, out, messages.length + queue.length));
    }
    return { messages, errors };
  }

  private stamp(ctx: CycleContext, from: string, out: OutgoingMessage, seq: number): AgentMessage {
    const now = ctx.clock.now();
    return {
      id: `${ctx.cycleId}-${seq}`,
      cycleId: ctx.cycleId,
      seq,
      from,
      to: out.to,
      type: out.type,
      payload: out.payload,
      tsEvent: out.tsEvent ?? now,
      tsInit: now,
    } as AgentMessage;
  }
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
