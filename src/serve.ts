import { loadConfig, loadDotEnv } from './config.js';
import { createRuntime } from './runtime.js';
import { buildServer } from './server.js';
import { createLogger } from './telemetry/logger.js';

/** `npm start` / `conclave serve`: the API server with the paper-trading engine. */
export async function serve(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const log = createLogger({ level: config.LOG_LEVEL, dir: config.LOG_DIR || undefined });
  const runtime = await createRuntime(config, log);
  const app = await buildServer(runtime);
  const address = await app.listen({ host: config.HOST, port: config.PORT });
  log.info({ address, docs: `${address}/docs`, source: runtime.source.venue, protocol: runtime.engine.protocolName }, 'conclave listening');

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down: finishing running cycles');
    await app.close();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
