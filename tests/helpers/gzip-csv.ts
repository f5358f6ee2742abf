import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Candle } from '../../src/domain/candle.js';

export interface CsvTable {
  readonly header: readonly string[];
  readonly rows: readonly string[][];
}

/** Reads a gzip-compressed CSV (first `maxRows` data rows if given). Deliberately naive: no quoting. */
export function readGzipCsv(path: string, maxRows = Number.POSITIVE_INFINITY): CsvTable {
  const text = gunzipSync(readFileSync(path)).toString('utf8');
  const lines = text.split('\n', Number.isFinite(maxRows) ? maxRows + 1 : undefined);
  const header = lines[0].trim().split(',');
  const rows: string[][] = [];
  for (let i = 1; i < lines.length; i++) if (lines[i].trim() !== '') rows.push(lines[i].trim().split(','));
  return { header, rows };
}

/** Candles from rows of a kline CSV (`open_time,open,high,low,close,volume,close_time,...`). */
export function klineRowsToCandles(table: CsvTable): Candle[] {
  const col = (name: string) => {
    const i = table.header.indexOf(name);
    if (i < 0) throw new Error(`kline CSV has no column ${name}`);
    return i;
  };
  const [t, o, h, l, c, v, ct] = ['open_time', 'open', 'high', 'low', 'close', 'volume', 'close_time'].map(col);
  return table.rows.map((r) => ({
    openTime: Number(r[t]),
    open: Number(r[o]),
    high: Number(r[h]),
    low: Number(r[l]),
    close: Number(r[c]),
    volume: Number(r[v]),
    closeTime: Number(r[ct]),
  }));
}
