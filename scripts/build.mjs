// Bundles the TypeScript sources into dist/ (node_modules stay external) so `npm start` and the `conclave`
// binary start without compiling on the fly: tsx costs about a second of start-up and tens of MiB.
import { build } from 'esbuild';

const started = Date.now();
await build({
  entryPoints: { main: 'src/main.ts', cli: 'src/cli/main.ts' },
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
