import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { AppConfig } from '../../config.js';
import { ConclaveError } from '../../domain/errors.js';
import { cliContext } from '../context.js';

/** The bundled recording: 3,000 real Binance spot BTCUSDT hours from 2024-01-01 (see demo/README.md). */
export const DEMO_RECORDING = 'BTCUSDT_1h.csv.gz';

/** demo/ of this package, from the sources (src/cli/commands) or the bundle (dist/, dist/chunks/). */
export function demoRecordingPath(): string {
  for (const rel of ['../demo/', '../../demo/', '../../../demo/']) {
    const path = fileURLToPath(new URL(rel + DEMO_RECORDING, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new ConclaveError('NOT_FOUND', `demo: the bundled recording demo/${DEMO_RECORDING} is missing from this installation`);
}

/**
 * The settings of `npm run demo`: the bundled recording replayed a candle per `stepMs`, on its own database,
 * model and reports under DATA_DIR/demo/, with the seed pipeline, so nothing of a real session is touched.
 */
export function demoOverrides(config: Pick<AppConfig, 'DATA_DIR'>, recording: string, stepMs: number): Record<string, string> {
  const dir = join(config.DATA_DIR, 'demo');
  return {
    MARKET_SOURCE: `replay:${recording}`,
    KLINE_INTERVAL: '1h',
    DEFAULT_SYMBOL: 'BTCUSDT',
    REPLAY_STEP_MS: String(stepMs),
    TRAINING_CANDLES: '1000',
    PROTOCOL: 'pipeline',
    MIN_CONFIDENCE: '0',
    DATABASE_URL: join(dir, 'conclave.db'),
    MODEL_PATH: join(dir, 'model.json'),
    REPORTS_DIR: join(dir, 'reports'),
  };
}

/** `conclave demo` (`npm run demo`): a session that trades within the first minute with no network at all. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Replay bundled real BTCUSDT hours (2024) one candle a second and paper-trade them, offline, on its own database under DATA_DIR/demo (emptied at every start)',
    )
    .option('--step-ms <ms>', 'wall-clock milliseconds per recorded hour', '1000')
    .action(async (opts: { stepMs: string }) => {
      const stepMs = Number(opts.stepMs);
      if (!Number.isInteger(stepMs) || stepMs < 10 || stepMs > 3_600_000) {
        throw new ConclaveError('VALIDATION_ERROR', `--step-ms: expected an integer from 10 to 3600000, got "${opts.stepMs}"`, {
          field: 'step-ms',
        });
      }
      const { config } = cliContext();
      const overrides = demoOverrides(config, demoRecordingPath(), stepMs);
      // The demo's own folder, made here: DATABASE_URL outside DATA_DIR must name an existing directory.
      mkdirSync(join(config.DATA_DIR, 'demo'), { recursive: true });
      // Every demo starts from an empty account at the start of the recording; the model file is kept (same data, same model).
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${overrides.DATABASE_URL}${suffix}`, { force: true });
      const { serve } = await import('../../serve.js');
      await serve(overrides);
    });
}
