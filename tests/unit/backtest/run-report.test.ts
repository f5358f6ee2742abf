import { existsSync, mkdtempSync, readFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { backtestReportInput } from '../../../src/backtest/report-input.js';
import { type BacktestResult, runBacktest } from '../../../src/backtest/runner.js';
import { readCandlesCsv } from '../../../src/market/csv-candles.js';
import { readParquetRows } from '../../../src/reports/parquet.js';
import { listRuns, rotateRuns } from '../../../src/reports/rotate.js';
import { writeRunReport } from '../../../src/reports/run-report.js';
import { sharedData } from '../../helpers/shared-data.js';
import { toySpec } from './toy-protocol.js';

let result: BacktestResult;
beforeAll(async () => {
  const all = readCandlesCsv(sharedData('klines', 'BTCUSDT_1h.csv'));
  const start = all.findIndex((c) => c.openTime >= Date.UTC(2024, 0, 1));
  result = await runBacktest(toySpec(all.slice(start, start + 300)));
});

describe('run reports', () => {
  it('writes trades, orders, decisions, equity as CSV and Parquet, an SVG chart and summary.md', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reports-'));
    const w = await writeRunReport(dir, 'r1', backtestReportInput(result, 'backtest', { strategy: 'toy' }, { conclave: 'test' }));
    expect(w.parquetError).toBeNull();
    for (const f of ['trades', 'orders', 'decisions', 'equity']) {
      expect(existsSync(join(w.dir, `${f}.csv`))).toBe(true);
      expect(existsSync(join(w.dir, `${f}.parquet`))).toBe(true);
    }
    const rows = await readParquetRows(readFileSync(join(w.dir, 'equity.parquet')));
    expect(rows.length).toBe(result.equity.length);
    expect(rows[rows.length - 1].equity).toBe(result.metrics.final_equity);
    const csv = readFileSync(join(w.dir, 'trades.csv'), 'utf8').trim().split('\n');
    expect(csv.length).toBe(result.trades.length + 1);
    const svg = readFileSync(join(w.dir, 'equity.svg'), 'utf8');
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/<polyline/g)?.length).toBe(2);
    const md = readFileSync(join(w.dir, 'summary.md'), 'utf8');
    expect(md).toContain('| metric | strategy | buy-and-hold |');
    expect(md).toContain('![equity vs buy-and-hold](equity.svg)');
    expect(md).toContain('conclave: test');
  });

  it('rotate keeps the newest runs and touches nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reports-'));
    for (const [i, id] of ['a', 'b', 'c'].entries()) {
      const w = await writeRunReport(dir, id, backtestReportInput(result, 'backtest', {}, {}));
      utimesSync(w.dir, 1_000 + i, 1_000 + i);
    }
    expect(rotateRuns(dir, { keep: 1 })).toEqual(['b', 'a']);
    expect(listRuns(dir).map((r) => r.id)).toEqual(['c']);
  });
});
