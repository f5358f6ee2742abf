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

/**
 * Heartbeats of every agent: updated by the bus after each handled message, read by /api/agents and the
 * monitor. Updated in place because it runs once per message on the hot path; readers get copies.
 */
export class AgentRegistry {
  private readonly statuses = new Map<string, MutableStatus>();

  register(name: string): void {
    if (!this.statuses.has(name)) {
      this.statuses.set(name, { name, runs: 0, errors: 0, lastRunAt: null, lastLatencyMs: null, lastError: null, lastErrorAt: null });
    }
  }

  record(name: string, at: number, latencyMs: number, error?: string): void {
    let s = this.statuses.get(name);
    if (!s) {
      this.register(name);
      s = this.statuses.get(name)!;
    }
    s.runs++;
    s.lastRunAt = at;
    s.lastLatencyMs = latencyMs;
    if (error) {
      s.errors++;
      s.lastError = error;
      s.lastErrorAt = at;
    }
  }

  get(name: string): AgentStatus | undefined {
    const s = this.statuses.get(name);
    return s ? { ...s } : undefined;
  }

  all(): AgentStatus[] {
    return [...this.statuses.values()].map((s) => ({ ...s }));
  }
}
