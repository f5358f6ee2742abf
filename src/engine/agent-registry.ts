export interface AgentStatus {
  readonly name: string;
  readonly runs: number;
  readonly errors: number;
  readonly lastRunAt: number | null;
  readonly lastLatencyMs: number | null;
  readonly lastError: string | null;
  readonly lastErrorAt: number | null;
}

/** Heartbeats of every agent: updated by the bus after each handled message, read by /api/agents and the monitor. */
export class AgentRegistry {
  private readonly statuses = new Map<string, AgentStatus>();

  register(name: string): void {
    if (!this.statuses.has(name)) {
      this.statuses.set(name, { name, runs: 0, errors: 0, lastRunAt: null, lastLatencyMs: null, lastError: null, lastErrorAt: null });
    }
  }

  record(name: string, at: number, latencyMs: number, error?: string): void {
    this.register(name);
    const s = this.statuses.get(name)!;
    this.statuses.set(name, {
      ...s,
      runs: s.runs + 1,
      errors: s.errors + (error ? 1 : 0),
      lastRunAt: at,
      lastLatencyMs: latencyMs,
      lastError: error ?? s.lastError,
      lastErrorAt: error ? at : s.lastErrorAt,
    });
  }

  get(name: string): AgentStatus | undefined {
    return this.statuses.get(name);
  }

  all(): AgentStatus[] {
    return [...this.statuses.values()];
  }
}
