import { randomUUID } from 'node:crypto';
import { ConclaveError } from '../domain/errors.js';
import { signJwt, verifyJwt } from './jwt.js';

/** Where issued refresh tokens are remembered (the store's `refresh_tokens`, via UserRepository). */
export interface RefreshTokenStore {
  saveRefresh(jti: string, userId: number, expiresAt: number): Promise<void>;
  /** Revokes once: false when the token was unknown or already revoked. */
  revokeRefresh(jti: string, now?: number): Promise<boolean>;
}

/** What /api/auth/login and /api/auth/refresh answer. */
export interface TokenPair {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly token_type: 'bearer';
  /** Access token lifetime, seconds. */
  readonly expires_in: number;
}

export interface TokenServiceOptions {
  /** HMAC secret (JWT_SECRET). */
  readonly secret: string;
  readonly accessTtlS: number;
  readonly refreshTtlS: number;
  /** Epoch ms. */
  readonly now: () => number;
  readonly refreshStore: RefreshTokenStore;
}

/**
 * Issues and checks HS256 tokens. Refresh tokens rotate: each is good for one exchange, after which it is
 * revoked in the store, so a stolen refresh token that was already used is worthless.
 */
export class TokenService {
  constructor(private readonly opts: TokenServiceOptions) {}

  /** A fresh access + refresh pair for `userId` at token version `ver`; the refresh token is recorded in the store. */
  async issue(userId: number, ver: number): Promise<TokenPair> {
    const nowMs = this.opts.now();
    const iat = Math.floor(nowMs / 1000);
    const sub = String(userId);
    const refreshJti = randomUUID();
    const access = signJwt({ sub, typ: 'access', iat, exp: iat + this.opts.accessTtlS, jti: randomUUID(), ver }, this.opts.secret);
    const refresh = signJwt({ sub, typ: 'refresh', iat, exp: iat + this.opts.refreshTtlS, jti: refreshJti, ver }, this.opts.secret);
    await this.opts.refreshStore.saveRefresh(refreshJti, userId, nowMs + this.opts.refreshTtlS * 1000);
    return { access_token: access, refresh_token: refresh, token_type: 'bearer', expires_in: this.opts.accessTtlS };
  }

  /**
   * Exchanges a refresh token for a new pair and revokes it. `currentVersion` is the user's token version
   * now (null: the user no longer exists).
   * @throws ConclaveError UNAUTHORIZED when the token is invalid, expired, not a refresh token, already used,
   * of a vanished user, or older than the user's token version.
   */
  async rotate(refreshToken: string, currentVersion: (userId: number) => Promise<number | null>): Promise<TokenPair> {
    const nowMs = this.opts.now();
    const claims = verifyJwt(refreshToken, this.opts.secret, Math.floor(nowMs / 1000), 'refresh');
    const userId = Number(claims.sub);
    checkVersion(userId, claims.ver, await currentVersion(userId));
    // The conditional update is the lock: of two concurrent exchanges of one token, only one revokes it.
    const revoked = await this.opts.refreshStore.revokeRefresh(claims.jti, nowMs);
    if (!revoked) throw new ConclaveError('UNAUTHORIZED', 'refresh token: already used or revoked; log in again');
    return this.issue(userId, claims.ver);
  }

  /**
   * The user and token version an access token speaks for (signature and expiry only: the caller checks
   * the version against the user table with checkVersion).
   * @throws ConclaveError UNAUTHORIZED
   */
  verifyAccess(token: string): { readonly userId: number; readonly ver: number } {
    const claims = verifyJwt(token, this.opts.secret, Math.floor(this.opts.now() / 1000), 'access');
    return { userId: Number(claims.sub), ver: claims.ver };
  }
}

/**
 * A token is good only while its user exists and its version is the user's current one.
 * @throws ConclaveError UNAUTHORIZED
 */
export function checkVersion(userId: number, tokenVersion: number, currentVersion: number | null): void {
  if (currentVersion === null) throw new ConclaveError('UNAUTHORIZED', `token: user ${userId} no longer exists`);
  if (tokenVersion !== currentVersion)
    throw new ConclaveError('UNAUTHORIZED', 'token: revoked (tokens of this user were revoked); log in again');
}
