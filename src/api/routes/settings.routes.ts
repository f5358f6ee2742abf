import { z } from 'zod';
import type { AppConfig } from '../../config.js';
import type { AuditTrail } from '../../services/audit-trail.js';
import {
  type DeskSettings,
  DeskSettingsSchema,
  deskSettingsPath,
  readDeskSettings,
  runningDeskSettings,
  saveDeskSettings,
} from '../../startup/desk-settings.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { BEARER } from '../platform-schemas.js';
import { userIdOf } from '../user.js';

export interface SettingsRouteDeps {
  /** The config the server runs with (desk settings saved before this start already applied). */
  readonly config: AppConfig;
  readonly audit?: AuditTrail;
}

const SettingsOut = z
  .object({
    running: z.record(z.string(), z.union([z.string(), z.number()])).describe('The values this server runs with'),
    saved: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .describe('Values saved from the desk: what the next start of serve and the workers uses'),
    pending: z.array(z.string()).describe('Saved settings that differ from the running ones: they apply at the next start'),
    applies: z.literal('next start'),
  })
  .meta({ id: 'DeskSettings' });

function view(config: AppConfig, saved: DeskSettings): z.infer<typeof SettingsOut> {
  const running = runningDeskSettings(config);
  const pending = Object.entries(saved)
    .filter(([k, v]) => String(running[k as keyof typeof running]) !== String(v))
    .map(([k]) => k);
  return { running, saved: saved as Record<string, string | number>, pending, applies: 'next start' };
}

/**
 * The protocol and the risk limits, read at start like the whole config: GET shows the running values and any
 * saved change waiting for the next start; PUT (operators: every account runs under them) validates and saves one.
 */
export function registerSettingsRoutes(app: ApiApp, deps: SettingsRouteDeps): void {
  const path = deskSettingsPath(deps.config);
  app.get(
    '/api/settings',
    {
      config: { access: 'shared', errors: ['CONFIG_INVALID'] },
      schema: {
        tags: ['risk'],
        summary: 'The protocol and risk limits this server runs with, and changes saved for its next start',
        security: BEARER,
        response: { 200: SettingsOut, 401: ErrorBody },
      },
    },
    async () => view(deps.config, readDeskSettings(path)),
  );
  app.put(
    '/api/settings',
    {
      config: { access: 'operator', errors: ['CONFIG_INVALID'] },
      schema: {
        tags: ['risk'],
        summary: 'Save a new protocol or risk limits for the next start (operators only; validated like the config table; audited)',
        description:
          'The kernel is built once at start from the config, so a change here applies when serve and the workers next start; GET shows it as pending until then. 422 VALIDATION_ERROR names a bad value.',
        security: BEARER,
        body: DeskSettingsSchema.meta({ id: 'DeskSettingsChange', example: { PROTOCOL: 'brain', MAX_DAILY_LOSS: 0.03 } }),
        response: { 200: SettingsOut, 401: ErrorBody, 403: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const change = Object.fromEntries(Object.entries(request.body).filter(([, v]) => v !== undefined)) as DeskSettings;
      const { before, after } = saveDeskSettings(deps.config, change);
      const running = runningDeskSettings(deps.config);
      const keys = Object.keys(change) as (keyof DeskSettings)[];
      await deps.audit?.record({
        userId: userIdOf(request),
        scope: 'shared',
        action: 'settings.change',
        target: keys.join(','),
        oldValue: Object.fromEntries(keys.map((k) => [k, before[k] ?? running[k]])),
        newValue: Object.fromEntries(keys.map((k) => [k, after[k]])),
      });
      return view(deps.config, after);
    },
  );
}
