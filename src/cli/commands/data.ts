import type { Command } from 'commander';
import { downloadCandles } from '../../backtest/candle-download.js';
import { isInterval } from '../../domain/candle.js';
import { ConclaveError } from '../../domain/errors.js';
import { parseKlineFileName, readCandlesCsv } from '../../market/csv-candles.js';
import { createLiveVenue } from '../../market/factory.js';
import { openStore } from '../../store/db.js';
import { cliContext, progressBar } from '../context.js';

function time(name: string, value: string): number {
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(t))
    throw new ConclaveError('VALIDATION_ERROR', `--${name}: expected an ISO date or epoch ms, got "${value}"`, { field: name });
  return t;
}

/** `data import <csv>` and `data download`: candles into the store for backtests. */
export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('Historical candles in the local store');

  data
    .command('import')
    .argument('<csv>', 'kline CSV (SYMBOL_INTERVAL.csv[.gz])')
    .option('--symbol <s>', 'symbol (default: from the file name)')
    .option('--interval <i>', 'interval (default: from the file name)')
    .option('--venue <v>', 'venue the candles came from', 'binance')
    .description('Import a kline CSV into the candle store (upsert: importing twice is harmless)')
    .action(async (path: string, o: { symbol?: string; interval?: string; venue: string }) => {
      const { config } = cliContext();
      const named = parseKlineFileName(path);
      const symbol = (o.symbol ?? named?.symbol)?.toUpperCase();
      const interval = o.interval ?? named?.interval;
      if (!symbol || !interval || !isInterval(interval)) {
        throw new ConclaveError('VALIDATION_ERROR', `cannot tell symbol and interval of ${path}: pass --symbol and --interval`);
      }
      const candles = readCandlesCsv(path);
      const store = await openStore(config.database);
      try {
        const bar = progressBar(`import ${symbol} ${interval}`);
        const CHUNK = 20_000;
        let written = 0;
        for (let i = 0; i < candles.length; i += CHUNK) {
          written += await store.candles.upsertMany(o.venue, symbol, interval, candles.slice(i, i + CHUNK));
          bar.update(Math.min(candles.length, i + CHUNK), candles.length);
        }
        bar.stop();
        process.stdout.write(`imported ${written} ${symbol} ${interval} candles from ${path}\n`);
      } finally {
        await store.close();
      }
    });

  data
    .command('download')
    .requiredOption('--symbol <s>', 'e.g. BTCUSDT')
    .requiredOption('--interval <i>', 'e.g. 1h')
    .requiredOption('--from <date>', 'first open time (ISO date or epoch ms)')
    .option('--to <date>', 'last open time (default: now)')
    .description('Download Binance klines (paged by startTime, resumable) into the candle store; BINANCE_BASE_URL picks the venue')
    .action(async (o: { symbol: string; interval: string; from: string; to?: string }) => {
      const { config } = cliContext();
      if (!isInterval(o.interval)) throw new ConclaveError('VALIDATION_ERROR', `--interval: unknown interval "${o.interval}"`);
      const now = Date.now();
      // Guarded like every venue read: a page with a bad candle fails the download before it is stored.
      const source = createLiveVenue('binance', config, { now: () => now });
      const store = await openStore(config.database);
      try {
        const bar = progressBar(`download ${o.symbol} ${o.interval}`);
        const r = await downloadCandles(source, store.candles, {
          venue: 'binance',
          symbol: o.symbol.toUpperCase(),
          interval: o.interval,
          from: time('from', o.from),
          to: o.to ? time('to', o.to) : now,
          now,
          onProgress: (d, t) => bar.update(d, t),
        });
        bar.stop();
        process.stdout.write(
          `${r.resumed ? 'resumed' : 'started'} at ${new Date(r.startedAt).toISOString()}: ${r.written} candles in ${r.pages} page(s); stored ${await store.candles.count('binance', o.symbol.toUpperCase(), o.interval)}\n`,
        );
      } finally {
        await store.close();
      }
    });
}
