import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { durationMs } from '../../domain/duration.js';
import { ConclaveError } from '../../domain/errors.js';
import { createScannerService } from '../../scanner/factory.js';
import type { ScanReport } from '../../scanner/report.js';
import { cliContext, progressBar } from '../context.js';

interface ScanOptions {
  once?: boolean;
  every?: string;
  symbols?: string;
  timeframes?: string;
  signal?: string;
  top?: string;
  llm?: boolean;
  send?: boolean;
}

/** `90s`, `30m`, `1h`, `1d` -> milliseconds. */
export function parseEvery(text: string): number {
  const ms = durationMs(text);
  if (ms === null || ms < 10_000) {
    throw new ConclaveError('VALIDATION_ERROR', `--every: expected a duration of at least 10s like 30m, 1h, 90s; got "${text}"`, {
      field: 'every',
    });
  }
  return ms;
}

/** The short JSON printed per run (the full report is in the file). */
function runSummary(report: ScanReport, files: { analysis: string; telegram: string }): unknown {
  return {
    generated_at: report.generated_at,
    universe: report.universe.size,
    ranking: { method: report.ranking.method, model: report.ranking.model, note: report.ranking.note },
    top: report.top.map((o) => ({
      rank: o.rank,
      symbol: o.symbol,
      setup: o.setup,
      entry: o.entry,
      stop: o.stop,
      target: o.target,
      rr: o.rr,
      confluence: o.confluence,
      probability: o.probability.estimate,
      sample: o.probability.sample,
      rationale: o.rationale,
    })),
    reason_fewer: report.reason_fewer,
    candidates: report.stats.candidates,
    passed: report.stats.passed,
    errors: report.errors.length,
    telegram: report.telegram,
    files,
  };
}

/** `conclave scan`: the market scanner once or on a schedule; needs neither the database nor the model. */
export function registerScanCommand(program: Command): void {
  program
    .command('scan')
    .description(
      'Scan the market (top USDT pairs by volume), score setups on several timeframes, rank (LLM when configured), write data/latest_analysis.json and data/latest_telegram_message.txt',
    )
    .option('--once', 'run one scan and exit (default)')
    .option('--every <duration>', 'run repeatedly, e.g. 30m, 1h')
    .option('-s, --symbols <list>', 'comma-separated symbols (overrides SCAN_SYMBOLS; default top pairs by volume)')
    .option('-t, --timeframes <list>', 'comma-separated timeframes (overrides SCAN_TIMEFRAMES)')
    .option('--signal <interval>', 'signal timeframe (overrides SCAN_SIGNAL_TIMEFRAME)')
    .option('--top <n>', 'opportunities published at most (overrides SCAN_TOP_N)')
    .option('--no-llm', 'rank deterministically even when an LLM is configured')
    .option('--send', 'send to Telegram (default when TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID are set)')
    .option('--no-send', 'do not send to Telegram')
    .action(async (opts: ScanOptions) => {
      const { config, log } = cliContext({
        SCAN_SYMBOLS: opts.symbols,
        SCAN_TIMEFRAMES: opts.timeframes,
        SCAN_SIGNAL_TIMEFRAME: opts.signal,
        SCAN_TOP_N: opts.top,
      });
      const everyMs = opts.every ? parseEvery(opts.every) : null;
      const scanner = createScannerService(config, { now: Date.now, log });
      const symbols = config.SCAN_SYMBOLS.split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      let stop = false;
      const onSignal = () => {
        stop = true;
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        do {
          const started = Date.now();
          const bar = progressBar('scanning');
          let report: ScanReport | null = null;
          try {
            report = await scanner.run({
              ...(symbols.length > 0 ? { symbols } : {}),
              ...(opts.llm === false ? { useLlm: false } : {}),
              ...(opts.send === undefined ? {} : { sendTelegram: opts.send }),
              onProgress: (d, t) => bar.update(d, t),
            });
          } catch (error) {
            bar.stop();
            // One failed run of a schedule is logged and retried at the next tick; a single run fails the command.
            if (!everyMs) throw error;
            process.stderr.write(`scan failed: ${(error as Error).message}\n`);
          }
          bar.stop();
          if (report) {
            process.stdout.write(
              `${JSON.stringify(runSummary(report, { analysis: scanner.analysisPath, telegram: scanner.telegramPath }), null, 2)}\n`,
            );
          }
          if (!everyMs || stop) break;
          const wait = Math.max(0, everyMs - (Date.now() - started));
          process.stderr.write(`next scan in ${Math.round(wait / 1000)} s (Ctrl-C to stop)\n`);
          const ac = new AbortController();
          const abort = () => ac.abort();
          process.once('SIGINT', abort);
          await sleep(wait, undefined, { signal: ac.signal }).catch(() => {
            stop = true;
          });
          process.off('SIGINT', abort);
        } while (!stop);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
