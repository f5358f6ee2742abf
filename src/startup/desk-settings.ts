import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { type AppConfig, PROTOCOLS, withOverrides } from '../config.js';
import { ConclaveError } from '../domain/errors.js';

/**
 * The settings the desk may change from the dashboard (PUT /api/settings): the protocol and the risk governor's
 * limits. They are read once at start like the rest of the config, so a change applies at the next start of
 * `serve` and of every `conclave worker`, never halfway through a running kernel.
 */
export const DESK_SETTINGS = [
  'PROTOCOL',
  'MAX_DAILY_LOSS',
  'MAX_DRAWDOWN',
  'RISK_REDUCE_AT',
  'MAX_EXPOSURE',
  'MAX_POSITION_PER_SYMBOL',
  'MAX_ORDERS_PER_MINUTE',
] as const;

export type DeskSettingName = (typeof DESK_SETTINGS)[number];
export type DeskSettings = Partial<Record<DeskSettingName, string | number>>;

export const DeskSettingsSchema = z
  .object({
    PROTOCOL: z.enum(PROTOCOLS).optional(),
    MAX_DAILY_LOSS: z.number().optional(),
    MAX_DRAWDOWN: z.number().optional(),
    RISK_REDUCE_AT: z.number().optional(),
    MAX_EXPOSURE: z.number().optional(),
    MAX_POSITION_PER_SYMBOL: z.number().optional(),
    MAX_ORDERS_PER_MINUTE: z.number().optional(),
  })
  .strict();

/** Where the saved desk settings live: beside the database and the secrets, in DATA_DIR. */
export function deskSettingsPath(config: Pick<AppConfig, 'DATA_DIR'>): string {
  return join(config.DATA_DIR, 'desk-settings.json');
}

/** The saved settings ({} when none were saved). @throws ConclaveError CONFIG_INVALID for an unreadable file. */
export function readDeskSettings(path: string): DeskSettings {
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConclaveError('CONFIG_INVALID', `desk settings ${path}: not JSON (${(error as Error).message}); fix or delete the file`, {
      path,
    });
  }
  const checked = DeskSettingsSchema.safeParse(parsed);
  if (!checked.success) {
    throw new ConclaveError(
      'CONFIG_INVALID',
      `desk settings ${path}: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      {
        path,
      },
    );
  }
  return checked.data;
}

/**
 * `config` with the saved desk settings applied, validated like every setting (field bounds and cross-field
 * rules). Called once at start by serve, worker and the CLI, after the environment and `.env`.
 * @throws ConclaveError CONFIG_INVALID when the file or a value in it is invalid.
 */
export function applyDeskSettings(config: AppConfig): { config: AppConfig; applied: DeskSettings } {
  const path = deskSettingsPath(config);
  const saved = readDeskSettings(path);
  if (Object.keys(saved).length === 0) return { config, applied: saved };
  try {
    return { config: withOverrides(config, saved), applied: saved };
  } catch (error) {
    throw new ConclaveError('CONFIG_INVALID', `desk settings ${path}: ${(error as Error).message}`, { path });
  }
}

/**
 * Validates `change` on top of the running config and what is saved already, then saves the union for the next
 * start (written to a temp file and renamed, so a crash never leaves half a file).
 * @returns the saved settings before and after.
 * @throws ConclaveError VALIDATION_ERROR naming the bad setting.
 */
export function saveDeskSettings(config: AppConfig, change: DeskSettings): { before: DeskSettings; after: DeskSettings } {
  const path = deskSettingsPath(config);
  const before = readDeskSettings(path);
  const after = { ...before, ...change };
  withOverrides(config, after);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(after, null, 2)}\n`);
  renameSync(tmp, path);
  return { before, after };
}

/** The running value of each desk setting. */
export function runningDeskSettings(config: AppConfig): Record<DeskSettingName, string | number> {
  return Object.fromEntries(DESK_SETTINGS.map((k) => [k, config[k]])) as Record<DeskSettingName, string | number>;
}
