import { readFileSync } from 'node:fs';
import type { Candle } from '../../../src/domain/candle.js';
import { readCandlesCsv } from '../../../src/market/csv-candles.js';
import { sharedData } from '../../helpers/shared-data.js';

let btc: Candle[] | undefined;
let ref: Map<string, Float64Array> | undefined;

/** The first 3,000 real Binance spot BTCUSDT 1h candles (2018-02-09 16:00 UTC on): the span the reference covers. */
export function btcFirst3000(): Candle[] {
  btc ??= readCandlesCsv(sharedData('klines', 'BTCUSDT_1h.csv')).slice(0, 3000);
  return btc;
}

/** Independent pandas indicator values for those bars (column -> values, NaN in warm-up). */
export function btcReference(): Map<string, Float64Array> {
  if (!ref) {
    const lines = readFileSync(sharedData('reference', 'indicators_BTCUSDT_1h_first3000.csv'), 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    const cols = header.map(() => new Float64Array(lines.length - 1));
    for (let r = 1; r < lines.length; r++) {
      const cells = lines[r].split(',');
      for (let c = 0; c < header.length; c++) cols[c][r - 1] = cells[c] === '' ? Number.NaN : Number(cells[c]);
    }
    ref = new Map(header.map((name, c) => [name, cols[c]]));
  }
  return ref;
}

export function refColumn(name: string): Float64Array {
  const col = btcReference().get(name);
  if (!col) throw new Error(`reference has no column ${name}`);
  return col;
}

/** Index of the bar that opened at `openTime` (epoch ms). */
export function indexAt(candles: readonly Candle[], openTime: number): number {
  const i = candles.findIndex((c) => c.openTime === openTime);
  if (i < 0) throw new Error(`no candle opened at ${openTime}`);
  return i;
}
