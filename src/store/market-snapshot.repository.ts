import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Interval } from '../domain/candle.js';
import type { MarketSnapshot, Venue } from '../domain/market.js';
import { fromJsonOrNull, toJsonOrNull } from './codec.js';
import type { DatabaseSchema, MarketSnapshotsTable } from './schema.js';

/**
 * A stored snapshot: the market data of a cycle, a market refresh or an advice, without candles. Each belongs
 * to the account that took it: its time and cycle id tell what that account was doing.
 */
export type StoredSnapshot = Omit<MarketSnapshot, 'candles'> & { readonly id: number; readonly cycleId: number | null };

function toStoredSnapshot(r: Selectable<MarketSnapshotsTable>): StoredSnapshot {
  return {
    id: r.id,
    cycleId: r.cycle_id,
    symbol: r.symbol,
    price: r.price,
    source: r.source as Venue,
    interval: r.interval as Interval,
    indicators: { sma_10: r.sma_10, sma_50: r.sma_50, rsi_14: r.rsi_14 },
    features: fromJsonOrNull<Record<string, number>>(r.features, 'market_snapshots.features'),
    candleTime: r.candle_time,
    observedAt: r.observed_at,
  };
}

export class MarketSnapshotRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** The user's most recently observed snapshot of `symbol`, or null. */
  async latest(userId: number, symbol: string): Promise<StoredSnapshot | null> {
    const row = await this.db
      .selectFrom('market_snapshots')
      .selectAll()
      .where('user_id', '=', userId)
      .where('symbol', '=', symbol)
      .orderBy('observed_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toStoredSnapshot(row) : null;
  }

  /** The user's snapshots of `symbol` observed in [from, to] (epoch ms, inclusive), oldest first, at most `limit`. */
  async range(userId: number, symbol: string, from: number, to: number, limit: number): Promise<StoredSnapshot[]> {
    const rows = await this.db
      .selectFrom('market_snapshots')
      .selectAll()
      .where('user_id', '=', userId)
      .where('symbol', '=', symbol)
      .where('observed_at', '>=', from)
      .where('observed_at', '<=', to)
      .orderBy('observed_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toStoredSnapshot);
  }

  /** Stores a snapshot the user took outside a cycle (market refresh, advice); returns its id. Candles are not stored. */
  async insert(userId: number, snapshot: Omit<MarketSnapshot, 'candles'>): Promise<number> {
    const row = await this.db
      .insertInto('market_snapshots')
      .values(snapshotRow(snapshot, null, userId))
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }
}

/** The market_snapshots row of a snapshot (its candles are not stored); shared with the cycle's transaction. */
export function snapshotRow(
  snapshot: Omit<MarketSnapshot, 'candles'>,
  cycleId: number | null,
  userId: number,
): Insertable<MarketSnapshotsTable> {
  return {
    cycle_id: cycleId,
    user_id: userId,
    symbol: snapshot.symbol,
    source: snapshot.source,
    interval: snapshot.interval,
    price: snapshot.price,
    sma_10: snapshot.indicators.sma_10,
    sma_50: snapshot.indicators.sma_50,
    rsi_14: snapshot.indicators.rsi_14,
    features: toJsonOrNull(snapshot.features),
    candle_time: snapshot.candleTime,
    observed_at: snapshot.observedAt,
  };
}
