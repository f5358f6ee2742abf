import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Candle } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';

/** Kline CSV columns in file order (the layout of ../shared/data/klines and of `data download`). */
export const KLINE_CSV_COLUMNS = [
  'open_time',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'close_time',
  'quote_volume',
  'trades',
  'taker_buy_base',
  'taker_buy_quote',
] as const;

/** Number of leading columns every row must fill; the rest may be empty. */
const REQUIRED_COLUMNS = 7;

/**
 * Candles as parallel typed arrays: what backtests over hundreds of thousands of rows want (no object per
 * bar). Times are epoch ms. `quoteVolume` and `trades` hold NaN where the file left them empty.
 */
export interface CandleColumns {
  readonly length: number;
  readonly openTime: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly closeTime: Float64Array;
  readonly quoteVolume: Float64Array;
  readonly trades: Float64Array;
}

/**
 * Reads a kline CSV (`.csv` or gzip `.csv.gz`, detected by magic bytes) into columns.
 * @throws ConclaveError VALIDATION_ERROR naming the file and line of the first bad row or header.
 */
export function readCandleColumns(path: string): CandleColumns {
  return parseCandleColumns(readMaybeGzip(path), path);
}

/**
 * Reads a kline CSV into candles, oldest first.
 * @throws ConclaveError VALIDATION_ERROR naming the file and line of the first bad row or header.
 */
export function readCandlesCsv(path: string): Candle[] {
  return columnsToCandles(readCandleColumns(path));
}

/**
 * Parses kline CSV text into candles, oldest first.
 * @param source name used in error messages (a path or `<input>`).
 * @throws ConclaveError VALIDATION_ERROR naming the line.
 */
export function parseCandlesCsv(text: string | Uint8Array, source = '<input>'): Candle[] {
  return columnsToCandles(parseCandleColumns(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, source));
}

const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * Parses kline CSV bytes into columns. Numbers are read straight from the bytes (no per-row strings);
 * each value equals what `Number(text)` gives for the same field.
 * @throws ConclaveError VALIDATION_ERROR naming the line.
 */
export function parseCandleColumns(bytes: Uint8Array, source = '<input>'): CandleColumns {
  const headerEnd = indexOfByte(bytes, LF, 0);
  const headerLine = latin1(bytes, 0, headerEnd === -1 ? bytes.length : headerEnd).replace(/\r$/, '');
  const width = checkHeader(headerLine, source);
  const capacity = countLines(bytes);
  const cols: Float64Array[] = KLINE_CSV_COLUMNS.slice(0, 9).map(() => new Float64Array(capacity));
  const [openTime, open, high, low, close, volume, closeTime, quoteVolume, trades] = cols;
  quoteVolume.fill(Number.NaN);
  trades.fill(Number.NaN);

  let n = 0;
  let line = 1;
  let pos = headerEnd === -1 ? bytes.length : headerEnd + 1;
  const end = bytes.length;
  while (pos < end) {
    line++;
    let eol = indexOfByte(bytes, LF, pos);
    if (eol === -1) eol = end;
    let rowEnd = eol;
    if (rowEnd > pos && bytes[rowEnd - 1] === CR) rowEnd--;
    if (rowEnd === pos) {
      pos = eol + 1;
      continue; // blank line (usually the trailing newline)
    }
    let field = 0;
    let start = pos;
    for (let i = pos; i <= rowEnd; i++) {
      if (i < rowEnd && bytes[i] !== COMMA) continue;
      if (field < 9) {
        if (start === i) {
          if (field < REQUIRED_COLUMNS) fail(source, line, `${KLINE_CSV_COLUMNS[field]} is empty`);
        } else {
          const value = parseDecimal(bytes, start, i);
          if (!Number.isFinite(value)) {
            fail(source, line, `${KLINE_CSV_COLUMNS[field]} is not a finite number: "${latin1(bytes, start, i)}"`);
          }
          cols[field][n] = value;
        }
      }
      field++;
      start = i + 1;
    }
    if (field !== width) fail(source, line, `expected ${width} fields like the header, saw ${field}`);
    checkRow(source, line, n, openTime, open, high, low, close, volume, closeTime);
    n++;
    pos = eol + 1;
  }
  return {
    length: n,
    openTime: openTime.subarray(0, n),
    open: open.subarray(0, n),
    high: high.subarray(0, n),
    low: low.subarray(0, n),
    close: close.subarray(0, n),
    volume: volume.subarray(0, n),
    closeTime: closeTime.subarray(0, n),
    quoteVolume: quoteVolume.subarray(0, n),
    trades: trades.subarray(0, n),
  };
}

function checkHeader(header: string, source: string): number {
  const names = header.split(',').map((s) => s.trim());
  const ok =
    names.length >= REQUIRED_COLUMNS && names.length <= KLINE_CSV_COLUMNS.length && names.every((name, i) => name === KLINE_CSV_COLUMNS[i]);
  if (!ok) {
    throw new ConclaveError(
      'VALIDATION_ERROR',
      `${source}:1: expected header "${KLINE_CSV_COLUMNS.join(',')}" (at least the first ${REQUIRED_COLUMNS} columns), saw "${header.slice(0, 200)}"`,
      { source, line: 1 },
    );
  }
  return names.length;
}

function checkRow(
  source: string,
  line: number,
  i: number,
  openTime: Float64Array,
  open: Float64Array,
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  volume: Float64Array,
  closeTime: Float64Array,
): void {
  const o = open[i];
  const h = high[i];
  const l = low[i];
  const c = close[i];
  if (!(l > 0)) fail(source, line, `low must be > 0, saw ${l}`);
  if (h < l) fail(source, line, `high ${h} < low ${l}`);
  if (o > h || o < l) fail(source, line, `open ${o} outside [low ${l}, high ${h}]`);
  if (c > h || c < l) fail(source, line, `close ${c} outside [low ${l}, high ${h}]`);
  if (volume[i] < 0) fail(source, line, `volume must be >= 0, saw ${volume[i]}`);
  if (!(closeTime[i] > openTime[i])) fail(source, line, `close_time ${closeTime[i]} is not after open_time ${openTime[i]}`);
  if (i > 0 && !(openTime[i] > openTime[i - 1])) {
    fail(source, line, `open_time ${openTime[i]} is not after the previous row's ${openTime[i - 1]} (rows must be sorted, no duplicates)`);
  }
}

function fail(source: string, line: number, problem: string): never {
  throw new ConclaveError('VALIDATION_ERROR', `${source}:${line}: ${problem}`, { source, line });
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const DECIMAL_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Plain decimals (digits, one dot, mantissa below 2^53, at most 22 fraction digits) are converted as
 * mantissa / 10^k: both operands are exact doubles, so the one IEEE division is correctly rounded and
 * equals Number(text). Anything else takes the slow path through Number().
 */
function parseDecimal(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (bytes[i] === 45) {
    negative = true;
    i++;
  } else if (bytes[i] === 43) i++;
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < end; i++) {
    const b = bytes[i];
    if (b >= 48 && b <= 57) {
      mantissa = mantissa * 10 + (b - 48);
      digits++;
      if (fraction >= 0) fraction++;
    } else if (b === 46 && fraction < 0) {
      fraction = 0;
    } else {
      return slowDecimal(bytes, start, end);
    }
  }
  if (digits === 0) return Number.NaN;
  if (mantissa > Number.MAX_SAFE_INTEGER || fraction > 22) return slowDecimal(bytes, start, end);
  const value = fraction > 0 ? mantissa / POW10[fraction] : mantissa;
  return negative ? -value : value;
}

function slowDecimal(bytes: Uint8Array, start: number, end: number): number {
  const text = latin1(bytes, start, end);
  return DECIMAL_RE.test(text) ? Number(text) : Number.NaN;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

function indexOfByte(bytes: Uint8Array, byte: number, from: number): number {
  return bytes.indexOf(byte, from);
}

function countLines(bytes: Uint8Array): number {
  let count = 1;
  let pos = bytes.indexOf(LF);
  while (pos !== -1) {
    count++;
    pos = bytes.indexOf(LF, pos + 1);
  }
  return count;
}

function readMaybeGzip(path: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (error) {
    throw new ConclaveError('VALIDATION_ERROR', `cannot read candle file ${path}: ${(error as Error).message}`, { source: path });
  }
  return raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
}

/** Builds candle objects from columns; optional fields are present only when the file had them. */
export function columnsToCandles(cols: CandleColumns, from = 0, to = cols.length): Candle[] {
  const out: Candle[] = new Array(Math.max(0, to - from));
  for (let i = from; i < to; i++) out[i - from] = candleAt(cols, i);
  return out;
}

/** The candle at row `i` of `cols`. */
export function candleAt(cols: CandleColumns, i: number): Candle {
  const candle: {
    -readonly [K in keyof Candle]: Candle[K];
  } = {
    openTime: cols.openTime[i],
    open: cols.open[i],
    high: cols.high[i],
    low: cols.low[i],
    close: cols.close[i],
    volume: cols.volume[i],
    closeTime: cols.closeTime[i],
  };
  if (!Number.isNaN(cols.quoteVolume[i])) candle.quoteVolume = cols.quoteVolume[i];
  if (!Number.isNaN(cols.trades[i])) candle.trades = cols.trades[i];
  return candle;
}

/** Columns from candle objects (missing optional fields become NaN). */
export function candlesToColumns(candles: readonly Candle[]): CandleColumns {
  const n = candles.length;
  const make = (pick: (c: Candle) => number | undefined) => {
    const arr = new Float64Array(n);
    for (let i = 0; i < n; i++) arr[i] = pick(candles[i]) ?? Number.NaN;
    return arr;
  };
  return {
    length: n,
    openTime: make((c) => c.openTime),
    open: make((c) => c.open),
    high: make((c) => c.high),
    low: make((c) => c.low),
    close: make((c) => c.close),
    volume: make((c) => c.volume),
    closeTime: make((c) => c.closeTime),
    quoteVolume: make((c) => c.quoteVolume),
    trades: make((c) => c.trades),
  };
}

/**
 * Serialises candles in the kline CSV format (header + one row per candle, `\n` line ends). Numbers are
 * written in their shortest round-trip form, so reading the text back gives identical values.
 */
export function writeCandlesCsv(candles: readonly Candle[]): string {
  const rows: string[] = [KLINE_CSV_COLUMNS.join(',')];
  for (const c of candles) {
    rows.push(
      `${c.openTime},${c.open},${c.high},${c.low},${c.close},${c.volume},${c.closeTime},${c.quoteVolume ?? ''},${c.trades ?? ''},,`,
    );
  }
  return `${rows.join('\n')}\n`;
}

/** Writes candles to `path` in the kline CSV format; gzip when the path ends in `.gz`. */
export function writeCandlesCsvFile(path: string, candles: readonly Candle[]): void {
  const text = writeCandlesCsv(candles);
  writeFileSync(path, path.endsWith('.gz') ? gzipSync(text) : text);
}

/** `BTCUSDT_1h.csv(.gz)` -> `{ symbol: 'BTCUSDT', interval: '1h' }`; null when the name has another shape. */
export function parseKlineFileName(path: string): { symbol: string; interval: string } | null {
  const base = path.split(/[\\/]/).pop() ?? '';
  const match = /^([A-Za-z0-9]+)_(\d+[mhdwM])\.csv(\.gz)?$/.exec(base);
  return match ? { symbol: match[1].toUpperCase(), interval: match[2] } : null;
}
