import { writeFileSync } from 'node:fs';
import type { Table } from './tables.js';

/**
 * Writes a table as Parquet (apache-arrow builds the columns, parquet-wasm encodes them). Numeric columns
 * become float64, the rest UTF-8 strings; nulls stay null. Loaded lazily: the wasm module costs ~100 ms and
 * only report writing needs it.
 */
export async function writeParquet(path: string, table: Table): Promise<void> {
  const arrow = await import('apache-arrow');
  const parquet = await import('parquet-wasm');
  const columns: Record<string, unknown> = {};
  for (const [name, col] of Object.entries(table)) {
    if (col instanceof Float64Array) columns[name] = arrow.makeVector(col);
    else if ((col as readonly unknown[]).every((v) => v === null || typeof v === 'number')) {
      columns[name] = arrow.vectorFromArray(col as (number | null)[], new arrow.Float64());
    } else
      columns[name] = arrow.vectorFromArray(
        (col as readonly unknown[]).map((v) => (v === null ? null : String(v))),
        new arrow.Utf8(),
      );
  }
  const t = new arrow.Table(columns as Record<string, InstanceType<typeof arrow.Vector>>);
  const wasmTable = parquet.Table.fromIPCStream(arrow.tableToIPC(t, 'stream'));
  writeFileSync(path, parquet.writeParquet(wasmTable));
}

/** Reads a Parquet file back into plain rows (tests, `conclave report`). */
export async function readParquetRows(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const arrow = await import('apache-arrow');
  const parquet = await import('parquet-wasm');
  const t = arrow.tableFromIPC(parquet.readParquet(bytes).intoIPCStream());
  return t.toArray().map((r) => r.toJSON() as Record<string, unknown>);
}
