import type Database from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type SqliteDatabase,
  type SqliteStatement,
  type TransactionSettings,
} from 'kysely';
import { toStoreError } from './errors.js';

/**
 * A connection whose failures arrive already mapped to the error catalogue, so every query through the store
 * (repositories, migrations, or a caller using `store.db` directly) raises CONFLICT / STORE_UNAVAILABLE alike.
 */
class MappedConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize);
    } catch (error) {
      throw toStoreError(error);
    }
  }
}

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof MappedConnection ? connection.inner : connection;
}

type CompileQuery = QueryCompiler['compileQuery'];

class MappedDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly immediateTransactions: boolean,
  ) {}

  async init(): Promise<void> {
    try {
      await this.inner.init();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    try {
      return new MappedConnection(await this.inner.acquireConnection());
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    // SQLite: a deferred BEGIN that later writes fails at once with SQLITE_BUSY when another process wrote in
    // between (the busy handler is not consulted); BEGIN IMMEDIATE takes the write lock up front and waits.
    if (this.immediateTransactions) {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
      return;
    }
    await this.guard(() => this.inner.beginTransaction(unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.guard(() => this.inner.commitTransaction(unwrap(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.guard(() => this.inner.rollbackTransaction(unwrap(connection)));
  }

  savepoint(connection: DatabaseConnection, name: string, compile: CompileQuery): Promise<void> {
    return this.guard(() => this.required('savepoint').call(this.inner, unwrap(connection), name, compile));
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: CompileQuery): Promise<void> {
    return this.guard(() => this.required('rollbackToSavepoint').call(this.inner, unwrap(connection), name, compile));
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: CompileQuery): Promise<void> {
    return this.guard(() => this.required('releaseSavepoint').call(this.inner, unwrap(connection), name, compile));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }

  private required(name: 'savepoint' | 'rollbackToSavepoint' | 'releaseSavepoint') {
    const fn = this.inner[name];
    if (!fn) throw new Error(`driver does not support ${name}`);
    return fn;
  }

  private async guard(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      throw toStoreError(error);
    }
  }
}

/** Wraps a Kysely dialect so its driver maps errors and (for SQLite) begins transactions IMMEDIATE. */
export function mappedDialect(inner: Dialect, opts: { immediateTransactions: boolean }): Dialect {
  return {
    createDriver: () => new MappedDriver(inner.createDriver(), opts.immediateTransactions),
    createQueryCompiler: (): QueryCompiler => inner.createQueryCompiler(),
    createAdapter: (): DialectAdapter => inner.createAdapter(),
    // biome-ignore lint/suspicious/noExplicitAny: mirrors Kysely's own Dialect signature
    createIntrospector: (db: Kysely<any>): DatabaseIntrospector => inner.createIntrospector(db),
  };
}

/**
 * better-sqlite3 with a bounded statement cache: Kysely's SQLite driver prepares every query anew, and
 * preparing costs as much as running a small insert. Queries of the hot path repeat the same SQL text.
 */
export function cachingSqliteDatabase(db: Database.Database, capacity = 256): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => db.close(),
    prepare(sqlText: string): SqliteStatement {
      let statement = cache.get(sqlText);
      if (statement) {
        // Re-insert so Map order tracks recency and eviction drops the least recently used.
        cache.delete(sqlText);
        cache.set(sqlText, statement);
        return statement as unknown as SqliteStatement;
      }
      statement = db.prepare(sqlText);
      cache.set(sqlText, statement);
      if (cache.size > capacity) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      return statement as unknown as SqliteStatement;
    },
  };
}
