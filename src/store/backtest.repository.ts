import type { Kysely, Selectable, Updateable } from 'kysely';
import { fromJson, fromJsonOrNull, toJson, toJsonOrNull } from './codec.js';
import type { BacktestsTable, DatabaseSchema } from './schema.js';

/** A backtest job: its parameters, progress 0..1 and, once finished, its result or error. */
export interface StoredBacktest {
  readonly id: string;
  readonly userId: number;
  /** `queued`, `running`, `completed`, `failed` (the backtest service owns the vocabulary). */
  readonly status: string;
  readonly params: unknown;
  readonly progress: number;
  readonly result: unknown | null;
  readonly error: string | null;
  readonly createdAt: number;
  readonly finishedAt: number | null;
}

export interface NewBacktest {
  readonly id: string;
  readonly userId: number;
  readonly params: unknown;
  readonly createdAt: number;
  readonly status?: string;
}

export interface BacktestPatch {
  readonly status?: string;
  readonly progress?: number;
  readonly result?: unknown | null;
  readonly error?: string | null;
  readonly finishedAt?: number | null;
}

function toBacktest(r: Selectable<BacktestsTable>): StoredBacktest {
  return {
    id: r.id,
    userId: r.user_id,
    status: r.status,
    params: fromJson<unknown>(r.params, 'backtests.params'),
    progress: r.progress,
    result: fromJsonOrNull<unknown>(r.result, 'backtests.result'),
    error: r.error,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

export class BacktestRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** @throws ConclaveError CONFLICT when the id exists */
  async create(input: NewBacktest): Promise<StoredBacktest> {
    const row = await this.db
      .insertInto('backtests')
      .values({
        id: input.id,
        user_id: input.userId,
        status: input.status ?? 'queued',
        params: toJson(input.params),
        progress: 0,
        result: null,
        error: null,
        created_at: input.createdAt,
        finished_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toBacktest(row);
  }

  /** Applies the given fields (absent ones unchanged); returns false when the id is unknown. */
  async update(id: string, patch: BacktestPatch): Promise<boolean> {
    const set: Updateable<BacktestsTable> = {};
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.progress !== undefined) set.progress = patch.progress;
    if (patch.result !== undefined) set.result = toJsonOrNull(patch.result);
    if (patch.error !== undefined) set.error = patch.error;
    if (patch.finishedAt !== undefined) set.finished_at = patch.finishedAt;
    if (Object.keys(set).length === 0)
      return (await this.db.selectFrom('backtests').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
    const result = await this.db.updateTable('backtests').set(set).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The backtest if it is the user's, else null. */
  async get(id: string, userId: number): Promise<StoredBacktest | null> {
    const row = await this.db.selectFrom('backtests').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return row ? toBacktest(row) : null;
  }

  /** The user's backtests, newest first. */
  async list(userId: number, limit = 100): Promise<StoredBacktest[]> {
    const rows = await this.db
      .selectFrom('backtests')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toBacktest);
  }
}
