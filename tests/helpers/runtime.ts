import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { ApiApp } from '../../src/api/app-types.js';
import { type AppConfig, loadConfig } from '../../src/config.js';
import { SimClock } from '../../src/engine/clock.js';
import type { TradingModel } from '../../src/ml/model.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { buildServer } from '../../src/server.js';

export interface TestServer {
  readonly runtime: Runtime;
  readonly app: ApiApp;
  readonly url: string;
  readonly clock: SimClock;
  readonly config: AppConfig;
  close(): Promise<void>;
}

/**
 * A validated config for tests: files in a fresh temp folder, quiet logs, short venue timeouts, no venue cache
 * (so fault switches hit every request), a small forest; `env` overrides any of it.
 */
export function testConfig(env: Record<string, string>, prefix = 'conclave-test-'): AppConfig {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return loadConfig({
    LOG_LEVEL: 'silent',
    DATABASE_URL: join(dir, 'conclave.db'),
    MODEL_PATH: join(dir, 'model.json'),
    REPORTS_DIR: join(dir, 'reports'),
    DATA_DIR: join(dir, 'data'),
    // PUT /api/strategies/enable-map writes this file: a test must never rewrite the shipped config/enable-map.yaml.
    ENABLE_MAP_PATH: copyShippedEnableMap(dir),
    HTTP_TIMEOUT_MS: '300',
    HTTP_RETRIES: '1',
    MODEL_TREES: '20',
    MARKET_CACHE_TTL_MS: '0',
    ...env,
  });
}

function copyShippedEnableMap(dir: string): string {
  const path = join(dir, 'enable-map.yaml');
  copyFileSync(fileURLToPath(new URL('../../config/enable-map.yaml', import.meta.url)), path);
  return path;
}

/**
 * The real server on a real loopback socket over `env` (a fake venue's URL, a temp SQLite file, a temp model
 * path), with a SimClock at `now` so candle visibility is deterministic.
 */
export async function startTestServer(env: Record<string, string>, opts: { now: number; model?: TradingModel }): Promise<TestServer> {
  const config = testConfig(env);
  const clock = new SimClock(opts.now);
  const runtime = await createRuntime(config, pino({ level: 'silent' }), { clock, model: opts.model });
  const app = await buildServer(runtime);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    runtime,
    app,
    url: address,
    clock,
    config,
    close: async () => {
      await app.close();
      await runtime.close();
    },
  };
}
