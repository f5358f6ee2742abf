import type { Kysely, Selectable } from 'kysely';
import { fromJsonOrNull, toJsonOrNull } from './codec.js';
import type { AuditLogTable, DatabaseSchema } from './schema.js';

/** `account`: one account's own things (its symbols, its halt); `shared`: what every account uses (enable map). */
export type AuditScope = 'account' | 'shared';

export interface NewAuditEntry {
  /** The account that made the change. */
  readonly userId: number;
  readonly scope: AuditScope;
  /** What was done, e.g. `symbol.add`, `risk.halt`, `enable_map.replace`. */
  readonly action: string;
  /** What it was done to, e.g. `BTCUSDT`, `account`, `enable-map`. */
  readonly target: string;
  /** null when the thing did not exist before (an add). */
  readonly oldValue: unknown | null;
  /** null when the thing no longer exists (a removal). */
  readonly newValue: unknown | null;
  readonly createdAt: number;
}

export interface StoredAuditEntry extends NewAuditEntry {
  readonly id: number;
  /** The username at the time of reading (null when the account was deleted since). */
  readonly username: string | null;
}

export interface AuditQuery {
  readonly userId: number;
  /** Operators also see the shared changes, whoever made them. */
  readonly includeShared: boolean;
  readonly limit: number;
}

function toEntry(r: Selectable<AuditLogTable> & { username: string | null }): StoredAuditEntry {
  return {
    id: r.id,
    userId: r.user_id,
    username: r.username,
    scope: r.scope as AuditScope,
    action: r.action,
    target: r.target,
    oldValue: fromJsonOrNull<unknown>(r.old_value, 'audit_log.old_value'),
    newValue: fromJsonOrNull<unknown>(r.new_value, 'audit_log.new_value'),
    createdAt: r.created_at,
  };
}

/** The append-only audit trail of desk changes. */
export class AuditRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async record(entry: NewAuditEntry): Promise<number> {
    const row = await this.db
      .insertInto('audit_log')
      .values({
        user_id: entry.userId,
        scope: entry.scope,
        action: entry.action,
        target: entry.target,
        old_value: toJsonOrNull(entry.oldValue),
        new_value: toJsonOrNull(entry.newValue),
        created_at: entry.createdAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** The user's own account changes (and, for operators, every shared change), newest first. */
  async list(q: AuditQuery): Promise<StoredAuditEntry[]> {
    const rows = await this.db
      .selectFrom('audit_log')
      .leftJoin('users', 'users.id', 'audit_log.user_id')
      .selectAll('audit_log')
      .select('users.username as username')
      .where((eb) => {
        const own = eb.and([eb('audit_log.user_id', '=', q.userId), eb('audit_log.scope', '=', 'account')]);
        return q.includeShared ? eb.or([own, eb('audit_log.scope', '=', 'shared')]) : own;
      })
      .orderBy('audit_log.created_at', 'desc')
      .orderBy('audit_log.id', 'desc')
      .limit(q.limit)
      .execute();
    return rows.map(toEntry);
  }
}
