import type { Kysely, Selectable } from 'kysely';
import type { DatabaseSchema, TradesTable } from './schema.js';

/** A trades row: a FILLED order or a REJECTED one (risk denial), as shown by `/trading/trades`. */
export interface StoredTrade {
  readonly id: number;
  readonly orderId: string;
  readonly cycleId: number | null;
  readonly userId: number;
  readonly symbol: string;
  readonly action: 'BUY' | 'SELL';
  readonly status: 'FILLED' | 'REJECTED';
  readonly quantity: number;
  readonly price: number;
  readonly executionPrice: number | null;
  readonly fee: number;
  /** Denial reason, or STOP_LOSS / TAKE_PROFIT for stop fills; null for ordinary fills. */
  readonly reason: string | null;
  readonly modelVersion: string | null;
  readonly strategy: string | null;
  /** Epoch ms of the fill or denial. */
  readonly timestamp: number;
}

export function toStoredTrade(r: Selectable<TradesTable>): StoredTrade {
  return {
    id: r.id,
    orderId: r.order_id,
    cycleId: r.cycle_id,
    userId: r.user_id,
    symbol: r.symbol,
    action: r.action,
    status: r.status,
    quantity: r.quantity,
    price: r.price,
    executionPrice: r.execution_price,
    fee: r.fee,
    reason: r.reason,
    modelVersion: r.model_version,
    strategy: r.strategy,
    timestamp: r.timestamp,
  };
}

export class TradeRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** The user's trades, newest first (ties by id, newest first), at most `limit`. */
  async recent(userId: number, limit: number): Promise<StoredTrade[]> {
    const rows = await this.db
      .selectFrom('trades')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('timestamp', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toStoredTrade);
  }

  /**
   * The user's fills (FILLED rows), oldest first: what pairing into round trips needs. At most `limit`, the
   * oldest ones, so a pairing never starts in the middle of a position.
   */
  async fills(userId: number, limit: number): Promise<StoredTrade[]> {
    const rows = await this.db
      .selectFrom('trades')
      .selectAll()
      .where('user_id', '=', userId)
      .where('status', '=', 'FILLED')
      .orderBy('timestamp', 'asc')
      .orderBy('id', 'asc')
      .limit(limit)
      .execute();
    return rows.map(toStoredTrade);
  }

  /** The user's trades of one symbol, newest first. */
  async bySymbol(userId: number, symbol: string, limit: number): Promise<StoredTrade[]> {
    const rows = await this.db
      .selectFrom('trades')
      .selectAll()
      .where('user_id', '=', userId)
      .where('symbol', '=', symbol)
      .orderBy('timestamp', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toStoredTrade);
  }

  /** The trades written by one cycle, in insertion order. */
  async byCycle(cycleId: number, userId: number): Promise<StoredTrade[]> {
    const rows = await this.db
      .selectFrom('trades')
      .selectAll()
      .where('cycle_id', '=', cycleId)
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute();
    return rows.map(toStoredTrade);
  }

  /** Number of the user's trades, optionally of one status. */
  async count(userId: number, status?: 'FILLED' | 'REJECTED'): Promise<number> {
    let q = this.db
      .selectFrom('trades')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId);
    if (status) q = q.where('status', '=', status);
    const row = await q.executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
