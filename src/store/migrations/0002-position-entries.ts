import { type Kysely, type Migration, sql } from 'kysely';

/**
 * `positions.entries`: how many fills opened or added to the position since it was flat. The risk manager
 * compares it with MAX_ENTRIES_PER_POSITION, and it must survive a restart and be shared by workers, so it
 * lives beside the quantity. Rows written before this migration are single entries.
 */
export const positionEntriesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('positions')
      .addColumn('entries', 'integer', (c) => c.notNull().defaultTo(sql`1`))
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('positions').dropColumn('entries').execute();
  },
};
