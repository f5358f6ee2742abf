import type { Kysely, Selectable } from 'kysely';
import type { DatabaseSchema, UsersTable } from './schema.js';

/** Id of the loopback user created by the first migration (cannot log in: empty password hash). */
export const LOCAL_USER_ID = 1;

export interface StoredUser {
  readonly id: number;
  readonly username: string;
  readonly email: string | null;
  readonly passwordHash: string;
  readonly createdAt: number;
}

export interface NewUser {
  readonly username: string;
  readonly email: string;
  readonly passwordHash: string;
  /** Epoch ms; defaults to the wall clock (this is an adapter, not engine code). */
  readonly createdAt?: number;
}

function toUser(r: Selectable<UsersTable>): StoredUser {
  return { id: r.id, username: r.username, email: r.email, passwordHash: r.password_hash, createdAt: r.created_at };
}

export class UserRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /**
   * Registers a user.
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

  async byUsername(username: string): Promise<StoredUser | null> {
    const row = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return row ? toUser(row) : null;
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
