import type { GovernorRecord, GovernorStatePort } from '../risk/governor.js';

/** The governor's state kept in memory: a backtest's, so a run never reads or halts the live account. */
export class MemoryGovernorState implements GovernorStatePort {
  private readonly records = new Map<number, GovernorRecord>();

  async get(userId: number): Promise<GovernorRecord | null> {
    return this.records.get(userId) ?? null;
  }

  async put(state: GovernorRecord): Promise<void> {
    this.records.set(state.userId, state);
  }
}
