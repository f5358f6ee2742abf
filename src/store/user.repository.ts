import { type Kysely, type Selectable, sql } from 'kysely';
import { ConclaveError } from '../domain/errors.js';
import type { DatabaseSchema, UserRole, UsersTable } from './schema.js';

export type { UserRole } from './schema.js';

/** Id of the loopback user created by the first migration (cannot log in: empty password hash). */
export const LOCAL_USER_ID = 1;

export interface StoredUser {
  readonly id: number;
  readonly username: string;
  readonly email: string | null;
  readonly passwordHash: string;
  readonly createdAt: number;
  /** Tokens issued at another version are refused. */
  readonly tokenVersion: number;
  readonly role: UserRole;
}

export interface NewUser {
  readonly username: string;
  readonly email: string;
  readonly passwordHash: string;
  /** Epoch ms; defaults to the wall clock (this is an adapter, not engine code). */
  readonly createdAt?: number;
}

function toUser(r: Selectable<UsersTable>): StoredUser {
  return {
    id: r.id,
    username: r.username,
    email: r.email,
    passwordHash: r.password_hash,
    createdAt: r.created_at,
    tokenVersion: r.token_version,
    role: r.role,
  };
}

/** Tables whose rows belong to one user (besides `symbols` and `refresh_tokens`, which cascade). */
const OWNED_TABLES = [
  'cycles',
  'market_snapshots',
  'decisions',
  'trades',
  'accounts',
  'positions',
  'equity_points',
  'risk_state',
  'agent_state',
  'backtests',
] as const;

export class UserRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /**
   * Registers a user. Usernames and emails are unique ignoring case (`LOCAL` is taken when `local` exists).
   * @throws ConclaveError CONFLICT when the username or email is taken
   */
  async create(input: NewUser): Promise<StoredUser> {
    const row = await this.db
      .insertInto('users')
      .values({
        username: input.username,
        email: input.email,
        password_hash: input.passwordHash,
        created_at: input.createdAt ?? Date.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toUser(row);
  }

  /** The user whose name matches `username` ignoring case. */
  async byUsername(username: string): Promise<StoredUser | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where(sql<string>`lower(username)`, '=', username.toLowerCase())
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  /** Every user, oldest first. */
  async list(): Promise<StoredUser[]> {
    return (await this.db.selectFrom('users').selectAll().orderBy('id').execute()).map(toUser);
  }

  /** Sets the role; false when no such user exists. */
  async setRole(id: number, role: UserRole): Promise<boolean> {
    const result = await this.db.updateTable('users').set({ role }).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Revokes every token of the user (access and refresh) by moving its token version on; false when no such user. */
  async revokeTokens(id: number): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set((eb) => ({ token_version: eb('token_version', '+', 1) }))
      .where('id', '=', id)
      .executeTakeFirst();
    await this.db.deleteFrom('refresh_tokens').where('user_id', '=', id).execute();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Deletes the user and everything the user owns (book, cycles and their messages, trades, decisions,
   * snapshots, symbols, schedules, backtests, tokens) in one transaction; false when no such user.
   * @throws ConclaveError FORBIDDEN for the local user (id 1), which loopback requests act as.
   */
  async delete(id: number): Promise<boolean> {
    if (id === LOCAL_USER_ID) throw new ConclaveError('FORBIDDEN', 'the local user (id 1) cannot be deleted: loopback requests act as it');
    return this.db.transaction().execute(async (tx) => {
      for (const table of OWNED_TABLES) await tx.deleteFrom(table).where('user_id', '=', id).execute();
      const result = await tx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async byId(id: number): Promise<StoredUser | null> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  /** Records an issued refresh token (`jti`) expiring at `expiresAt` (epoch ms). @throws ConclaveError CONFLICT on a reused jti */
  async saveRefresh(jti: string, userId: number, expiresAt: number): Promise<void> {
    await this.db.insertInto('refresh_tokens').values({ id: jti, user_id: userId, expires_at: expiresAt, revoked_at: null }).execute();
  }

  /** Revokes a refresh token (rotation or logout); returns false when it was unknown or already revoked. */
  async revokeRefresh(jti: string, now = Date.now()): Promise<boolean> {
    const result = await this.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: now })
      .where('id', '=', jti)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** True when the token exists, is not revoked and expires after `now` (epoch ms). */
  async isRefreshValid(jti: string, now: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('refresh_tokens')
      .select('id')
      .where('id', '=', jti)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row !== undefined;
  }
}
