import { ConclaveError, isConclaveError } from '../domain/errors.js';
import { burnVerification, hashPassword, verifyPassword } from './password.js';
import type { TokenPair, TokenService } from './token-service.js';

/** The parts of the user repository registration and login need. */
export interface UserAccounts {
  create(input: { username: string; email: string; passwordHash: string; createdAt?: number }): Promise<StoredAccount>;
  byUsername(username: string): Promise<StoredAccount | null>;
  byId(id: number): Promise<StoredAccount | null>;
}

export interface StoredAccount {
  readonly id: number;
  readonly username: string;
  readonly email: string | null;
  readonly passwordHash: string;
  readonly createdAt: number;
}

/** A user as the API shows it: never the hash. */
export interface PublicUser {
  readonly id: number;
  readonly username: string;
  readonly email: string | null;
  readonly createdAt: number;
}

function publicUser(u: StoredAccount): PublicUser {
  return { id: u.id, username: u.username, email: u.email, createdAt: u.createdAt };
}

/** Registration, login, token refresh and "who am I". Passwords leave this class only as scrypt hashes. */
export class AuthService {
  constructor(
    private readonly users: UserAccounts,
    private readonly tokens: TokenService,
    private readonly now: () => number,
  ) {}

  /** @throws ConclaveError CONFLICT when the username or email is taken. */
  async register(input: { username: string; email: string; password: string }): Promise<PublicUser> {
    if (await this.users.byUsername(input.username)) {
      throw new ConclaveError('CONFLICT', `username "${input.username}" is taken`, { field: 'username' });
    }
    const passwordHash = await hashPassword(input.password);
    try {
      return publicUser(await this.users.create({ username: input.username, email: input.email, passwordHash, createdAt: this.now() }));
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
      return this.tokens.issue(user.id);
    }
    throw new ConclaveError('UNAUTHORIZED', 'login: wrong username or password');
  }

  /** @throws ConclaveError UNAUTHORIZED (see TokenService.rotate), or when the user no longer exists. */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const pair = await this.tokens.rotate(refreshToken);
    await this.me(this.tokens.verifyAccess(pair.access_token));
    return pair;
  }

  /** @throws ConclaveError UNAUTHORIZED when the token's user no longer exists. */
  async me(userId: number): Promise<PublicUser> {
    const user = await this.users.byId(userId);
    if (!user) throw new ConclaveError('UNAUTHORIZED', `token: user ${userId} no longer exists`);
    return publicUser(user);
  }
}
