import { z } from 'zod';
import type { AuditQuery, StoredAuditEntry } from '../../store/audit.repository.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { BEARER } from '../platform-schemas.js';
import { userIdOf } from '../user.js';

export interface AuditRouteDeps {
  readonly audit: { list(q: AuditQuery): Promise<StoredAuditEntry[]> };
}

export const AuditEntryOut = z
  .object({
    id: z.number().int(),
    time: z.string(),
    user_id: z.number().int(),
    username: z.string().nullable().describe('Who made the change (null when that account was deleted since)'),
    scope: z.enum(['account', 'shared']).describe('account: your own things; shared: what every account uses (operators only)'),
    action: z.string().describe('symbol.add, symbol.remove, risk.halt, risk.resume, enable_map.replace, ...'),
    target: z.string(),
    old_value: z.unknown().describe('The value before (null for an add)'),
    new_value: z.unknown().describe('The value after (null for a removal)'),
  })
  .meta({
    id: 'AuditEntry',
    example: {
      id: 7,
      time: '2026-05-22T21:00:00.000Z',
      user_id: 1,
      username: 'local',
      scope: 'account',
      action: 'risk.halt',
      target: 'account',
      old_value: { state: 'ACTIVE', reason: null },
      new_value: { state: 'HALTED', reason: 'halted from the dashboard' },
    },
  });

/** `GET /api/audit`: who changed what on the desk, when, old -> new. */
export function registerAuditRoutes(app: ApiApp, deps: AuditRouteDeps): void {
  app.get(
    '/api/audit',
    {
      config: { access: 'user' },
      schema: {
        tags: ['audit'],
        summary: 'Changes made through the API, newest first: your account changes; operators also see the shared ones (enable map)',
        security: BEARER,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: { 200: z.array(AuditEntryOut), 401: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const entries = await deps.audit.list({ userId: userIdOf(request), includeShared: request.operator, limit: request.query.limit });
      return entries.map((e) => ({
        id: e.id,
        time: new Date(e.createdAt).toISOString(),
        user_id: e.userId,
        username: e.username,
        scope: e.scope,
        action: e.action,
        target: e.target,
        old_value: e.oldValue,
        new_value: e.newValue,
      }));
    },
  );
}
