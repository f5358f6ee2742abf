import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { SqlDialect } from './migrations/index.js';
import type { DatabaseSchema } from './schema.js';

/** What one compaction removed. */
export interface CompactionResult {
  /** Cutoff (epoch ms): detail of cycles finished and snapshots observed before it was removed. */
  readonly before: number;
  /** Cycles whose agent messages were deleted (the cycle rows themselves stay). */
  readonly cycles: number;
  readonly messagesDeleted: number;
  /** Market snapshots whose feature vector was cleared (price and indicators stay). */
  readonly snapshotsCompacted: number;
}

/** Cycle ids per delete: each batch is its own short transaction, so cycles keep running in between. */
const CYCLE_WINDOW = 2_000;
/** Snapshot rows (by id) per update. */
const SNAPSHOT_WINDOW = 10_000;

/**
 * Drops the bulky detail of old cycles and keeps their outcome: the agent messages of every cycle finished
 * before `before` are deleted, and the feature vectors of market snapshots observed before it are cleared.
 * Cycles, decisions, trades (orders and fills), positions and equity points are never touched, so PnL, the
 * equity curve, the trade history and decision statistics read the same afterwards.
 *
 * Work is batched by id windows (each its own short statement, so cycles keep running in between), starting at
 * the first cycle that still has messages and the first snapshot that still has features: a run walks what is
 * left uncompacted, not the whole history. Age is the cycle's own clock (a replay's cycles carry recorded time).
 */
export async function compactBefore(db: Kysely<DatabaseSchema>, dialect: SqlDialect, before: number): Promise<CompactionResult> {
  let cycles = 0;
  let messagesDeleted = 0;
  let snapshotsCompacted = 0;

  // Messages: from the oldest cycle that still has any (the messages index leads with cycle_id), so the
  // already compacted prefix is never walked again.
  let lo = await minCycleWithMessages(db, null);
  while (lo !== null) {
    const hi = lo + CYCLE_WINDOW;
    const old = (eb: ExpressionBuilder<DatabaseSchema, 'messages'>) =>
      eb.selectFrom('cycles as c').select('c.id').where('c.id', '>=', lo).where('c.id', '<', hi).where('c.finished_at', '<', before);
    const counted = await db
      .selectFrom('cycles')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('id', '>=', lo)
      .where('id', '<', hi)
      .where('finished_at', '<', before)
      .where(({ exists, selectFrom }) => exists(selectFrom('messages as m').select('m.id').whereRef('m.cycle_id', '=', 'cycles.id')))
      .executeTakeFirst();
    if (Number(counted?.n ?? 0) > 0) {
      const deleted = await db.deleteFrom('messages').where('cycle_id', 'in', old).executeTakeFirst();
      cycles += Number(counted?.n ?? 0);
      messagesDeleted += Number(deleted.numDeletedRows);
    }
    lo = await minCycleWithMessages(db, hi);
  }

  // Snapshots: id windows from the first one that still carries features up to the newest.
  const first = await db
    .selectFrom('market_snapshots')
    .select((eb) => eb.fn.min('id').as('id'))
    .where('features', 'is not', null)
    .executeTakeFirst();
  const last = await db
    .selectFrom('market_snapshots')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  if (first?.id != null && last?.id != null) {
    for (let from = Number(first.id); from <= Number(last.id); from += SNAPSHOT_WINDOW) {
      const updated = await db
        .updateTable('market_snapshots')
        .set({ features: null })
        .where('id', '>=', from)
        .where('id', '<', from + SNAPSHOT_WINDOW)
        .where('observed_at', '<', before)
        .where('features', 'is not', null)
        .executeTakeFirst();
      snapshotsCompacted += Number(updated.numUpdatedRows);
    }
  }
  if (dialect === 'sqlite' && messagesDeleted + snapshotsCompacted > 0) {
    // Freed pages are reused by new cycles at once; the WAL is cut back so the deletions do not linger on disk.
    await sql`pragma wal_checkpoint(truncate)`.execute(db);
  }
  return { before, cycles, messagesDeleted, snapshotsCompacted };
}

async function minCycleWithMessages(db: Kysely<DatabaseSchema>, from: number | null): Promise<number | null> {
  let q = db.selectFrom('messages').select((eb) => eb.fn.min('cycle_id').as('id'));
  if (from !== null) q = q.where('cycle_id', '>=', from);
  const row = await q.executeTakeFirst();
  return row?.id == null ? null : Number(row.id);
}

/** Bytes the database occupies (SQLite: file pages; PostgreSQL: the current database). */
export async function databaseBytes(db: Kysely<DatabaseSchema>, dialect: SqlDialect): Promise<number> {
  if (dialect === 'sqlite') {
    const count = await sql<{ page_count: number }>`pragma page_count`.execute(db);
    const size = await sql<{ page_size: number }>`pragma page_size`.execute(db);
    return Number(count.rows[0]?.page_count ?? 0) * Number(size.rows[0]?.page_size ?? 0);
  }
  const r = await sql<{ bytes: number }>`select pg_database_size(current_database()) as bytes`.execute(db);
  return Number(r.rows[0]?.bytes ?? 0);
}
