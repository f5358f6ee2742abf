import type { Kysely, Selectable } from 'kysely';
import type { Position } from '../domain/portfolio.js';
import type { DatabaseSchema, EquityPointsTable, PositionsTable } from './schema.js';

/** What the engine needs to rebuild a user's Portfolio (same shape as src/execution/portfolio.ts `Book`). */
export interface StoredBook {
  readonly startingCapital: number;
  readonly cash: number;
  readonly realizedPnl: number;
  readonly feesPaid: number;
  readonly positions: readonly StoredPosition[];
  /** Epoch ms of the last write to the account. */
  readonly updatedAt: number;
}

export interface StoredPosition extends Position {
  readonly stopLoss: number | null;
  readonly takeProfit: number | null;
  readonly openedAt: number;
  readonly updatedAt: number;
}

export interface EquityPoint {
  readonly time: number;
  readonly cycleId: number | null;
  readonly cash: number;
  readonly equity: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
}

export interface EquityCurveQuery {
  readonly from?: number;
  readonly to?: number;
  /** The newest `limit` points in the window are returned (oldest first). */
  readonly limit: number;
}

function toPosition(r: Selectable<PositionsTable>): StoredPosition {
  return {
    symbol: r.symbol,
    quantity: r.quantity,
    avgPrice: r.avg_price,
    stopLoss: r.stop_loss,
    takeProfit: r.take_profit,
    entries: r.entries,
    openedAt: r.opened_at,
    updatedAt: r.updated_at,
  };
}

function toEquityPoint(r: Selectable<EquityPointsTable>): EquityPoint {
  return {
    time: r.time,
    cycleId: r.cycle_id,
    cash: r.cash,
    equity: r.equity,
    realizedPnl: r.realized_pnl,
    unrealizedPnl: r.unrealized_pnl,
  };
}

/** Accounts, positions and equity points. The engine writes them through `CycleRepository.saveCycle`. */
export class PortfolioRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /**
   * The user's book; on first use creates the account with `startingCapital` in cash (concurrent first
   * calls agree: the insert is ON CONFLICT DO NOTHING and the stored row is read back).
   */
  async loadBook(userId: number, startingCapital: number, now = 0): Promise<StoredBook> {
    let account = await this.db.selectFrom('accounts').selectAll().where('user_id', '=', userId).executeTakeFirst();
    if (!account) {
      await this.db
        .insertInto('accounts')
        .values({
          user_id: userId,
          starting_capital: startingCapital,
          cash: startingCapital,
          realized_pnl: 0,
          fees_paid: 0,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('user_id').doNothing())
        .execute();
      account = await this.db.selectFrom('accounts').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();
    }
    const positions = await this.positions(userId);
    return {
      startingCapital: account.starting_capital,
      cash: account.cash,
      realizedPnl: account.realized_pnl,
      feesPaid: account.fees_paid,
      positions,
      updatedAt: account.updated_at,
    };
  }

  /** Open positions of the user, by symbol. */
  async positions(userId: number): Promise<StoredPosition[]> {
    const rows = await this.db.selectFrom('positions').selectAll().where('user_id', '=', userId).orderBy('symbol').execute();
    return rows.map(toPosition);
  }

  /** Equity points in [from, to] (inclusive epoch ms), the newest `limit` of them, oldest first. */
  async equityCurve(userId: number, query: EquityCurveQuery): Promise<EquityPoint[]> {
    let q = this.db.selectFrom('equity_points').selectAll().where('user_id', '=', userId);
    if (query.from !== undefined) q = q.where('time', '>=', query.from);
    if (query.to !== undefined) q = q.where('time', '<=', query.to);
    const rows = await q.orderBy('time', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
    return rows.reverse().map(toEquityPoint);
  }

  /**
   * Starts the account over: cash = `startingCapital`, no PnL, no fees, no positions, no equity curve.
   * Trades and decisions stay as history.
   */
  async reset(userId: number, startingCapital: number, now = 0): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('positions').where('user_id', '=', userId).execute();
      await trx.deleteFrom('equity_points').where('user_id', '=', userId).execute();
      await trx
        .insertInto('accounts')
        .values({
          user_id: userId,
          starting_capital: startingCapital,
          cash: startingCapital,
          realized_pnl: 0,
          fees_paid: 0,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc
            .column('user_id')
            .doUpdateSet({ starting_capital: startingCapital, cash: startingCapital, realized_pnl: 0, fees_paid: 0, updated_at: now }),
        )
        .execute();
    });
  }
}
