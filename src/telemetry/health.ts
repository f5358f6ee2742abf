export type ComponentStatus = 'ok' | 'degraded' | 'down';

export interface ComponentHealth {
  readonly status: ComponentStatus;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface HealthReport {
  readonly status: ComponentStatus;
  readonly version: string;
  /** Absent from the summary anonymous callers get (api/routes/health.routes.ts). */
  readonly uptime_s?: number;
  readonly components: Readonly<Record<string, ComponentHealth>>;
}

/** Overall status: down if any component is down, degraded if any is degraded. */
export function overallStatus(components: Readonly<Record<string, ComponentHealth>>): ComponentStatus {
  const statuses = Object.values(components).map((c) => c.status);
  if (statuses.includes('down')) return 'down';
  if (statuses.includes('degraded')) return 'degraded';
  return 'ok';
}
