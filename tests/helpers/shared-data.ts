import { existsSync } from 'node:fs';
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
