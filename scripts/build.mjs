// Bundles the TypeScript sources into dist/ (node_modules stay external) so `npm start` and the `conclave`
// binary start without compiling on the fly: tsx costs about a second of start-up and tens of MiB.
// Then builds the dashboard (web/ -> web/dist, served at /) with Vite, skipped when web/dist is newer than
// every file under web/ so `npm start` stays quick.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const started = Date.now();
// Chunk names carry content hashes: clear the old ones so dist/ holds exactly one build.
rmSync('dist', { recursive: true, force: true });
await build({
  // research-worker: the body of research worker threads, found beside the bundle by src/research/thread-pool.ts.
  entryPoints: { main: 'src/main.ts', cli: 'src/cli/main.ts', 'research-worker': 'src/research/worker-entry.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
process.stderr.write(`built dist/ in ${Date.now() - started} ms\n`);

/** Newest modification time (ms) of the files under `dir`, skipping `skip` folders. */
function newest(dir, skip) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip.includes(entry.name)) continue;
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path, skip) : statSync(path).mtimeMs);
  }
  return latest;
}

const webIndex = join('web', 'dist', 'index.html');
if (!existsSync(join('web', 'index.html'))) {
  process.stderr.write('no web/ sources: dashboard not built\n');
} else if (existsSync(webIndex) && statSync(webIndex).mtimeMs >= newest('web', ['dist', 'node_modules'])) {
  process.stderr.write('web/dist is up to date\n');
} else {
  const webStarted = Date.now();
  const { build: viteBuild } = await import('vite');
  await viteBuild({
    root: 'web',
    configFile: false,
    logLevel: 'warn',
    build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 400 },
  });
  process.stderr.write(`built web/dist in ${Date.now() - webStarted} ms\n`);
}
