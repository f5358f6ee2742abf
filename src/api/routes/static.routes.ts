import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { grantPluginRoutes } from '../access.js';
import type { ApiApp } from '../app-types.js';

export interface StaticRouteOptions {
  /** The built dashboard (web/dist): index.html and assets/. */
  readonly dir: string;
}

/**
 * web/dist of the checkout, found by walking up from this module to package.json: the same code runs from
 * src/api/routes (tsx), dist/ and dist/chunks/ (the bundle).
 */
export function defaultWebDir(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'web', 'dist');
    dir = dirname(dir);
  }
  return resolve('web', 'dist');
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Conclave</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">
<h1>Conclave</h1><p>The dashboard has not been built. Run <code>npm run build</code> (or <code>npm start</code>, which builds it) and reload.</p>
<p>The API is running: <a href="/docs">/docs</a>, <a href="/health">/health</a>.</p></body></html>`;

/**
 * Serves the dashboard at `/` through one catch-all GET route. The router prefers every other route over a
 * wildcard, so nothing here shadows `/api/*`, `/trading/*`, `/docs`, `/ws` or `/health`; a path with no file
 * falls through to the JSON 404. Files are looked up per request, so a rebuild while the server runs is served
 * at once. Hashed files under assets/ are cached for a year; index.html is revalidated. Without a build, `/`
 * says how to make one.
 */
export async function registerStaticRoutes(app: ApiApp, options: StaticRouteOptions): Promise<void> {
  if (!existsSync(join(options.dir, 'index.html'))) {
    app.get('/', { schema: { hide: true }, config: { access: 'public' } }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(NOT_BUILT),
    );
    return;
  }
  await app.register(async (files) => {
    // The dashboard's own files carry no data: every number it shows comes from the API with the user's token.
    grantPluginRoutes(files, 'public');
    await files.register(fastifyStatic, {
      root: options.dir,
      prefix: '/',
      wildcard: true,
      // Our own Cache-Control below; send's default would overwrite it with max-age=0.
      cacheControl: false,
      setHeaders: (res, path) => {
        const immutable = path.includes(`${join(options.dir, 'assets')}`);
        res.setHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  });
}
