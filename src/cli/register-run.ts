import { randomUUID } from 'node:crypto';
import { backtestSummary } from '../backtest/report-input.js';
import type { BacktestResult } from '../backtest/runner.js';
import type { AppConfig } from '../config.js';
import { LOCAL_USER_ID } from '../engine/trading-engine.js';
import { openStore } from '../store/db.js';

/**
 * Records a finished CLI run in the backtest store as the local user's, so `GET /api/backtests` and the
 * dashboard list it next to the runs started over HTTP (params say `source: "cli"` and the command). A store
 * that cannot be opened is a warning, not a failure: the run and its report are already done.
 * @returns the backtest id, or null when it could not be recorded.
 */
export async function registerCliRun(
  config: AppConfig,
  command: string,
  params: Readonly<Record<string, unknown>>,
  result: BacktestResult,
  reportDir: string | null,
  now: number,
): Promise<string | null> {
  const id = randomUUID();
  try {
    const store = await openStore(config.database);
    try {
      await store.backtests.create({
        id,
        userId: LOCAL_USER_ID,
        params: {
          source: 'cli',
          command,
          strategy: result.strategy,
          // The dashboard titles a run by strategy, symbol and interval, as for runs started over HTTP.
          symbol: result.symbols.join(','),
          symbols: result.symbols,
          interval: result.interval,
          ...params,
        },
        createdAt: now,
        status: 'running',
      });
      await store.backtests.update(id, { status: 'completed', progress: 1, finishedAt: now, result: backtestSummary(result, reportDir) });
    } finally {
      await store.close();
    }
    return id;
  } catch (error) {
    process.stderr.write(`warning: run not recorded in the backtest store (${(error as Error).message})\n`);
    return null;
  }
}
