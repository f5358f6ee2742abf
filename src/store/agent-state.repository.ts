import type { Kysely, Selectable } from 'kysely';
import { fromJson, toJson } from './codec.js';
import type { AgentStateTable, DatabaseSchema } from './schema.js';

/** Persisted status of one agent of one user (running/stopped, its config, its last run). */
export interface StoredAgentState {
  readonly userId: number;
  readonly name: string;
  readonly status: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly lastRunAt: number | null;
  readonly lastError: string | null;
  readonly updatedAt: number;
}

function toAgentState(r: Selectable<AgentStateTable>): StoredAgentState {
  return {
    userId: r.user_id,
    name: r.name,
    status: r.status,
    config: fromJson<Record<string, unknown>>(r.config, 'agent_state.config'),
    lastRunAt: r.last_run_at,
    lastError: r.last_error,
    updatedAt: r.updated_at,
  };
}

export class AgentStateRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async get(userId: number, name: string): Promise<StoredAgentState | null> {
    const row = await this.db
      .selectFrom('agent_state')
      .selectAll()
      .where('user_id', '=', userId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? toAgentState(row) : null;
  }

  /** Creates or replaces the agent's state. */
  async put(state: StoredAgentState): Promise<void> {
    const changes = {
      status: state.status,
      config: toJson(state.config),
      last_run_at: state.lastRunAt,
      last_error: state.lastError,
      updated_at: state.updatedAt,
    };
    await this.db
      .insertInto('agent_state')
      .values({ user_id: state.userId, name: state.name, ...changes })
      .onConflict((oc) => oc.columns(['user_id', 'name']).doUpdateSet(changes))
      .execute();
  }

  /** All agents' states (of one user when given), by user then name. */
  async all(userId?: number): Promise<StoredAgentState[]> {
    let q = this.db.selectFrom('agent_state').selectAll();
    if (userId !== undefined) q = q.where('user_id', '=', userId);
    const rows = await q.orderBy('user_id').orderBy('name').execute();
    return rows.map(toAgentState);
  }
}
