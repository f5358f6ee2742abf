import type { AuditScope, NewAuditEntry } from '../store/audit.repository.js';

/** One change to record: who made it, to what, and the value before and after. */
export interface AuditChange {
  readonly userId: number;
  readonly scope: AuditScope;
  readonly action: string;
  readonly target: string;
  readonly oldValue: unknown | null;
  readonly newValue: unknown | null;
}

/** Where the API's desk changes are written down (routes record after the change succeeded). */
export interface AuditTrail {
  record(change: AuditChange): Promise<void>;
}

/** The audit trail over the store's audit log, stamped with the server clock. */
export function auditTrail(log: { record(entry: NewAuditEntry): Promise<number> }, now: () => number): AuditTrail {
  return {
    async record(change) {
      await log.record({ ...change, createdAt: now() });
    },
  };
}
