import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { writeCandlesCsvFile } from '../../src/market/csv-candles.js';
import { readParquetRows } from '../../src/reports/parquet.js';
import { plantedEdgeMarket, randomWalkMarket } from '../../src/research/synthetic.js';

/**
 * `conclave research run` through the real program, in-process: every flag changes the campaign or is rejected
 * with a clear error, and the report directory holds what the README lists.
 */

const dir = mkdtempSync(join(tmpdir(), 'conclave-research-cli-'));
const reports = join(dir, 'reports');
Object.assign(process.env, {
  LOG_LEVEL: 'silent',
  DATABASE_URL: join(dir, 'conclave.db'),
  REPORTS_DIR: reports,
  DATA_DIR: join(dir, 'data'),
  MODEL_PATH: join(dir, 'model.json'),
  MODEL_TREES: '5',
  ENABLE_MAP_PATH: join(dir, 'enable-map.yaml'),
});
const syn = join(dir, 'SYNUSDT_1h.csv');
writeCandlesCsvFile(syn, plantedEdgeMarket(3, { bars: 900, trendBars: 40, drift: 0.002 }));
const walk = join(dir, 'WLKUSDT_1h.csv');
writeCandlesCsvFile(walk, randomWalkMarket(4, { bars: 900 }));

// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON output, read field by field by the assertions.
type Json = Record<string, any>;

async function cli(...args: string[]): Promise<{ out: string; error: Error | null }> {
  const program = buildProgram();
  let out = '';
  const walkCmd = (c: Command) => {
    c.exitOverride();
    const add = (s: string) => {
      out += s;
    };
    c.configureOutput({ writeOut: add, writeErr: add });
    for (const sub of c.commands) walkCmd(sub);
  };
  walkCmd(program);
  const so = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const se = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  let error: Error | null = null;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    error = e as Error;
  } finally {
    so.mockRestore();
    se.mockRestore();
  }
  return { out, error };
}

let n = 0;
const base = ['research', 'run', '-d', syn, '-s', 'sma-cross', '--trials', '6', '--windows', '2', '--search', 'random', '--no-report'];
async function json(...args: string[]): Promise<Json> {
  const path = join(dir, `out-${n++}.json`);
  const r = await cli(...args, '--json', path);
  if (r.error) throw r.error;
  return JSON.parse(readFileSync(path, 'utf8'));
}
async function fails(pattern: RegExp, ...args: string[]): Promise<void> {
  const r = await cli(...args);
  expect(r.error, `conclave ${args.join(' ')} should fail`).not.toBeNull();
  expect(r.error!.message).toMatch(pattern);
}
const paramsOf = (j: Json) => j.trials.map((t: Json) => JSON.stringify(t.params));

describe('conclave research run', { timeout: 300_000 }, () => {
  let ref: Json;
  it('runs a campaign: trials, windows, criteria, a verdict', async () => {
    ref = await json(...base);
    expect(ref).toMatchObject({
      strategy: 'sma-cross',
      protocol: 'pipeline',
      symbols: ['SYNUSDT'],
      search: 'random',
      objective: 'sharpe',
      tried: 6,
    });
    expect(ref.windows).toHaveLength(2);
    expect(ref.criteria.map((c: Json) => c.name)).toEqual(
      expect.arrayContaining(['profit_factor_in_sample', 'profit_factor_out_of_sample', 'n_trades', 'deflated_sharpe_ratio', 'pbo']),
    );
    expect(['PASSED', 'FAILED']).toContain(ref.verdict);
  });

  it('--data: several files trade together; a missing one fails', async () => {
    const two = await json(...base.slice(0, 4), '-d', walk, ...base.slice(4));
    expect(two.symbols).toEqual(['SYNUSDT', 'WLKUSDT']);
    await fails(/ENOENT|no such file|cannot read|not found/i, 'research', 'run', '-d', join(dir, 'NOPE_1h.csv'), '-s', 'sma-cross');
    await fails(/required option/, 'research', 'run', '-s', 'sma-cross');
  });

  it('--strategy picks the searched strategy; unknown or missing (pipeline) fails', async () => {
    const b = await json(...base.filter((a) => a !== 'sma-cross' && a !== '-s'), '-s', 'breakout');
    expect(b.strategy).toBe('breakout');
    expect(Object.keys(b.trials[0].params).sort()).toEqual(['exitPeriod', 'period']);
    await fails(/unknown strategy/, ...base.filter((a) => a !== 'sma-cross' && a !== '-s'), '-s', 'martingale');
    await fails(/give --strategy/, 'research', 'run', '-d', syn);
  });

  it('--protocol brain searches risk settings only; with --strategy or without --risk it fails', async () => {
    const b = await json(
      'research',
      'run',
      '-d',
      syn,
      '--protocol',
      'brain',
      '--risk',
      'ATR_STOP_MULT',
      '--trials',
      '3',
      '--windows',
      '1',
      '--no-report',
    );
    expect(b.protocol).toBe('brain');
    expect(Object.keys(b.trials[0].params)).toEqual(['ATR_STOP_MULT']);
    await fails(/picks its own strategies/, ...base, '--protocol', 'brain', '--risk', 'ATR_STOP_MULT');
    await fails(/searches risk settings/, 'research', 'run', '-d', syn, '--protocol', 'consensus');
    await fails(/PROTOCOL/, ...base, '--protocol', 'committee');
  });

  it('--search and --seed change the proposed sets; a bad method fails', async () => {
    const grid = await json(...base.map((a) => (a === 'random' ? 'grid' : a)));
    expect(grid.search).toBe('grid');
    expect(paramsOf(grid)).not.toEqual(paramsOf(ref));
    const seeded = await json(...base, '--seed', '2');
    expect(paramsOf(seeded)).not.toEqual(paramsOf(ref));
    await fails(/--search: expected one of grid, random, tpe/, ...base, '--search', 'genetic');
    await fails(/--seed/, ...base, '--seed', '1.5');
  });

  it('--trials, --windows, --objective: counted, cut and scored as asked; bad values fail', async () => {
    expect((await json(...base, '--trials', '3')).tried).toBe(3);
    expect((await json(...base, '--windows', '3')).windows).toHaveLength(3);
    const sortino = await json(...base, '--objective', 'sortino');
    expect(sortino.objective).toBe('sortino');
    expect(sortino.trials.map((t: Json) => t.score)).not.toEqual(ref.trials.map((t: Json) => t.score));
    await fails(/--trials/, ...base, '--trials', '0');
    await fails(/--windows/, ...base, '--windows', 'x');
    await fails(/--objective: expected one of sharpe, sortino, calmar, profit-factor/, ...base, '--objective', 'alpha');
  });

  it('--risk adds config-table risk settings to the search; an unknown one fails', async () => {
    const r = await json(...base, '--risk', 'ATR_STOP_MULT,SIZING_MODE');
    expect(Object.keys(r.trials[0].params).sort()).toEqual(['ATR_STOP_MULT', 'SIZING_MODE', 'fast', 'slow']);
    await fails(/not searchable/, ...base, '--risk', 'MAX_DRAWDOWN');
  });

  it('--no-prune runs every trial to the end; by default hopeless trials are pruned', async () => {
    const many = ['--trials', '16', '--windows', '1'];
    const pruned = await json(...base, ...many);
    const full = await json(...base, ...many, '--no-prune');
    expect(pruned.pruned).toBeGreaterThan(0);
    expect(full.pruned).toBe(0);
    expect(full.tried).toBe(16);
  });

  it('--set applies a config-table setting to every trial; a bad one fails', async () => {
    const costly = await json(...base, '--set', 'FEE_BPS=80');
    expect(costly.trials[0].params).toEqual(ref.trials[0].params);
    expect(costly.trials[0].score).not.toBe(ref.trials[0].score);
    await fails(/NOT_A_SETTING/, ...base, '--set', 'NOT_A_SETTING=1');
  });

  it('writes reports/research_<id>/ with trials CSV + Parquet, OOS equity, stability chart and summary.md; --no-report writes none', async () => {
    const before = existsSync(reports) ? readdirSync(reports).length : 0;
    const r = await cli(...base.filter((a) => a !== '--no-report'));
    expect(r.error).toBeNull();
    const dirs = readdirSync(reports).filter((d) => d.startsWith('research_'));
    expect(dirs.length).toBe(before + 1);
    const d = join(reports, dirs[0]);
    expect(readdirSync(d).sort()).toEqual(
      ['oos_equity.csv', 'oos_trades.csv', 'parameter_stability.svg', 'summary.md', 'trials.csv', 'trials.parquet', 'windows.csv'].sort(),
    );
    const csv = readFileSync(join(d, 'trials.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(7);
    const rows = await readParquetRows(readFileSync(join(d, 'trials.parquet')));
    expect(rows).toHaveLength(6);
    expect(rows[0]).toHaveProperty('param_fast');
    const summary = readFileSync(join(d, 'summary.md'), 'utf8');
    for (const c of [
      'profit_factor_in_sample',
      'profit_factor_out_of_sample',
      'max_drawdown',
      'correlation_with_portfolio',
      'n_trades',
      'deflated_sharpe_ratio',
      'pbo',
    ]) {
      expect(summary).toContain(`| ${c} |`);
    }
    expect(summary).toMatch(/Trials tried: \*\*6\*\*/);
    expect(readFileSync(join(d, 'parameter_stability.svg'), 'utf8')).toMatch(/<svg[\s\S]*fast[\s\S]*slow/);
  });
});
