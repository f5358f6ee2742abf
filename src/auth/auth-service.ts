import { ConclaveError, isConclaveError } from '../domain/errors.js';
import { burnVerification, hashPassword, verifyPassword } from './password.js';
import { assertStrongPassword } from './password-policy.js';
import { checkVersion, type TokenPair, type TokenService } from './token-service.js';

/** The parts of the user repository registration, login and token checks need. */
export interface UserAccounts {
  create(input: { username: string; email: string; passwordHash: string; createdAt?: number }): Promise<StoredAccount>;
  /** Matches ignoring case. */
  byUsername(username: string): Promise<StoredAccount | null>;
  byId(id: number): Promise<StoredAccount | null>;
}

export interface StoredAccount {
  readonly id: number;
  readonly username: string;
  readonly email: string | null;
  readonly passwordHash: string;
  readonly createdAt: number;
  readonly tokenVersion: number;
  readonly role: 'user' | 'operator';
}

/** A user as the API shows it: never the hash. */
export interface PublicUser {
  readonly id: number;
  readonly username: string;
  readonly email: string | null;
  readonly createdAt: number;
  readonly operator: boolean;
}

/** Who a valid access token speaks for, checked against the user table. */
export interface Caller {
  readonly userId: number;
  readonly operator: boolean;
}

export interface AuthServiceOptions {
  /** Epoch ms. */
  readonly now: () => number;
  /** Usernames (any case) that are operators whatever their stored role (OPERATORS). */
  readonly operators?: readonly string[];
}

/** Registration, login, token refresh, "who am I", and the per-request token check. Passwords leave this class only as scrypt hashes. */
export class AuthService {
  private readonly operators: ReadonlySet<string>;

  constructor(
    private readonly users: UserAccounts,
    private readonly tokens: TokenService,
    private readonly options: AuthServiceOptions,
  ) {
    this.operators = new Set((options.operators ?? []).map((name) => name.toLowerCase()));
  }

  /**
   * Emails are stored lower-cased; usernames as typed, but unique ignoring case.
   * @throws ConclaveError VALIDATION_ERROR for a weak password (see password-policy.ts); CONFLICT when the
   * username or email is taken.
   */
  async register(input: { username: string; email: string; password: string }): Promise<PublicUser> {
    const email = input.email.trim().toLowerCase();
    assertStrongPassword(input.password, { username: input.username, email });
    if (await this.users.byUsername(input.username)) {
      throw new ConclaveError('CONFLICT', `username "${input.username}" is taken`, { field: 'username' });
    }
    const passwordHash = await hashPassword(input.password);
    try {
      return this.publicUser(await this.users.create({ username: input.username, email, passwordHash, createdAt: this.options.now() }));
    } catch (error) {
      // A unique violation here is the email (or a username registered concurrently); never echo the hash.
      if (isConclaveError(error, 'CONFLICT'))
        throw new ConclaveError('CONFLICT', 'username or email is already registered', { field: 'email' });
      throw error;
    }
  }

  /**
   * One answer for a wrong user and a wrong password, and the same scrypt work for both.
   * @throws ConclaveError UNAUTHORIZED
   */
  async login(input: { username: string; password: string }): Promise<TokenPair> {
    const user = await this.users.byUsername(input.username);
    if (!user) {
      await burnVerification(input.password);
    } else if (await verifyPassword(input.password, user.passwordHash)) {
      return this.tokens.issue(user.id, user.tokenVersion);
    }
    throw new ConclaveError('UNAUTHORIZED', 'login: wrong username or password');
  }

  /** @throws ConclaveError UNAUTHORIZED (see TokenService.rotate), also when the user no longer exists or its tokens were revoked. */
  async refresh(refreshToken: string): Promise<TokenPair> {
    return this.tokens.rotate(refreshToken, async (userId) => (await this.users.byId(userId))?.tokenVersion ?? null);
  }

  /**
   * The caller behind an access token: signature and expiry, then the user table (the user still exists and
   * the token's version is current), so a deleted user's or a revoked token dies on every route at once.
   * @throws ConclaveError UNAUTHORIZED
   */
  async authenticate(accessToken: string): Promise<Caller> {
    const { userId, ver } = this.tokens.verifyAccess(accessToken);
    const user = await this.users.byId(userId);
    checkVersion(userId, ver, user?.tokenVersion ?? null);
    return { userId, operator: this.isOperator(user!) };
  }

  /** @throws ConclaveError UNAUTHORIZED when the user no longer exists. */
  async me(userId: number): Promise<PublicUser> {
    const user = await this.users.byId(userId);
    if (!user) throw new ConclaveError('UNAUTHORIZED', `token: user ${userId} no longer exists`);
    return this.publicUser(user);
  }

  private isOperator(user: StoredAccount): boolean {
    return user.role === 'operator' || this.operators.has(user.username.toLowerCase());
  }

  private publicUser(u: StoredAccount): PublicUser {
    return { id: u.id, username: u.username, email: u.email, createdAt: u.createdAt, operator: this.isOperator(u) };
  }
}
