import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.js';
import { migrationProvider, type SqlDialect } from '../../src/store/migrations/index.js';

const url = process.env.TEST_DATABASE_URL;
const pgUrl = url && /^postgres(ql)?:\/\//.test(url) ? url : undefined;

interface Target {
  readonly dialect: SqlDialect;
  readonly db: Kysely<unknown>;
  prepare(): Promise<void>;
  reopen(): ReturnType<typeof openStore>;
  dispose(): Promise<void>;
}

function sqliteTarget(): Target {
  const path = join(mkdtempSync(join(tmpdir(), 'conclave-mig-')), 'old.db');
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(path) }) });
  return { dialect: 'sqlite', db, prepare: async () => {}, reopen: () => openStore({ kind: 'sqlite', path }), dispose: () => db.destroy() };
}

function postgresTarget(base: string): Target {
  const schema = `conclave_mig_${randomBytes(6).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: base, max: 2, options: `-c search_path=${schema}` });
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  return {
    dialect: 'postgres',
    db,
    prepare: async () => {
      await sql`create schema ${sql.id(schema)}`.execute(db);
    },
    reopen: () => openStore({ kind: 'postgres', url: base }, { schema, poolMax: 2 }),
    dispose: async () => {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
      await db.destroy();
    },
  };
}

/**
 * Migration 0003 on a database written by the previous version, which allowed usernames and emails that
 * differ only in case (issue 11 finding 15) and stored snapshots without an owner (finding 3).
 */
function upgradeSuite(make: () => Target): void {
  it('resolves case-only duplicates keeping the oldest account, then refuses new ones; snapshots take their cycle’s user', async () => {
    const t = make();
    try {
      await t.prepare();
      const migrator = new Migrator({ db: t.db, provider: migrationProvider(t.dialect) });
      const first = await migrator.migrateTo('0001-initial');
      expect(first.error).toBeUndefined();
      await sql`insert into users (username, email, password_hash, created_at) values
        ('LOCAL', 'x@example.com', 'h', 1), ('alice', 'Alice@Example.com', 'h', 2), ('Alice', 'ALICE@example.com', 'h', 3)`.execute(t.db);
      await sql`insert into cycles (id, user_id, symbol, protocol, started_at, finished_at, response) values (7, 3, 'BTCUSDT', 'pipeline', 1, 2, '{}')`.execute(
        t.db,
      );
      await sql`insert into market_snapshots (cycle_id, symbol, source, interval, price, candle_time, observed_at) values
        (7, 'BTCUSDT', 'binance', '1h', 100, 1, 2), (null, 'BTCUSDT', 'binance', '1h', 101, 1, 3)`.execute(t.db);
      const store = await t.reopen();
      try {
        const users = await store.users.list();
        expect(users.map((u) => [u.id, u.username, u.email])).toEqual([
          [1, 'local', null],
          [2, 'LOCAL-2', 'x@example.com'],
          [3, 'alice', 'Alice@Example.com'],
          [4, 'Alice-4', null],
        ]);
        expect(users.every((u) => u.tokenVersion === 0 && u.role === 'user')).toBe(true);
        await expect(store.users.create({ username: 'ALICE', email: 'new@example.com', passwordHash: 'h' })).rejects.toMatchObject({
          code: 'CONFLICT',
        });
        await expect(store.users.create({ username: 'zed', email: 'alice@EXAMPLE.com', passwordHash: 'h' })).rejects.toMatchObject({
          code: 'CONFLICT',
        });
        const owners = await sql<{
          price: number;
          user_id: number | null;
        }>`select price, user_id from market_snapshots order by price`.execute(store.db);
        expect(owners.rows.map((r) => [r.price, r.user_id === null ? null : Number(r.user_id)])).toEqual([
          [100, 3],
          [101, null],
        ]);
      } finally {
        await store.close();
      }
    } finally {
      await t.dispose();
    }
  });
}

describe('migration 0003-accounts: SQLite', () => upgradeSuite(sqliteTarget));
describe.skipIf(!pgUrl)('migration 0003-accounts: PostgreSQL', () => upgradeSuite(() => postgresTarget(pgUrl as string)));
