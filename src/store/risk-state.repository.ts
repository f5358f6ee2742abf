import type { Kysely } from 'kysely';
import type { DatabaseSchema } from './schema.js';

export type RiskStatus = 'ACTIVE' | 'REDUCING' | 'HALTED';

/** The risk governor's persisted state for one user, so a halt survives a restart. */
export interface StoredRiskState {
  readonly userId: number;
  readonly state: RiskStatus;
  readonly reason: string | null;
  readonly haltedAt: number | null;
  /** UTC day (YYYY-MM-DD) the daily-loss baseline belongs to. */
  readonly day: string;
  readonly dayStartEquity: number;
  readonly peakEquity: number;
  readonly updatedAt: number;
}

export class RiskStateRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async get(userId: number): Promise<StoredRiskState | null> {
    const r = await this.db.selectFrom('risk_state').selectAll().where('user_id', '=', userId).executeTakeFirst();
    if (!r) return null;
    return {
      userId: r.user_id,
      state: r.state,
      reason: r.reason,
      haltedAt: r.halted_at,
      day: r.day,
      dayStartEquity: r.day_start_equity,
      peakEquity: r.peak_equity,
      updatedAt: r.updated_at,
    };
  }

  /** Creates or replaces the user's risk state. */
  async put(state: StoredRiskState): Promise<void> {
    const row = {
      user_id: state.userId,
      state: state.state,
      reason: state.reason,
      halted_at: state.haltedAt,
      day: state.day,
      day_start_equity: state.dayStartEquity,
      peak_equity: state.peakEquity,
      updated_at: state.updatedAt,
    };
    const { user_id: _key, ...changes } = row;
    await this.db
      .insertInto('risk_state')
      .values(row)
      .onConflict((oc) => oc.column('user_id').doUpdateSet(changes))
      .execute();
  }
}
