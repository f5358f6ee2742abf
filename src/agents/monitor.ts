import { intervalMs } from '../domain/candle.js';
import type { AgentMessage, OutgoingMessage } from '../domain/messages.js';
import type { AgentRegistry } from '../engine/agent-registry.js';
import { AGENTS, type Agent, type CycleContext } from './base.js';

export type MonitorStatus = 'ok' | 'degraded' | 'down';

export interface MonitorReport {
  readonly status: MonitorStatus;
  readonly at: number;
  readonly feed: { readonly symbol: string; readonly lastCandleAgeMs: number; readonly staleAfterMs: number; readonly stale: boolean };
  readonly store: { readonly ok: boolean; readonly latencyMs: number } | null;
  readonly agents: ReadonlyArray<{
    readonly name: string;
    readonly lastRunAgeMs: number | null;
    readonly errors: number;
    readonly failing: boolean;
  }>;
}

export interface MonitorConfig {
  readonly registry: AgentRegistry;
  /** A feed is stale when its newest closed candle is older than this many intervals (default 3). */
  readonly staleIntervals?: number;
  /** Store round trip (a port; the agent itself speaks no SQL). */
  readonly storeProbe?: () => Promise<{ ok: boolean; latencyMs: number }>;
}

/**
 * MonitorAgent: each cycle, heartbeats of every agent (runs, errors, age of the last run), feed staleness
 * (age of the newest closed candle against 3 intervals) and store health. Sends one `Heartbeat` event per cycle
 * and keeps the last report for `/health`.
 */
export class MonitorAgent implements Agent {
  readonly name = AGENTS.monitor;
  private lastReport: MonitorReport | null = null;

  constructor(private readonly config: MonitorConfig) {}

  last(): MonitorReport | null {
    return this.lastReport;
  }

  async handle(message: AgentMessage, ctx: CycleContext): Promise<readonly OutgoingMessage[]> {
    if (message.type !== 'MarketSnapshot') return [];
    const s = message.payload;
    const now = ctx.clock.now();
    const staleAfterMs = (this.config.staleIntervals ?? 3) * intervalMs(s.interval);
    const age = now - s.candleTime;
    const store = this.config.storeProbe ? await this.config.storeProbe() : null;
    // The account's own counters: the heartbeat is stored with the account's cycle and shown to it.
    const agents = this.config.registry
      .forUser(ctx.userId)
      .filter((a) => a.name !== this.name)
      .map((a) => ({
        name: a.name,
        lastRunAgeMs: a.lastRunAt === null ? null : now - a.lastRunAt,
        errors: a.errors,
        failing: a.lastErrorAt !== null && a.lastErrorAt === a.lastRunAt,
      }));
    const status: MonitorStatus = store && !store.ok ? 'down' : age > staleAfterMs || agents.some((a) => a.failing) ? 'degraded' : 'ok';
    this.lastReport = {
      status,
      at: now,
      feed: { symbol: s.symbol, lastCandleAgeMs: age, staleAfterMs, stale: age > staleAfterMs },
      store,
      agents,
    };
    const failing = agents.filter((a) => a.failing).map((a) => a.name);
    ctx.log(
      this.name,
      () =>
        `${status}: feed ${s.symbol} last candle ${Math.round(age / 1000)} s old${age > staleAfterMs ? ' (STALE)' : ''}; store ${store ? (store.ok ? `ok ${store.latencyMs.toFixed(1)} ms` : 'DOWN') : 'n/a'}; ${agents.length} agents${failing.length ? `, failing: ${failing.join(', ')}` : ''}`,
    );
    return [
      {
        to: AGENTS.engine,
        type: 'Heartbeat',
        payload: {
          agent: this.name,
          status,
          details: {
            feed_age_ms: age,
            feed_stale: age > staleAfterMs,
            store_ok: store?.ok ?? null,
            agents: Object.fromEntries(agents.map((a) => [a.name, a])),
          },
        },
      },
    ];
  }
}
