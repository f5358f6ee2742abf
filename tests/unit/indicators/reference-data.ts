import { readFileSync } from 'node:fs';
import { sharedData } from '../../helpers/shared-data.js';

/** A CSV file as column name -> raw cell strings (this test's own tiny reader; no quoting in these files). */
export function readCsvColumns(path: string): Map<string, string[]> {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.length > 0);
  const header = (lines[0] ?? '').split(',');
  const columns = new Map<string, string[]>(header.map((name) => [name, []]));
  for (let row = 1; row < lines.length; row++) {
    const cells = lines[row].split(',');
    if (cells.length !== header.length) throw new Error(`${path}:${row + 1}: expected ${header.length} cells, got ${cells.length}`);
    for (const [i, name] of header.entries()) columns.get(name)?.push(cells[i]);
  }
  return columns;
}

/** Numeric column; an empty cell becomes NaN (the reference leaves warm-up cells empty). */
export function numericColumn(columns: Map<string, string[]>, name: string): Float64Array {
  const cells = columns.get(name);
  if (cells === undefined) throw new Error(`missing column ${name}`);
  return Float64Array.from(cells, (cell) => (cell === '' ? Number.NaN : Number(cell)));
}

export interface Ohlc {
  readonly openTime: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
}

let klinesCache: Ohlc | undefined;

/** All rows of the real Binance spot BTCUSDT 1h klines from the shared data folder. */
export function btcHourly(): Ohlc {
  if (klinesCache === undefined) {
    const columns = readCsvColumns(sharedData('klines', 'BTCUSDT_1h.csv'));
    klinesCache = {
      openTime: numericColumn(columns, 'open_time'),
      high: numericColumn(columns, 'high'),
      low: numericColumn(columns, 'low'),
      close: numericColumn(columns, 'close'),
    };
  }
  return klinesCache;
}

/** The independent (pandas) reference values for the first 3,000 BTCUSDT 1h bars. */
export function referenceIndicators(): Map<string, string[]> {
  return readCsvColumns(sharedData('reference', 'indicators_BTCUSDT_1h_first3000.csv'));
}
