import { type Insertable, type Kysely, type OnConflictBuilder, sql } from 'kysely';
import type { Candle } from '../domain/candle.js';
import { chunk } from './codec.js';
import type { SqlDialect } from './migrations/index.js';
import type { CandlesTable, DatabaseSchema } from './schema.js';

/** 10 parameters per row: 1000 rows stay under SQLite's 32766 and PostgreSQL's 65535 bound parameters. */
const CANDLE_CHUNK = 1000;

/** 7 arrays per statement on PostgreSQL; 10k rows keeps each array parameter a few hundred KB. */
const PG_UNNEST_CHUNK = 10_000;

function rows(venue: string, symbol: string, interval: string, candles: readonly Candle[]): Insertable<CandlesTable>[] {
  return candles.map((c) => ({
    venue,
    symbol,
    interval,
    open_time: c.openTime,
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
    close_time: c.closeTime,
  }));
}

function onConflict(oc: OnConflictBuilder<DatabaseSchema, 'candles'>, update: boolean) {
  const target = oc.columns(['venue', 'symbol', 'interval', 'open_time']);
  return update
    ? target.doUpdateSet((eb) => ({
        open: eb.ref('excluded.open'),
        high: eb.ref('excluded.high'),
        low: eb.ref('excluded.low'),
        close: eb.ref('excluded.close'),
        volume: eb.ref('excluded.volume'),
        close_time: eb.ref('excluded.close_time'),
      }))
    : target.doNothing();
}

export interface UpsertOptions {
  /** `update` (default) overwrites a stored bar with the same open time (a re-download of an unfinished bar); `ignore` keeps it. */
  readonly onConflict?: 'update' | 'ignore';
}

/** Historical candles by (venue, symbol, interval, openTime): the local cache downloads resume from. */
export class CandleRepository {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    readonly dialect: SqlDialect,
  ) {}

  /**
   * Writes `candles` in chunked multi-row inserts inside one transaction (100k rows: one commit, no per-row
   * round trips). Returns the number of rows inserted or updated.
   * @throws ConclaveError STORE_UNAVAILABLE
   */
  async upsertMany(venue: string, symbol: string, interval: string, candles: readonly Candle[], opts: UpsertOptions = {}): Promise<number> {
    if (candles.length === 0) return 0;
    const update = (opts.onConflict ?? 'update') === 'update';
    return this.db.transaction().execute(async (trx) => {
      let written = 0;
      if (this.dialect === 'postgres') {
        for (const part of chunk(candles, PG_UNNEST_CHUNK)) written += await this.upsertUnnest(trx, venue, symbol, interval, part, update);
        return written;
      }
      for (const part of chunk(rows(venue, symbol, interval, candles), CANDLE_CHUNK)) {
        const result = await trx
          .insertInto('candles')
          .values(part)
          .onConflict((oc) => onConflict(oc, update))
          .executeTakeFirst();
        written += Number(result.numInsertedOrUpdatedRows ?? 0);
      }
      return written;
    });
  }

  /**
   * PostgreSQL: seven array parameters per chunk instead of ten scalars per row; parsing and binding tens of
   * thousands of parameters is what makes large multi-row inserts slow there.
   */
  private async upsertUnnest(
    trx: Kysely<DatabaseSchema>,
    venue: string,
    symbol: string,
    interval: string,
    candles: readonly Candle[],
    update: boolean,
  ): Promise<number> {
    const col = (pick: (c: Candle) => number) => candles.map(pick);
    const result = await trx
      .insertInto('candles')
      .columns(['venue', 'symbol', 'interval', 'open_time', 'open', 'high', 'low', 'close', 'volume', 'close_time'])
      .expression(
        sql`select ${venue}, ${symbol}, ${interval}, u.* from unnest(${col((c) => c.openTime)}::bigint[], ${col((c) => c.open)}::float8[], ${col(
          (c) => c.high,
        )}::float8[], ${col((c) => c.low)}::float8[], ${col((c) => c.close)}::float8[], ${col((c) => c.volume)}::float8[], ${col(
          (c) => c.closeTime,
        )}::bigint[]) as u`,
      )
      .onConflict((oc) => onConflict(oc, update))
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0);
  }

  /** Candles with openTime in [from, to] (inclusive epoch ms), oldest first; at most `limit` when given. */
  async range(venue: string, symbol: string, interval: string, from: number, to: number, limit?: number): Promise<Candle[]> {
    let q = this.db
      .selectFrom('candles')
      .select(['open_time', 'open', 'high', 'low', 'close', 'volume', 'close_time'])
      .where('venue', '=', venue)
      .where('symbol', '=', symbol)
      .where('interval', '=', interval)
      .where('open_time', '>=', from)
      .where('open_time', '<=', to)
      .orderBy('open_time');
    if (limit !== undefined) q = q.limit(limit);
    const rows = await q.execute();
    return rows.map((r) => ({
      openTime: r.open_time,
      open: r.open,
      high: r.high,
      low: r.low,
      close: r.close,
      volume: r.volume,
      closeTime: r.close_time,
    }));
  }

  /** Open time of the newest stored candle, or null when none: where a resumed download starts. */
  async latestOpenTime(venue: string, symbol: string, interval: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('candles')
      .select((eb) => eb.fn.max('open_time').as('t'))
      .where('venue', '=', venue)
      .where('symbol', '=', symbol)
      .where('interval', '=', interval)
      .executeTakeFirst();
    return row?.t === null || row?.t === undefined ? null : Number(row.t);
  }

  /** Stored candles of one series. */
  async count(venue: string, symbol: string, interval: string): Promise<number> {
    const row = await this.db
      .selectFrom('candles')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('venue', '=', venue)
      .where('symbol', '=', symbol)
      .where('interval', '=', interval)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
