import type { Kysely, Selectable } from 'kysely';
import { fromIntBool, toIntBool } from './codec.js';
import type { DatabaseSchema, SymbolsTable } from './schema.js';

/** A symbol a user watches. */
export interface StoredSymbol {
  readonly id: number;
  readonly userId: number;
  readonly symbol: string;
  /** Market-data source (`binance`, `bybit`, `yahoo`, ...). */
  readonly venue: string;
  /** `crypto`, `stock`, ... */
  readonly assetType: string;
  readonly interval: string;
  /** Watched by the scheduler when true. */
  readonly active: boolean;
  readonly createdAt: number;
}

export interface NewSymbol {
  readonly symbol: string;
  readonly venue: string;
  readonly assetType: string;
  readonly interval: string;
  readonly active?: boolean;
  /** Epoch ms; defaults to the wall clock. */
  readonly createdAt?: number;
}

function toSymbol(r: Selectable<SymbolsTable>): StoredSymbol {
  return {
    id: r.id,
    userId: r.user_id,
    symbol: r.symbol,
    venue: r.venue,
    assetType: r.asset_type,
    interval: r.interval,
    active: fromIntBool(r.active),
    createdAt: r.created_at,
  };
}

export class SymbolRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Adds a symbol to the user's list. @throws ConclaveError CONFLICT when the user already has it */
  async add(userId: number, input: NewSymbol): Promise<StoredSymbol> {
    const row = await this.db
      .insertInto('symbols')
      .values({
        user_id: userId,
        symbol: input.symbol,
        venue: input.venue,
        asset_type: input.assetType,
        interval: input.interval,
        active: toIntBool(input.active ?? true),
        created_at: input.createdAt ?? Date.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSymbol(row);
  }

  /** The user's symbols in the order they were added. */
  async list(userId: number): Promise<StoredSymbol[]> {
    const rows = await this.db.selectFrom('symbols').selectAll().where('user_id', '=', userId).orderBy('id').execute();
    return rows.map(toSymbol);
  }

  /** The symbol if it is the user's, else null. */
  async get(id: number, userId: number): Promise<StoredSymbol | null> {
    const row = await this.db.selectFrom('symbols').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return row ? toSymbol(row) : null;
  }

  /** Removes the user's symbol; false when it did not exist or is another user's. */
  async remove(id: number, userId: number): Promise<boolean> {
    const result = await this.db.deleteFrom('symbols').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Starts or stops watching; returns the updated symbol, or null when it is not the user's. */
  async setActive(id: number, userId: number, active: boolean): Promise<StoredSymbol | null> {
    const row = await this.db
      .updateTable('symbols')
      .set({ active: toIntBool(active) })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .returningAll()
      .executeTakeFirst();
    return row ? toSymbol(row) : null;
  }

  /** Every user's active symbols, for the scheduler. */
  async activeAll(): Promise<StoredSymbol[]> {
    const rows = await this.db.selectFrom('symbols').selectAll().where('active', '=', 1).orderBy('id').execute();
    return rows.map(toSymbol);
  }
}
