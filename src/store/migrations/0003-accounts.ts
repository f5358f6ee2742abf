import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Accounts for a multi-user server:
 * - `users.token_version` (tokens carry it; bumping it revokes every token of the user) and `users.role`
 *   (`user` | `operator`, set by `conclave user grant-operator`);
 * - usernames and emails unique case-insensitively. Existing case-only duplicates (`LOCAL` beside `local`)
 *   are resolved first, keeping the oldest account as it was: a later username becomes `<name>-<id>`, a later
 *   email is cleared (the account still logs in by username);
 * - `market_snapshots.user_id`: snapshots belong to the account whose cycle, refresh or advice took them.
 *   Snapshots of cycles take the cycle's user; older snapshots taken outside a cycle stay unowned (null) and
 *   are shown to nobody.
 */
export function accountsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const s = db.schema;
      await s
        .alterTable('users')
        .addColumn('token_version', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await s
        .alterTable('users')
        .addColumn('role', 'text', (c) => c.notNull().defaultTo('user'))
        .execute();
      await sql`update users set username = username || '-' || cast(id as text)
        where exists (select 1 from users older where lower(older.username) = lower(users.username) and older.id < users.id)`.execute(db);
      await sql`update users set email = null
        where email is not null
          and exists (select 1 from users older where lower(older.email) = lower(users.email) and older.id < users.id)`.execute(db);
      await s.createIndex('users_username_ci_unique').on('users').unique().expression(sql`lower(username)`).execute();
      await s.createIndex('users_email_ci_unique').on('users').unique().expression(sql`lower(email)`).execute();

      await s.alterTable('market_snapshots').addColumn('user_id', 'bigint').execute();
      await sql`update market_snapshots set user_id = (select cycles.user_id from cycles where cycles.id = market_snapshots.cycle_id)
        where cycle_id is not null`.execute(db);
      await s
        .createIndex('market_snapshots_user_symbol_time_idx')
        .on('market_snapshots')
        .columns(['user_id', 'symbol', 'observed_at'])
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      const s = db.schema;
      await s.dropIndex('market_snapshots_user_symbol_time_idx').ifExists().execute();
      await s.alterTable('market_snapshots').dropColumn('user_id').execute();
      await s.dropIndex('users_email_ci_unique').ifExists().execute();
      await s.dropIndex('users_username_ci_unique').ifExists().execute();
      await s.alterTable('users').dropColumn('role').execute();
      await s.alterTable('users').dropColumn('token_version').execute();
    },
  };
}
