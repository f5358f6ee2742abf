import type { FastifyRequest } from 'fastify';
import { LOCAL_USER_ID } from '../engine/trading-engine.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The account the request acts for: the local user on loopback, the token's subject otherwise. */
    userId: number;
  }
}

export function userIdOf(request: FastifyRequest): number {
  return request.userId ?? LOCAL_USER_ID;
}
