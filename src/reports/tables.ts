/** A column-oriented table: what both the CSV and the Parquet writers take. */
export type Column = Float64Array | readonly number[] | readonly string[] | readonly (string | null)[] | readonly (number | null)[];
export type Table = Readonly<Record<string, Column>>;

/** Rows of objects as a table with the given columns (in that order). */
export function tableOf<T>(rows: readonly T[], columns: Readonly<Record<string, (row: T) => number | string | null>>): Table {
  const out: Record<string, (number | string | null)[]> = {};
  for (const [name, get] of Object.entries(columns)) out[name] = rows.map(get);
  return out as Table;
}

function cell(v: unknown): string {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** RFC 4180 CSV with a header row; numbers in shortest round-trip form; null and NaN as empty cells. */
export function toCsv(table: Table): string {
  const names = Object.keys(table);
  const n = names.length > 0 ? table[names[0]].length : 0;
  const lines = [names.map(cell).join(',')];
  for (let i = 0; i < n; i++) lines.push(names.map((k) => cell(table[k][i])).join(','));
  return `${lines.join('\n')}\n`;
}
