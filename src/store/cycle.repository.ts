import { type Insertable, type InsertObject, type Kysely, type OperationNodeSource, sql } from 'kysely';
import type { Action } from '../domain/action.js';
import type { AgentMessage } from '../domain/messages.js';
import type { OrderStatus } from '../domain/order.js';
import type { CycleRecord, CycleStore } from '../engine/ports.js';
import { chunk, fromJson, toJson } from './codec.js';
import { snapshotRow } from './market-snapshot.repository.js';
import type { SqlDialect } from './migrations/index.js';
import type { CyclesTable, DatabaseSchema, MessagesTable } from './schema.js';

/** One stored cycle without its messages. */
export interface CycleSummary {
  readonly id: number;
  readonly userId: number;
  readonly symbol: string;
  readonly protocol: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly action: Action | null;
  readonly confidence: number | null;
  readonly executionStatus: OrderStatus | null;
  readonly modelVersion: string | null;
  readonly idempotencyKey: string | null;
}

export interface StoredCycle extends CycleSummary {
  /** The seed JSON returned when the cycle ran. */
  readonly response: unknown;
}

export interface CycleListQuery {
  readonly userId: number;
  readonly symbol?: string;
  /** 1..1000. */
  readonly limit: number;
  /** Cursor: only cycles with an id below this one (ids grow with time within a process). */
  readonly before?: number;
}

/** Rows per multi-row message insert: 9 columns, well under SQLite's 32766 and PostgreSQL's 65535 parameters. */
const MESSAGE_CHUNK = 1000;
/** Rows (messages + trades) up to which a PostgreSQL cycle is written as one statement (~9 parameters each). */
const PG_SINGLE_STATEMENT_ROWS = 2000;

/** The cycle a stop trigger belongs to has no report; its kind lives in the StopTriggered message. */
function stopKinds(messages: readonly AgentMessage[]): Map<string, string> {
  const kinds = new Map<string, string>();
  for (const m of messages) if (m.type === 'StopTriggered') kinds.set(m.payload.fill.orderId, m.payload.kind);
  return kinds;
}

function tradeRows(record: CycleRecord): InsertObject<DatabaseSchema, 'trades'>[] {
  const rows: InsertObject<DatabaseSchema, 'trades'>[] = [];
  const reported = new Set<string>();
  record.reports.forEach((report, index) => {
    if (report.orderId) reported.add(report.orderId);
    if (report.status === 'SKIPPED' || report.status === 'PENDING' || report.action === 'HOLD') return;
    rows.push({
      // A denial may carry no order id; a synthetic one keeps order_id unique and traceable to its cycle.
      order_id: report.orderId ?? `REJ-${record.cycleId}-${index}`,
      cycle_id: record.cycleId,
      user_id: record.userId,
      symbol: report.symbol,
      action: report.action,
      status: report.status,
      quantity: report.quantity,
      price: report.price,
      execution_price: report.executionPrice,
      fee: report.fee,
      reason: report.reason,
      // A next-open fill belongs to the decision that placed it, not to the cycle whose open filled it.
      ...(report.decidedInCycle === undefined
        ? { model_version: record.modelVersion, strategy: record.decision?.strategy ?? null }
        : {
            cycle_id: report.decidedInCycle,
            model_version: sql<string | null>`(select model_version from cycles where id = ${report.decidedInCycle})`,
            strategy: sql<string | null>`(select strategy from decisions where cycle_id = ${report.decidedInCycle} limit 1)`,
          }),
      timestamp: report.time,
    });
  });
  const kinds = stopKinds(record.messages);
  for (const fill of record.fills) {
    if (reported.has(fill.orderId)) continue;
    rows.push({
      order_id: fill.orderId,
      cycle_id: record.cycleId,
      user_id: record.userId,
      symbol: fill.symbol,
      action: fill.side,
      status: 'FILLED',
      quantity: fill.quantity,
      price: fill.price,
      execution_price: fill.executionPrice,
      fee: fill.fee,
      reason: kinds.get(fill.orderId) ?? null,
      model_version: null,
      strategy: null,
      timestamp: fill.time,
    });
  }
  return rows;
}

/** A data-modifying statement: executable alone, or embeddable as a CTE. */
type Statement = { execute(): Promise<unknown> } & OperationNodeSource;

/** Every write of one cycle, in dependency order (the cycle row first: messages reference it). */
function cycleStatements(db: Kysely<DatabaseSchema>, record: CycleRecord): Statement[] {
  const { cycleId, userId, snapshot, decision, portfolio } = record;
  const out: Statement[] = [];
  out.push(
    db.insertInto('cycles').values({
      id: cycleId,
      user_id: userId,
      symbol: record.symbol,
      protocol: record.protocol,
      started_at: record.startedAt,
      finished_at: record.finishedAt,
      action: decision?.action ?? null,
      confidence: decision?.confidence ?? null,
      execution_status: record.decisionStatus,
      model_version: record.modelVersion,
      idempotency_key: record.idempotencyKey,
      response: toJson(record.response),
    }),
  );
  // An order filled (or refused) at this cycle's open settles the earlier cycle that left it PENDING.
  for (const report of record.reports) {
    if (report.decidedInCycle === undefined) continue;
    out.push(
      db
        .updateTable('cycles')
        .set({ execution_status: report.status })
        .where('id', '=', report.decidedInCycle)
        .where('user_id', '=', userId)
        .where('execution_status', '=', 'PENDING'),
    );
  }
  const messages: Insertable<MessagesTable>[] = record.messages.map((m) => ({
    id: m.id,
    cycle_id: cycleId,
    seq: m.seq,
    from_agent: m.from,
    to_agent: m.to,
    type: m.type,
    payload: toJson(m.payload),
    ts_event: m.tsEvent,
    ts_init: m.tsInit,
  }));
  for (const part of chunk(messages, MESSAGE_CHUNK)) out.push(db.insertInto('messages').values(part));
  out.push(db.insertInto('market_snapshots').values(snapshotRow(snapshot, cycleId, userId)));
  if (decision) {
    out.push(
      db.insertInto('decisions').values({
        cycle_id: cycleId,
        user_id: userId,
        symbol: decision.symbol,
        action: decision.action,
        confidence: decision.confidence,
        reason: decision.reason,
        model_version: decision.modelVersion,
        strategy: decision.strategy,
        probabilities: toJson(decision.probabilities),
        price: snapshot.price,
        created_at: snapshot.observedAt,
      }),
    );
  }
  const trades = tradeRows(record);
  if (trades.length > 0) out.push(db.insertInto('trades').values(trades));
  if (!portfolio) return out;

  const book = portfolio.snapshot;
  const time = book.time;
  out.push(
    db
      .insertInto('accounts')
      .values({
        user_id: userId,
        // Only used when the account row does not exist yet; from equity = start + realised + unrealised - fees.
        starting_capital: book.equity - book.realizedPnl - book.unrealizedPnl + book.feesPaid,
        cash: book.cash,
        realized_pnl: book.realizedPnl,
        fees_paid: book.feesPaid,
        updated_at: time,
      })
      .onConflict((oc) =>
        oc.column('user_id').doUpdateSet((eb) => ({
          cash: eb.ref('excluded.cash'),
          realized_pnl: eb.ref('excluded.realized_pnl'),
          fees_paid: eb.ref('excluded.fees_paid'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      ),
  );
  // Replace the set: the delete and the upsert touch disjoint rows, so they can share one PostgreSQL statement.
  const open = portfolio.positions.filter((p) => p.quantity !== 0);
  const keep = open.map((p) => p.symbol);
  let remove = db.deleteFrom('positions').where('user_id', '=', userId);
  if (keep.length > 0) remove = remove.where('symbol', 'not in', keep);
  out.push(remove);
  if (open.length > 0) {
    out.push(
      db
        .insertInto('positions')
        .values(
          open.map((p) => ({
            user_id: userId,
            symbol: p.symbol,
            quantity: p.quantity,
            avg_price: p.avgPrice,
            stop_loss: p.stopLoss ?? null,
            take_profit: p.takeProfit ?? null,
            entries: p.entries ?? 1,
            opened_at: time,
            updated_at: time,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['user_id', 'symbol']).doUpdateSet((eb) => ({
            quantity: eb.ref('excluded.quantity'),
            avg_price: eb.ref('excluded.avg_price'),
            stop_loss: eb.ref('excluded.stop_loss'),
            take_profit: eb.ref('excluded.take_profit'),
            entries: eb.ref('excluded.entries'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        ),
    );
  }
  out.push(
    db.insertInto('equity_points').values({
      user_id: userId,
      cycle_id: cycleId,
      time,
      cash: book.cash,
      equity: book.equity,
      realized_pnl: book.realizedPnl,
      unrealized_pnl: book.unrealizedPnl,
    }),
  );
  return out;
}

function toSummary(row: Omit<CyclesTable, 'response'>): CycleSummary {
  return {
    id: row.id,
    userId: row.user_id,
    symbol: row.symbol,
    protocol: row.protocol,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    action: row.action as Action | null,
    confidence: row.confidence,
    executionStatus: row.execution_status as OrderStatus | null,
    modelVersion: row.model_version,
    idempotencyKey: row.idempotency_key,
  };
}

const SUMMARY_COLUMNS = [
  'id',
  'user_id',
  'symbol',
  'protocol',
  'started_at',
  'finished_at',
  'action',
  'confidence',
  'execution_status',
  'model_version',
  'idempotency_key',
] as const;

/**
 * Cycles and everything they wrote. `saveCycle` is the hot path of every trading cycle: multi-row inserts
 * for messages, trades and positions; one transaction on SQLite, one statement on PostgreSQL.
 */
export class CycleRepository implements CycleStore {
  private nextId = 1;
  private lastId = 0;
  private refill: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly opts: { readonly idBlock: number; readonly dialect: SqlDialect },
  ) {}

  /**
   * A cycle id unique across every process sharing the database. Ids are reserved `idBlock` at a time with
   * one atomic `UPDATE ... RETURNING`, then handed out from memory; `releaseUnusedIds` (on close) returns the
   * rest. Gaps remain where a cycle failed after taking its id (it saves nothing), where another process
   * reserved a block in between (ids interleave), and after a crash (the reserved block is lost).
   * @throws ConclaveError STORE_UNAVAILABLE
   */
  async nextCycleId(): Promise<number> {
    while (this.nextId > this.lastId) {
      // Concurrent callers share one refill instead of each reserving a block.
      this.refill ??= this.reserveBlock().finally(() => {
        this.refill = null;
      });
      await this.refill;
    }
    return this.nextId++;
  }

  /**
   * Hands the ids reserved but never used back to the sequence, so the next process continues where this one
   * stopped. A compare-and-set: when another process reserved a block meanwhile, the tail stays a gap.
   */
  async releaseUnusedIds(): Promise<void> {
    if (this.refill) await this.refill.catch(() => {});
    if (this.nextId > this.lastId) return;
    await this.db
      .updateTable('sequences')
      .set({ value: this.nextId - 1 })
      .where('name', '=', 'cycle')
      .where('value', '=', this.lastId)
      .execute();
    this.lastId = this.nextId - 1;
  }

  private async reserveBlock(): Promise<void> {
    const block = this.opts.idBlock;
    const row = await this.db
      .updateTable('sequences')
      .set((eb) => ({ value: eb('value', '+', block) }))
      .where('name', '=', 'cycle')
      .returning('value')
      .executeTakeFirstOrThrow();
    this.lastId = row.value;
    this.nextId = row.value - block + 1;
  }

  /**
   * Writes the cycle row, its messages, snapshot, decision, trades (FILLED and REJECTED reports, plus stop
   * fills without a report), the account, the user's positions (replaced as a set) and an equity point, all
   * or nothing. SQLite: one IMMEDIATE transaction of in-process statements. PostgreSQL: the same statements
   * as data-modifying CTEs of ONE statement (atomic on its own, one network round trip instead of ten).
   * @throws ConclaveError CONFLICT when the idempotency key, cycle id or an order id already exists (nothing written)
   * @throws ConclaveError STORE_UNAVAILABLE
   */
  async saveCycle(record: CycleRecord): Promise<void> {
    // One statement must stay under PostgreSQL's 65535 bind parameters; huge cycles take the transaction path.
    if (
      this.opts.dialect === 'postgres' &&
      record.messages.length + record.reports.length + record.fills.length <= PG_SINGLE_STATEMENT_ROWS
    ) {
      const statements = cycleStatements(this.db, record);
      const last = statements.pop();
      const ctes = statements.map((q, i) => sql`${sql.id(`w${i}`)} as (${q})`);
      await sql`with ${sql.join(ctes, sql`, `)} ${last}`.execute(this.db);
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      for (const statement of cycleStatements(trx, record)) await statement.execute();
    });
  }

  /** The cycle if it exists and belongs to `userId`, else null (another user's cycle is indistinguishable from none). */
  async get(cycleId: number, userId: number): Promise<StoredCycle | null> {
    const row = await this.db.selectFrom('cycles').selectAll().where('id', '=', cycleId).where('user_id', '=', userId).executeTakeFirst();
    return row ? { ...toSummary(row), response: fromJson<unknown>(row.response, 'cycles.response') } : null;
  }

  /** The user's cycles, newest (highest id) first. */
  async list(query: CycleListQuery): Promise<CycleSummary[]> {
    let q = this.db.selectFrom('cycles').select(SUMMARY_COLUMNS).where('user_id', '=', query.userId);
    if (query.symbol !== undefined) q = q.where('symbol', '=', query.symbol);
    if (query.before !== undefined) q = q.where('id', '<', query.before);
    const rows = await q.orderBy('id', 'desc').limit(query.limit).execute();
    return rows.map(toSummary);
  }

  /** The cycle's messages in dispatch order with payloads parsed; null when the cycle is not the user's. */
  async messages(cycleId: number, userId: number): Promise<AgentMessage[] | null> {
    const owner = await this.db
      .selectFrom('cycles')
      .select('id')
      .where('id', '=', cycleId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (!owner) return null;
    const rows = await this.db.selectFrom('messages').selectAll().where('cycle_id', '=', cycleId).orderBy('seq').orderBy('id').execute();
    return rows.map(
      (r) =>
        ({
          id: r.id,
          cycleId: r.cycle_id,
          seq: r.seq,
          from: r.from_agent,
          to: r.to_agent,
          type: r.type,
          payload: fromJson<unknown>(r.payload, 'messages.payload'),
          tsEvent: r.ts_event,
          tsInit: r.ts_init,
        }) as AgentMessage,
    );
  }

  /** Cycles of all users by execution status (`NONE` for cycles without an order report), for metrics. */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('cycles')
      .select((eb) => ['execution_status', eb.fn.countAll<number>().as('n')])
      .groupBy('execution_status')
      .execute();
    const out: Record<string, number> = {};
    for (const r of rows) out[r.execution_status ?? 'NONE'] = Number(r.n);
    return out;
  }
}
