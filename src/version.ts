import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Version from package.json, found from the sources (src/) or the bundle (dist/, dist/chunks/). A module of
 * its own so `conclave --help` prints it without loading the runtime's dependencies.
 */
export const VERSION: string = (() => {
  for (const rel of ['../package.json', '../../package.json']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
})();
