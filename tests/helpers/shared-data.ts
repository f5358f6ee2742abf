import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (where package.json lives). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `../shared/data` beside the checkout: real candles, API samples, reference values. Never copied into the repo. */
export const SHARED_DATA = process.env.CONCLAVE_SHARED_DATA ?? resolve(REPO_ROOT, '../shared/data');

export function sharedData(...parts: string[]): string {
  const path = resolve(SHARED_DATA, ...parts);
  if (!existsSync(path)) throw new Error(`shared data missing: ${path} (CI keeps ../shared beside the checkout)`);
  return path;
}

/** `../shared/seeds` beside the checkout: the original requirements (seed files named `NNN_<hash>.txt`). */
export const SHARED_SEEDS = process.env.CONCLAVE_SHARED_SEEDS ?? resolve(REPO_ROOT, '../shared/seeds');

/** The text of seed `number` ('002'). */
export function seedText(number: string): string {
  const file = readdirSync(SHARED_SEEDS).find((f) => f.startsWith(`${number}_`));
  if (!file) throw new Error(`seed ${number} missing in ${SHARED_SEEDS} (CI keeps ../shared beside the checkout)`);
  return readFileSync(resolve(SHARED_SEEDS, file), 'utf8');
}
