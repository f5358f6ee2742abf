import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type pg from 'pg';
import type { DatabaseTarget } from '../config.js';
import { ConclaveError } from '../domain/errors.js';
import { type AccountLock, type PgAccountLocks, pgAccountLocks } from './account-lock.js';
import { AgentStateRepository } from './agent-state.repository.js';
import { AuditRepository } from './audit.repository.js';
import { BacktestRepository } from './backtest.repository.js';
import { CandleRepository } from './candle.repository.js';
import { CycleRepository } from './cycle.repository.js';
import { DecisionRepository } from './decision.repository.js';
import { cachingSqliteDatabase, mappedDialect } from './dialect.js';
import { toStoreError } from './errors.js';
import { MarketSnapshotRepository } from './market-snapshot.repository.js';
import { migrationProvider, type SqlDialect } from './migrations/index.js';
import { PortfolioRepository } from './portfolio.repository.js';
import { type CompactionResult, compactBefore, databaseBytes } from './retention.js';
import { RiskStateRepository } from './risk-state.repository.js';
import type { DatabaseSchema } from './schema.js';
import { SymbolRepository } from './symbol.repository.js';
import { TradeRepository } from './trade.repository.js';
import { UserRepository } from './user.repository.js';

export interface OpenStoreOptions {
  /** Receives one line per notable event (migrations applied, pool errors). */
  readonly log?: (msg: string) => void;
  /** PostgreSQL only: schema to create (if missing) and use as search_path, so tests can isolate. */
  readonly schema?: string;
  /** PostgreSQL pool size (default 10). */
  readonly poolMax?: number;
  /** Cycle ids reserved per round trip to the sequences table (default 64); unused ones are returned on close. */
  readonly cycleIdBlock?: number;
  /** SQLite only: how long a write waits for another process's lock before STORE_UNAVAILABLE (default 5000 ms). */
  readonly busyTimeoutMs?: number;
}

/** The persistence of one Conclave process: one repository per aggregate over one connection (pool). */
export interface Store {
  readonly dialect: SqlDialect;
  readonly db: Kysely<DatabaseSchema>;
  readonly cycles: CycleRepository;
  readonly trades: TradeRepository;
  readonly snapshots: MarketSnapshotRepository;
  readonly decisions: DecisionRepository;
  readonly portfolio: PortfolioRepository;
  readonly risk: RiskStateRepository;
  readonly users: UserRepository;
  readonly symbols: SymbolRepository;
  readonly agents: AgentStateRepository;
  readonly candles: CandleRepository;
  readonly backtests: BacktestRepository;
  readonly audit: AuditRepository;
  /** Round trip `select 1`; never throws. */
  health(): Promise<{ ok: boolean; latencyMs: number; error?: string }>;
  /** Reclaims space after deletions (SQLite VACUUM + WAL truncate; PostgreSQL VACUUM). */
  vacuum(): Promise<void>;
  /** Deletes the messages of cycles finished before `before` and clears older snapshots' features (see compactBefore). */
  compact(before: number): Promise<CompactionResult>;
  /** Bytes the database occupies (SQLite pages in use plus free; PostgreSQL pg_database_size). */
  sizeBytes(): Promise<number>;
  /**
   * PostgreSQL only (null on SQLite, whose one writer already serialises processes): the cross-process lock of
   * one account's book, held by the engine from loading the book to saving the cycle.
   */
  readonly lockAccount: AccountLock | null;
  /** Closes the connection / pool; safe to call twice. */
  close(): Promise<void>;
}

/** Upper bound the WAL file is truncated to after a checkpoint (SQLite keeps the high-water mark otherwise). */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens the database named by `target`, applies pending migrations and returns the repositories.
 * SQLite: creates the parent directory, WAL, synchronous=NORMAL, foreign keys on, busy_timeout 5000 ms;
 * `:memory:` gives a private throw-away database. PostgreSQL: a pool of `poolMax` connections with int8 and
 * numeric parsed to numbers.
 * @throws ConclaveError STORE_UNAVAILABLE when the database cannot be opened or reached; CONFIG_INVALID for a bad schema name.
 */
export async function openStore(target: DatabaseTarget, opts: OpenStoreOptions = {}): Promise<Store> {
  const log = opts.log ?? (() => {});
  const db = target.kind === 'sqlite' ? openSqlite(target.path, opts.busyTimeoutMs ?? 5_000) : await openPostgres(target.url, opts, log);
  const dialect: SqlDialect = target.kind;
  try {
    if (dialect === 'postgres' && opts.schema) {
      await sql`create schema if not exists ${sql.id(opts.schema)}`.execute(db);
    }
    await migrate(db, dialect, opts.schema, log);
  } catch (error) {
    await db.destroy().catch(() => {});
    throw toStoreError(error);
  }
  const locks = target.kind === 'postgres' ? await pgAccountLocks(target.url, { schema: opts.schema }) : null;
  return buildStore(db, dialect, opts, locks);
}

function openSqlite(path: string, busyTimeoutMs: number): Kysely<DatabaseSchema> {
  let raw: Database.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    raw = new Database(path);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = ON');
    raw.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
    // WAL checkpoints recycle the file but never shrink it; after a burst (a long reader holding back the
    // checkpoint) it is cut back to this size instead of keeping its high-water mark on disk.
    raw.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  } catch (error) {
    throw new ConclaveError(
      'STORE_UNAVAILABLE',
      `store: cannot open SQLite database at ${path}: ${(error as Error).message}`,
      { path },
      { cause: error },
    );
  }
  const dialect = new SqliteDialect({ database: cachingSqliteDatabase(raw) });
  return new Kysely<DatabaseSchema>({ dialect: mappedDialect(dialect, { immediateTransactions: true }) });
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** pg loads only for PostgreSQL targets: a laptop on SQLite should not pay its import at start-up. */
async function openPostgres(url: string, opts: OpenStoreOptions, log: (msg: string) => void): Promise<Kysely<DatabaseSchema>> {
  const { default: pgLib } = await import('pg');
  if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
    throw new ConclaveError('CONFIG_INVALID', `store: schema must match ${SCHEMA_NAME}, got "${opts.schema}"`, { schema: opts.schema });
  }
  // Per-pool parsers (not pg.types globals) so another pg user in the process keeps its own behaviour.
  // Epoch-ms times and ids fit exactly in a double (< 2^53).
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
      return pgLib.types.getTypeParser(oid, format ?? 'text');
    },
  };
  const pool = new pgLib.Pool({
    connectionString: url,
    max: opts.poolMax ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    types: types as pg.CustomTypesConfig,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle client losing its server emits here; without a listener the process would crash.
  pool.on('error', (error) => log(`store: idle PostgreSQL client error: ${error.message}`));
  return new Kysely<DatabaseSchema>({ dialect: mappedDialect(new PostgresDialect({ pool }), { immediateTransactions: false }) });
}

async function migrate(
  db: Kysely<DatabaseSchema>,
  dialect: SqlDialect,
  schema: string | undefined,
  log: (msg: string) => void,
): Promise<void> {
  const run = async (conn: Kysely<DatabaseSchema>) => {
    const migrator = new Migrator({
      db: conn,
      provider: migrationProvider(dialect),
      ...(dialect === 'postgres' && schema ? { migrationTableSchema: schema } : {}),
    });
    const { error, results } = await migrator.migrateToLatest();
    for (const r of results ?? []) log(`store: migration ${r.migrationName} ${r.status}`);
    if (error) throw error;
  };
  if (dialect === 'postgres') {
    // Kysely runs PostgreSQL migrations in one transaction under an advisory lock.
    await run(db);
    return;
  }
  // Kysely runs SQLite migrations without a transaction; wrap them in BEGIN IMMEDIATE so two processes
  // opening a fresh file at once take turns and a failed migration leaves nothing behind.
  await db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      await run(conn);
      await sql`commit`.execute(conn);
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => {});
      throw error;
    }
  });
}

function buildStore(db: Kysely<DatabaseSchema>, dialect: SqlDialect, opts: OpenStoreOptions, locks: PgAccountLocks | null): Store {
  let closed: Promise<void> | null = null;
  const cycles = new CycleRepository(db, { idBlock: opts.cycleIdBlock ?? 64, dialect });
  return {
    dialect,
    db,
    lockAccount: locks?.lock ?? null,
    cycles,
    trades: new TradeRepository(db),
    snapshots: new MarketSnapshotRepository(db),
    decisions: new DecisionRepository(db),
    portfolio: new PortfolioRepository(db),
    risk: new RiskStateRepository(db),
    users: new UserRepository(db),
    symbols: new SymbolRepository(db),
    agents: new AgentStateRepository(db),
    candles: new CandleRepository(db, dialect),
    backtests: new BacktestRepository(db),
    audit: new AuditRepository(db),
    async health() {
      const started = performance.now();
      try {
        await sql`select 1`.execute(db);
        return { ok: true, latencyMs: performance.now() - started };
      } catch (error) {
        return { ok: false, latencyMs: performance.now() - started, error: (error as Error).message };
      }
    },
    async vacuum() {
      await sql`vacuum`.execute(db);
      if (dialect === 'sqlite') await sql`pragma wal_checkpoint(truncate)`.execute(db);
    },
    compact: (before) => compactBefore(db, dialect, before),
    sizeBytes: () => databaseBytes(db, dialect),
    close() {
      // A failed give-back costs only a gap in the cycle ids, never the close.
      closed ??= cycles
        .releaseUnusedIds()
        .catch(() => {})
        .then(() => Promise.all([db.destroy(), locks?.close()]))
        .then(() => undefined);
      return closed;
    },
  };
}
