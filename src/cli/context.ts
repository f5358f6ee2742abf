import cliProgress from 'cli-progress';
import pino from 'pino';
import { type AppConfig, loadConfig, loadDotEnv } from '../config.js';
import { applyDeskSettings } from '../startup/desk-settings.js';
import { DailyFileStream, type Logger } from '../telemetry/logger.js';

/**
 * Config and a logger for CLI commands: logs go to stderr so stdout stays machine-readable (JSON), warnings
 * and worse unless LOG_LEVEL asks for more than info. With LOG_DIR every entry at LOG_LEVEL also goes to the
 * daily JSON files (kept 7 days), written synchronously because a one-shot command exits right after.
 */
export function cliContext(overrides: Record<string, string | undefined> = {}): { config: AppConfig; log: Logger } {
  loadDotEnv();
  const env = { ...process.env };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) env[k] = v;
  // The desk's saved protocol and limits (PUT /api/settings) are server settings: commands run with them too.
  const { config } = applyDeskSettings(loadConfig(env));
  const consoleLevel = config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL;
  const base = { svc: 'conclave-cli' };
  if (!config.LOG_DIR || config.LOG_LEVEL === 'silent') return { config, log: pino({ level: consoleLevel, base }, pino.destination(2)) };
  const streams = pino.multistream([
    { level: consoleLevel as pino.Level, stream: pino.destination(2) },
    { level: config.LOG_LEVEL as pino.Level, stream: new DailyFileStream(config.LOG_DIR, { sync: true }) },
  ]);
  return { config, log: pino({ level: config.LOG_LEVEL, base }, streams) };
}

/** A progress bar with ETA on stderr; silent when stderr is not a terminal (CI, pipes). */
export function progressBar(label: string): { update(done: number, total: number): void; stop(): void } {
  if (!process.stderr.isTTY) {
    let lastPct = -1;
    return {
      update(done, total) {
        const pct = total > 0 ? Math.floor((done / total) * 10) * 10 : 0;
        if (pct !== lastPct) {
          lastPct = pct;
          process.stderr.write(`${label}: ${pct}% (${done}/${total})\n`);
        }
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.setTotal(total);
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
