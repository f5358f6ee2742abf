/**
 * Runs the fake Binance as its own process, for benchmarks and `npm start` demos without network:
 *
 *   node --import tsx tests/fakes/fake-binance-main.ts --port 9123 --symbols BTCUSDT,ETHUSDT --interval 1m
 *   BINANCE_BASE_URL=http://127.0.0.1:9123 npm start
 *
 * Options: --port (default 9123), --host (127.0.0.1), --symbols (BTCUSDT,ETHUSDT), --interval (one or a
 * comma list, default 1h; the first is the primary series), --now (epoch ms; default the last candle's close),
 * --tick-ms (advance the virtual now one bar every N ms of wall time; default off).
 */
import { parseArgs } from 'node:util';
import { type Interval, isInterval } from '../../src/domain/candle.js';
import { klineFiles } from './candle-book.js';
import { startFakeBinance } from './fake-binance.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9123' },
    host: { type: 'string', default: '127.0.0.1' },
    symbols: { type: 'string', default: 'BTCUSDT,ETHUSDT' },
    interval: { type: 'string', default: '1h' },
    now: { type: 'string' },
    'tick-ms': { type: 'string' },
  },
});

const intervals = values.interval.split(',').map((s) => s.trim());
const bad = intervals.filter((i) => !isInterval(i));
if (bad.length > 0) {
  console.error(`unknown interval(s): ${bad.join(', ')}`);
  process.exit(2);
}
const symbols = values.symbols.split(',').map((s) => s.trim().toUpperCase());
const files = klineFiles(symbols, intervals as Interval[]);
const missing = symbols.filter((s) => !files[s]);
if (missing.length > 0) console.error(`no kline files for: ${missing.join(', ')} (they will answer "Invalid symbol.")`);
if (Object.keys(files).length === 0) {
  console.error(`no kline files for ${symbols.join(',')} x ${intervals.join(',')} under ../shared/data/klines`);
  process.exit(2);
}

const fake = await startFakeBinance({
  files,
  port: Number(values.port),
  host: values.host,
  ...(values.now ? { now: Number(values.now) } : {}),
});
console.log(fake.url);
console.error(
  `fake binance serving ${Object.keys(files).join(',')} [${intervals.join(',')}] now=${new Date(fake.control.now()).toISOString()}`,
);

if (values['tick-ms']) {
  const tick = setInterval(() => fake.control.advance(1), Number(values['tick-ms']));
  tick.unref();
}

const stop = () => {
  void fake.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
