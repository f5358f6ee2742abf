import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One row of a report CSV: column name -> cell text ('' for an empty cell). */
export type CsvRow = Readonly<Record<string, string>>;

/**
 * Parses the RFC 4180 CSV that `toCsv` (tables.ts) writes: a header row, cells quoted when they hold a comma,
 * a quote or a line break, quotes doubled inside.
 */
export function parseCsv(text: string): CsvRow[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  const [header, ...body] = rows;
  if (!header) return [];
  return body.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
}

/** A table of a run report folder (`trades`, `orders`, `equity`, `decisions`), or null when the file is gone. */
export async function readReportTable(dir: string, name: 'trades' | 'orders' | 'equity' | 'decisions'): Promise<CsvRow[] | null> {
  let text: string;
  try {
    text = await readFile(join(dir, `${name}.csv`), 'utf8');
  } catch {
    return null;
  }
  return parseCsv(text);
}
