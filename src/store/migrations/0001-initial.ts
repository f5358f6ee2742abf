import { type CreateTableBuilder, type Kysely, type Migration, sql } from 'kysely';

export type SqlDialect = 'sqlite' | 'postgres';

/**
 * The initial schema, written once for both dialects with the schema builder. The few differences are
 * confined to `idColumn` (SQLite needs exactly `integer primary key autoincrement`; PostgreSQL uses an
 * identity) and the identity restart after the loopback user is inserted with an explicit id.
 *
 * Types: `bigint` for epoch-ms times and ids (integer affinity on SQLite, int8 parsed to number on pg),
 * `double precision` for prices and amounts (REAL affinity on SQLite), `integer` 0/1 for booleans, `text` for
 * JSON, so both dialects read back identical JavaScript values.
 */
export function initialMigration(dialect: SqlDialect): Migration {
  // biome-ignore lint/suspicious/noExplicitAny: the builder's table-name type parameter is open by design
  type Builder = CreateTableBuilder<any, any>;
  const withId = (table: Builder): Builder =>
    dialect === 'sqlite'
      ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      : table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity());

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const s = db.schema;
      await withId(s.createTable('users'))
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('email', 'text', (c) => c.unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      // The loopback user: an empty hash matches no password, so it can act locally but never log in.
      await sql`insert into users (id, username, email, password_hash, created_at) values (1, 'local', null, '', 0)`.execute(db);
      if (dialect === 'postgres') {
        await sql`select setval(pg_get_serial_sequence('users', 'id'), 1)`.execute(db);
      }

      await s
        .createTable('refresh_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();

      await withId(s.createTable('symbols'))
        .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('symbol', 'text', (c) => c.notNull())
        .addColumn('venue', 'text', (c) => c.notNull())
        .addColumn('asset_type', 'text', (c) => c.notNull())
        .addColumn('interval', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('symbols_user_symbol_unique', ['user_id', 'symbol'])
        .execute();

      await s
        .createTable('sequences')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into sequences (name, value) values ('cycle', 0)`.execute(db);

      await s
        .createTable('cycles')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('user_id', 'bigint', (c) => c.notNull())
        .addColumn('symbol', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint', (c) => c.notNull())
        .addColumn('action', 'text')
        .addColumn('confidence', 'double precision')
        .addColumn('execution_status', 'text')
        .addColumn('model_version', 'text')
        .addColumn('idempotency_key', 'text', (c) => c.unique())
        .addColumn('response', 'text', (c) => c.notNull())
        .execute();
      await s.createIndex('cycles_user_id_idx').on('cycles').columns(['user_id', 'id']).execute();
      await s.createIndex('cycles_user_symbol_id_idx').on('cycles').columns(['user_id', 'symbol', 'id']).execute();

      await s
        .createTable('messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('cycle_id', 'bigint', (c) => c.notNull().references('cycles.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('from_agent', 'text', (c) => c.notNull())
        .addColumn('to_agent', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('ts_event', 'bigint', (c) => c.notNull())
        .addColumn('ts_init', 'bigint', (c) => c.notNull())
        .execute();
      await s.createIndex('messages_cycle_seq_idx').on('messages').columns(['cycle_id', 'seq']).execute();

      await withId(s.createTable('market_snapshots'))
        .addColumn('cycle_id', 'bigint')
        .addColumn('symbol', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('interval', 'text', (c) => c.notNull())
        .addColumn('price', 'double precision', (c) => c.notNull())
        .addColumn('sma_10', 'double precision')
        .addColumn('sma_50', 'double precision')
        .addColumn('rsi_14', 'double precision')
        .addColumn('features', 'text')
        .addColumn('candle_time', 'bigint', (c) => c.notNull())
        .addColumn('observed_at', 'bigint', (c) => c.notNull())
        .execute();
      await s.createIndex('market_snapshots_symbol_time_idx').on('market_snapshots').columns(['symbol', 'observed_at']).execute();

      await withId(s.createTable('decisions'))
        .addColumn('cycle_id', 'bigint')
        .addColumn('user_id', 'bigint', (c) => c.notNull())
        .addColumn('symbol', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('confidence', 'double precision', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('model_version', 'text', (c) => c.notNull())
        .addColumn('strategy', 'text', (c) => c.notNull())
        .addColumn('probabilities', 'text', (c) => c.notNull())
        .addColumn('price', 'double precision', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await s.createIndex('decisions_user_time_idx').on('decisions').columns(['user_id', 'created_at']).execute();
      await s.createIndex('decisions_symbol_time_idx').on('decisions').columns(['symbol', 'created_at']).execute();

      await withId(s.createTable('trades'))
        .addColumn('order_id', 'text', (c) => c.notNull().unique())
        .addColumn('cycle_id', 'bigint')
        .addColumn('user_id', 'bigint', (c) => c.notNull())
        .addColumn('symbol', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('quantity', 'double precision', (c) => c.notNull())
        .addColumn('price', 'double precision', (c) => c.notNull())
        .addColumn('execution_price', 'double precision')
        .addColumn('fee', 'double precision', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('model_version', 'text')
        .addColumn('strategy', 'text')
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .execute();
      await s.createIndex('trades_user_time_idx').on('trades').columns(['user_id', 'timestamp']).execute();
      await s.createIndex('trades_cycle_idx').on('trades').column('cycle_id').execute();

      await s
        .createTable('accounts')
        .addColumn('user_id', 'bigint', (c) => c.primaryKey())
        .addColumn('starting_capital', 'double precision', (c) => c.notNull())
        .addColumn('cash', 'double precision', (c) => c.notNull())
        .addColumn('realized_pnl', 'double precision', (c) => c.notNull())
        .addColumn('fees_paid', 'double precision', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await s
        .createTable('positions')
        .addColumn('user_id', 'bigint', (c) => c.notNull())
        .addColumn('symbol', 'text', (c) => c.notNull())
        .addColumn('quantity', 'double precision', (c) => c.notNull())
        .addColumn('avg_price', 'double precision', (c) => c.notNull())
        .addColumn('stop_loss', 'double precision')
        .addColumn('take_profit', 'double precision')
        .addColumn('opened_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('positions_pk', ['user_id', 'symbol'])
        .execute();

      await withId(s.createTable('equity_points'))
        .addColumn('user_id', 'bigint', (c) => c.notNull())
        .addColumn('cycle_id', 'bigint')
        .addColumn('time', 'bigint', (c) => c.notNull())
        .addColumn('cash', 'double precision', (c) => c.notNull())
        .addColumn('equity', 'double precision', (c) => c.notNull())
        .addColumn('realized_pnl', 'double precision', (c) => c.notNull())
        .addColumn('unrealized_pnl', 'double precision', (c) => c.notNull())
        .execute();
      await s.createIndex('equity_points_user_time_idx').on('equity_points').columns(['user_id', 'time']).execute();

      await s
        .createTable('risk_state')
        .addColumn('user_id', 'bigint', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('halted_at', 'bigint')
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('day_start_equity', 'double precision', (c) => c.notNull())
        .addColumn('peak_equity', 'double precision', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await s
        .createTable('candles')
        .addColumn('venue', 'text', (c) => c.notNull())
        .addColumn('symbol', 'text', (c) => c.notNull())
        .addColumn('interval', 'text', (c) => c.notNull())
        .addColumn('open_time', 'bigint', (c) => c.notNull())
        .addColumn('open', 'double precision', (c) => c.notNull())
        .addColumn('high', 'double precision', (c) => c.notNull())
        .addColumn('low', 'double precision', (c) => c.notNull())
        .addColumn('close', 'double precision', (c) => c.notNull())
        .addColumn('volume', 'double precision', (c) => c.notNull())
        .addColumn('close_time', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('candles_pk', ['venue', 'symbol', 'interval', 'open_time'])
        .execute();

      await s
        .createTable('agent_state')
        .addColumn('user_id', 'bigint', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('last_run_at', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('agent_state_pk', ['user_id', 'name'])
        .execute();

      await s
        .createTable('backtests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('progress', 'double precision', (c) => c.notNull())
        .addColumn('result', 'text')
        .addColumn('error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .execute();
      await s.createIndex('backtests_user_time_idx').on('backtests').columns(['user_id', 'created_at']).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      const tables = [
        'backtests',
        'agent_state',
        'candles',
        'risk_state',
        'equity_points',
        'positions',
        'accounts',
        'trades',
        'decisions',
        'market_snapshots',
        'messages',
        'cycles',
        'sequences',
        'symbols',
        'refresh_tokens',
        'users',
      ];
      for (const table of tables) await db.schema.dropTable(table).ifExists().execute();
    },
  };
}
