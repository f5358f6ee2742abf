import { randomBytes, randomUUID } from 'node:crypto';
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

  /** A fresh access + refresh pair for `userId`; the refresh token is recorded in the store. */
  async issue(userId: number): Promise<TokenPair> {
    const nowMs = this.opts.now();
    const iat = Math.floor(nowMs / 1000);
    const sub = String(userId);
    const refreshJti = randomUUID();
    const access = signJwt({ sub, typ: 'access', iat, exp: iat + this.opts.accessTtlS, jti: randomUUID() }, this.opts.secret);
    const refresh = signJwt({ sub, typ: 'refresh', iat, exp: iat + this.opts.refreshTtlS, jti: refreshJti }, this.opts.secret);
    await this.opts.refreshStore.saveRefresh(refreshJti, userId, nowMs + this.opts.refreshTtlS * 1000);
    return { access_token: access, refresh_token: refresh, token_type: 'bearer', expires_in: this.opts.accessTtlS };
  }

  /**
   * Exchanges a refresh token for a new pair and revokes it.
   * @throws ConclaveError UNAUTHORIZED when the token is invalid, expired, not a refresh token, or already used.
   */
  async rotate(refreshToken: string): Promise<TokenPair> {
    const nowMs = this.opts.now();
    const claims = verifyJwt(refreshToken, this.opts.secret, Math.floor(nowMs / 1000), 'refresh');
    // The conditional update is the lock: of two concurrent exchanges of one token, only one revokes it.
    const revoked = await this.opts.refreshStore.revokeRefresh(claims.jti, nowMs);
    if (!revoked) throw new ConclaveError('UNAUTHORIZED', 'refresh token: already used or revoked; log in again');
    return this.issue(Number(claims.sub));
  }

  /**
   * The user id an access token speaks for.
   * @throws ConclaveError UNAUTHORIZED
   */
  verifyAccess(token: string): number {
    return Number(verifyJwt(token, this.opts.secret, Math.floor(this.opts.now() / 1000), 'access').sub);
  }
}

/**
 * The signing secret: JWT_SECRET when set; on loopback without one, a random per-process secret (tokens then
 * die with the process, which is fine for a local single user).
 * @throws ConclaveError CONFIG_INVALID off loopback without a secret of at least 16 characters.
 */
export function signingSecret(config: { readonly JWT_SECRET: string; readonly HOST: string; readonly isLoopback: boolean }): string {
  if (config.JWT_SECRET.length >= 16) return config.JWT_SECRET;
  if (!config.isLoopback) {
    throw new ConclaveError(
      'CONFIG_INVALID',
      `HOST=${config.HOST} is not loopback: set JWT_SECRET (at least 16 characters) so every route requires a bearer token`,
      { field: 'JWT_SECRET' },
    );
  }
  if (config.JWT_SECRET.length > 0) {
    throw new ConclaveError('CONFIG_INVALID', `JWT_SECRET: expected at least 16 characters, got ${config.JWT_SECRET.length}`, {
      field: 'JWT_SECRET',
    });
  }
  return randomBytes(32).toString('base64url');
}
