import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from './0001-initial.js';

/**
 * `audit_log`: every change made to the desk through the API (symbols, halts, the enable map...): who, when,
 * the old and the new value as JSON. `scope` is `account` for a change to one account's own things and
 * `shared` for what every account shares (operators only read those). Rows are never updated.
 */
export function auditMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const table = db.schema.createTable('audit_log');
      await (dialect === 'sqlite'
        ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        : table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
      )
        .addColumn('user_id', 'bigint', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('old_value', 'text')
        .addColumn('new_value', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_user_time_idx').on('audit_log').columns(['user_id', 'created_at']).execute();
      await db.schema.createIndex('audit_log_scope_time_idx').on('audit_log').columns(['scope', 'created_at']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('audit_log').ifExists().execute();
    },
  };
}
