import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { ACTIONS, type Action, type ActionProbabilities } from '../domain/action.js';
import type { Decision } from '../domain/decision.js';
import { fromJson, toJson } from './codec.js';
import type { DatabaseSchema, DecisionsTable } from './schema.js';

export interface StoredDecision extends Decision {
  readonly id: number;
  readonly cycleId: number | null;
  readonly userId: number;
  /** Market price when the decision was made. */
  readonly price: number;
  /** Epoch ms: the observation time of the snapshot the decision was made on. */
  readonly createdAt: number;
}

export interface NewDecision {
  readonly userId: number;
  readonly cycleId?: number | null;
  readonly decision: Decision;
  readonly price: number;
  readonly createdAt: number;
}

export interface DecisionListQuery {
  readonly userId: number;
  readonly symbol?: string;
  readonly action?: Action;
  /** Inclusive epoch-ms bounds on createdAt. */
  readonly from?: number;
  readonly to?: number;
  readonly limit: number;
  readonly offset: number;
}

export interface DecisionStatistics {
  readonly total: number;
  readonly byAction: Readonly<Record<Action, number>>;
  /** Mean confidence of all counted decisions; null when there are none. */
  readonly meanConfidence: number | null;
  /**
   * Directional hit rate of BUY/SELL decisions against the next stored price of the same symbol (the next
   * market snapshot or the user's next decision, whichever comes first): BUY hits when that price is higher,
   * SELL when lower; an equal price is a miss. Decisions with no later price are not evaluated.
   */
  readonly hitRate: { readonly hits: number; readonly evaluated: number; readonly rate: number | null };
}

function toStoredDecision(r: Selectable<DecisionsTable>): StoredDecision {
  return {
    id: r.id,
    cycleId: r.cycle_id,
    userId: r.user_id,
    symbol: r.symbol,
    action: r.action as Action,
    confidence: r.confidence,
    reason: r.reason,
    modelVersion: r.model_version,
    strategy: r.strategy,
    probabilities: fromJson<ActionProbabilities>(r.probabilities, 'decisions.probabilities'),
    price: r.price,
    createdAt: r.created_at,
  };
}

export class DecisionRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Stores a decision made outside a cycle; returns its id. (Cycles store theirs in `saveCycle`.) */
  async insert(input: NewDecision): Promise<number> {
    const d = input.decision;
    const row = await this.db
      .insertInto('decisions')
      .values({
        cycle_id: input.cycleId ?? null,
        user_id: input.userId,
        symbol: d.symbol,
        action: d.action,
        confidence: d.confidence,
        reason: d.reason,
        model_version: d.modelVersion,
        strategy: d.strategy,
        probabilities: toJson(d.probabilities),
        price: input.price,
        created_at: input.createdAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** A page of the user's decisions, newest first, with the total matching the filters. */
  async list(query: DecisionListQuery): Promise<{ items: StoredDecision[]; total: number }> {
    let base = this.db.selectFrom('decisions').where('user_id', '=', query.userId);
    if (query.symbol !== undefined) base = base.where('symbol', '=', query.symbol);
    if (query.action !== undefined) base = base.where('action', '=', query.action);
    if (query.from !== undefined) base = base.where('created_at', '>=', query.from);
    if (query.to !== undefined) base = base.where('created_at', '<=', query.to);
    const [rows, count] = await Promise.all([
      base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).offset(query.offset).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toStoredDecision), total: Number(count.n) };
  }

  /** Counts by action, mean confidence and directional hit rate of the user's decisions (optionally one symbol). */
  async statistics(userId: number, symbol?: string): Promise<DecisionStatistics> {
    let counts = this.db
      .selectFrom('decisions')
      .select((eb) => ['action', eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('confidence').as('conf')])
      .where('user_id', '=', userId)
      .groupBy('action');
    if (symbol !== undefined) counts = counts.where('symbol', '=', symbol);

    let directional = this.db
      .selectFrom('decisions as d')
      .select((eb) => [
        'd.action',
        'd.price',
        nextSnapshot(eb, 's.observed_at').as('snap_time'),
        nextSnapshot(eb, 's.price').as('snap_price'),
        nextDecision(eb, 'n.created_at').as('dec_time'),
        nextDecision(eb, 'n.price').as('dec_price'),
      ])
      .where('d.user_id', '=', userId)
      .where('d.action', 'in', ['BUY', 'SELL']);
    if (symbol !== undefined) directional = directional.where('d.symbol', '=', symbol);

    const [countRows, dirRows] = await Promise.all([counts.execute(), directional.execute()]);

    const byAction = Object.fromEntries(ACTIONS.map((a) => [a, 0])) as Record<Action, number>;
    let total = 0;
    let confidenceSum = 0;
    for (const r of countRows) {
      if ((ACTIONS as readonly string[]).includes(r.action)) byAction[r.action as Action] = Number(r.n);
      total += Number(r.n);
      confidenceSum += Number(r.conf);
    }

    let hits = 0;
    let evaluated = 0;
    for (const r of dirRows) {
      const next = nextPrice(r.snap_time, r.snap_price, r.dec_time, r.dec_price);
      if (next === null) continue;
      evaluated += 1;
      if ((r.action === 'BUY' && next > r.price) || (r.action === 'SELL' && next < r.price)) hits += 1;
    }
    return {
      total,
      byAction,
      meanConfidence: total > 0 ? confidenceSum / total : null,
      hitRate: { hits, evaluated, rate: evaluated > 0 ? hits / evaluated : null },
    };
  }
}

/** The earlier of the next snapshot and the next decision; a snapshot wins a tie (it is the market's own print). */
function nextPrice(snapTime: number | null, snapPrice: number | null, decTime: number | null, decPrice: number | null): number | null {
  if (snapTime !== null && snapPrice !== null && (decTime === null || snapTime <= decTime)) return snapPrice;
  if (decTime !== null && decPrice !== null) return decPrice;
  return null;
}

type DecisionScope = ExpressionBuilder<DatabaseSchema & { d: DecisionsTable }, 'd'>;

/** A column of the first market snapshot of the decision's symbol observed after it (the price that followed). */
function nextSnapshot(eb: DecisionScope, column: 's.observed_at' | 's.price') {
  return eb
    .selectFrom('market_snapshots as s')
    .select(column)
    .whereRef('s.symbol', '=', 'd.symbol')
    .whereRef('s.observed_at', '>', 'd.created_at')
    .orderBy('s.observed_at')
    .orderBy('s.id')
    .limit(1);
}

/** A column of the same user's next decision on the same symbol. */
function nextDecision(eb: DecisionScope, column: 'n.created_at' | 'n.price') {
  return eb
    .selectFrom('decisions as n')
    .select(column)
    .whereRef('n.symbol', '=', 'd.symbol')
    .whereRef('n.user_id', '=', 'd.user_id')
    .whereRef('n.created_at', '>', 'd.created_at')
    .orderBy('n.created_at')
    .orderBy('n.id')
    .limit(1);
}
