#!/usr/bin/env node
// Runs the CLI from the bundle in dist/ (built by `npm install`, `npm run build` and `npm start`): about
// half a second to --help, against 2-5 s for compiling the sources on every call.
// The rule: dist/cli.js is used when it exists and no file under src/ is newer than it. In a checkout whose
// sources changed since the last build (development), or with no build at all, the sources run through tsx
// instead, with a note on stderr; `npm run build` makes the fast path current again.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'cli.js');
const sources = join(root, 'src');

/** Newest modification time (ms) under `dir`. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const built = existsSync(bundle) ? statSync(bundle).mtimeMs : null;
const stale = built !== null && existsSync(sources) && newest(sources) > built;
if (built !== null && !stale) {
  await import(pathToFileURL(bundle).href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(
      `conclave: ${built === null ? 'dist/cli.js is missing' : 'dist/ is older than src/'} and tsx is not installed; run \`npm run build\`\n`,
    );
    process.exit(1);
  }
  process.stderr.write(
    `conclave: ${built === null ? 'no build in dist/' : 'src/ changed since the last build'}; running the sources with tsx (slower start; \`npm run build\` refreshes dist/)\n`,
  );
  register();
  await import(pathToFileURL(join(sources, 'cli', 'main.ts')).href);
}
