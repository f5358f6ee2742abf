export interface AgentStatus {
  readonly name: string;
  readonly runs: number;
  readonly errors: number;
  readonly lastRunAt: number | null;
  readonly lastLatencyMs: number | null;
  readonly lastError: string | null;
  readonly lastErrorAt: number | null;
}

type MutableStatus = { -readonly [K in keyof AgentStatus]: AgentStatus[K] };

function fresh(name: string): MutableStatus {
  return { name, runs: 0, errors: 0, lastRunAt: null, lastLatencyMs: null, lastError: null, lastErrorAt: null };
}

function bump(s: MutableStatus, at: number, latencyMs: number, error: string | undefined): void {
  s.runs++;
  s.lastRunAt = at;
  s.lastLatencyMs = latencyMs;
  if (error) {
    s.errors++;
    s.lastError = error;
    s.lastErrorAt = at;
  }
}

/**
 * Heartbeats of every agent, process-wide (the operator's /health) and per account (what /api/agents shows a
 * user: an error text can quote another account's cycle, so users see only their own). Updated by the bus
 * after each handled message, in place because it runs once per message on the hot path; readers get copies.
 */
export class AgentRegistry {
  private readonly statuses = new Map<string, MutableStatus>();
  private readonly byUser = new Map<number, Map<string, MutableStatus>>();

  register(name: string): void {
    if (!this.statuses.has(name)) this.statuses.set(name, fresh(name));
  }

  /** One handled message of `name`, in a cycle of `userId` (omitted: counted process-wide only). */
  record(name: string, at: number, latencyMs: number, error?: string, userId?: number): void {
    this.register(name);
    bump(this.statuses.get(name)!, at, latencyMs, error);
    if (userId === undefined) return;
    let mine = this.byUser.get(userId);
    if (!mine) {
      mine = new Map();
      this.byUser.set(userId, mine);
    }
    let s = mine.get(name);
    if (!s) {
      s = fresh(name);
      mine.set(name, s);
    }
    bump(s, at, latencyMs, error);
  }

  /** Process-wide counters of one agent. */
  get(name: string): AgentStatus | undefined {
    const s = this.statuses.get(name);
    return s ? { ...s } : undefined;
  }

  /** Process-wide counters of every agent. */
  all(): AgentStatus[] {
    return [...this.statuses.values()].map((s) => ({ ...s }));
  }

  /** Every agent with the counters of `userId`'s cycles only (zero for agents that never ran for it). */
  forUser(userId: number): AgentStatus[] {
    const mine = this.byUser.get(userId);
    return [...this.statuses.keys()].map((name) => ({ ...(mine?.get(name) ?? fresh(name)) }));
  }

  /** One agent with the counters of `userId`'s cycles only; undefined for a name no agent has. */
  getForUser(userId: number, name: string): AgentStatus | undefined {
    if (!this.statuses.has(name)) return undefined;
    return { ...(this.byUser.get(userId)?.get(name) ?? fresh(name)) };
  }
}
