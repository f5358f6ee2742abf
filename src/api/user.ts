import type { FastifyRequest } from 'fastify';
import { LOCAL_USER_ID } from '../engine/trading-engine.js';

/** Who a request speaks for, as the auth gate (auth-plugin.ts) established it. */
export type CallerKind = 'anonymous' | 'metrics' | 'user';

declare module 'fastify' {
  interface FastifyRequest {
    /** The account the request acts for: the local user on loopback, the token's subject otherwise (0: nobody). */
    userId: number;
    /** `user` when userId names an account; `metrics` for the METRICS_TOKEN scraper; `anonymous` otherwise. */
    callerKind: CallerKind;
    /** True for operators (OPERATORS, role `operator`) and for the local user on loopback. */
    operator: boolean;
  }
}

export function userIdOf(request: FastifyRequest): number {
  return request.userId ?? LOCAL_USER_ID;
}
