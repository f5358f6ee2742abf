import cliProgress from 'cli-progress';
import pino from 'pino';
import { type AppConfig, loadConfig, loadDotEnv } from '../config.js';
import type { Logger } from '../telemetry/logger.js';

/** Config and a logger for CLI commands: logs go to stderr so stdout stays machine-readable (JSON). */
export function cliContext(overrides: Record<string, string | undefined> = {}): { config: AppConfig; log: Logger } {
  loadDotEnv();
  const env = { ...process.env };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) env[k] = v;
  const config = loadConfig(env);
  const log = pino({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, base: { svc: 'conclave-cli' } }, pino.destination(2));
  return { config, log };
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
