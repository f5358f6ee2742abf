import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { startPlatformServer } from '../helpers/platform-server.js';
import { call, ScriptedModel } from '../helpers/scripted-model.js';
import { sharedData } from '../helpers/shared-data.js';

/**
 * Every documented flag of the research commands (backtest, walk-forward, montecarlo, gate) run through the
 * real `conclave` program in-process: each flag either changes the outcome or is rejected with a clear error,
 * and unknown options or extra arguments are errors on every command.
 */

const dir = mkdtempSync(join(tmpdir(), 'conclave-cli-flags-'));
const reports = join(dir, 'reports');
const db = join(dir, 'conclave.db');
const enableMap = join(dir, 'enable-map.yaml');
Object.assign(process.env, {
  LOG_LEVEL: 'silent',
  DATABASE_URL: db,
  REPORTS_DIR: reports,
  DATA_DIR: join(dir, 'data'),
  ENABLE_MAP_PATH: enableMap,
  MODEL_PATH: join(dir, 'model.json'),
  MODEL_TREES: '5',
  FEE_BPS: '10',
  SLIPPAGE_BPS: '5',
  STARTING_CAPITAL: '10000',
  ORDER_FRACTION: '0.5',
  // In-process: these runs test flags, and a worker loading the kernel through tsx costs seconds per command here;
  // tests/integration/research-threads.test.ts compares threaded and in-process research.
  RESEARCH_THREADS: '1',
});

/** 2,000 real 1h candles from 2022-06-01 (contiguous in the source) of one symbol, as SYMBOL_1h.csv. */
function slice(symbol: string): string {
  const lines = readFileSync(sharedData('klines', `${symbol}_1h.csv`), 'utf8').split('\n');
  const first = lines.findIndex((l) => l.startsWith(`${Date.UTC(2022, 5, 1)},`));
  const path = join(dir, `${symbol}_1h.csv`);
  writeFileSync(path, `${lines[0]}\n${lines.slice(first, first + 2000).join('\n')}\n`);
  return path;
}
const btc = slice('BTCUSDT');
const eth = slice('ETHUSDT');

// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON output, read field by field by the assertions.
type Json = Record<string, any>;

interface Run {
  readonly out: string;
  readonly err: string;
  readonly error: Error | null;
  readonly exitCode: number | undefined;
}

/** Runs `conclave <args>` in-process; commander errors are thrown instead of exiting. */
async function cli(...args: string[]): Promise<Run> {
  const program = buildProgram();
  let out = '';
  let err = '';
  const walk = (c: Command) => {
    c.exitOverride();
    c.configureOutput({
      writeOut: (s) => {
        out += s;
      },
      writeErr: (s) => {
        err += s;
      },
    });
    for (const sub of c.commands) walk(sub);
  };
  walk(program);
  const so = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const se = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  process.exitCode = undefined;
  let error: Error | null = null;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    error = e as Error;
  } finally {
    so.mockRestore();
    se.mockRestore();
  }
  const exitCode = process.exitCode === undefined ? undefined : Number(process.exitCode);
  process.exitCode = undefined;
  return { out, err, error, exitCode };
}

let jsonN = 0;
/** Runs the command with `--json <tmp>` and returns the parsed file. */
async function json(...args: string[]): Promise<Json> {
  const path = join(dir, `out-${jsonN++}.json`);
  const r = await cli(...args, '--json', path);
  if (r.error) throw r.error;
  return JSON.parse(readFileSync(path, 'utf8'));
}

async function rejected(pattern: RegExp, ...args: string[]): Promise<void> {
  const r = await cli(...args);
  expect(r.error, `conclave ${args.join(' ')} should fail`).not.toBeNull();
  expect(r.error!.message).toMatch(pattern);
}

const runs = () => (existsSync(reports) ? readdirSync(reports).filter((d) => d.startsWith('run_')) : []);

describe('every command rejects unknown options and extra arguments', () => {
  const all: { path: string[]; cmd: Command }[] = [];
  const collect = (c: Command, path: string[]) => {
    for (const sub of c.commands) {
      all.push({ path: [...path, sub.name()], cmd: sub });
      collect(sub, [...path, sub.name()]);
    }
  };
  collect(buildProgram(), []);

  it('covers every command', () => {
    expect(all.map((c) => c.path.join(' '))).toEqual(
      expect.arrayContaining(['backtest', 'walk-forward', 'montecarlo', 'gate', 'train', 'cycle', 'scan', 'report rotate', 'data import']),
    );
  });

  // Required options are checked first: give them so the unknown option or argument is what fails.
  const required: Record<string, string[]> = {
    backtest: ['-d', btc, '-s', 'sma-cross'],
    'walk-forward': ['-d', btc],
    gate: ['-d', btc, '-c', 'breakout'],
    'data download': ['--symbol', 'BTCUSDT', '--interval', '1h', '--from', '2022-01-01'],
    'user delete': ['--yes'],
    'research run': ['-d', btc, '-s', 'sma-cross'],
  };
  it.each(all.filter((c) => c.cmd.commands.length === 0).map((c) => [c.path.join(' '), c.path]))('%s', async (name, path) => {
    const args = [...(path as string[]), ...(required[name as string] ?? [])];
    const unknown = await cli(...args, '--no-such-flag');
    expect(unknown.error?.message).toMatch(/unknown option '--no-such-flag'/);
    const extra = await cli(...args, 'a', 'b', 'c', 'd');
    expect(extra.error?.message).toMatch(/too many arguments|unknown command/);
  });
});

/**
 * The flags this file exercises, per command. A flag added to a research command without a case here fails the
 * first test, so "every documented flag works" stays checked.
 */
const COVERED: Record<string, string[]> = {
  backtest: [
    '--data',
    '--fee',
    '--slippage',
    '--capital',
    '--fraction',
    '--from',
    '--to',
    '--set',
    '--no-report',
    '--protocol',
    '--strategy',
    '--param',
    '--json',
  ],
  'walk-forward': [
    '--data',
    '--fee',
    '--slippage',
    '--capital',
    '--fraction',
    '--from',
    '--to',
    '--set',
    '--no-report',
    '--train',
    '--test',
    '--anchored',
    '--trees',
    '--json',
  ],
  montecarlo: ['--data', '--strategy', '--run', '--runs', '--method', '--seed', '--no-report'],
  gate: [
    '--data',
    '--fee',
    '--slippage',
    '--capital',
    '--fraction',
    '--from',
    '--to',
    '--set',
    '--no-report',
    '--candidate',
    '--portfolio',
    '--split',
    '--min-pf-is',
    '--min-pf-oos',
    '--max-dd-multiple',
    '--max-corr',
    '--min-trades',
    '--promote',
    '--json',
  ],
  train: ['--candles', '--out'],
};

describe('every flag of the research commands and train has a case below', () => {
  it.each(Object.keys(COVERED))('%s', (name) => {
    const cmd = buildProgram().commands.find((c) => c.name() === name)!;
    expect(cmd.options.map((o) => o.long).sort()).toEqual([...COVERED[name]].sort());
  });
});

describe('conclave backtest: every flag changes the outcome or is rejected', () => {
  const base = ['backtest', '-d', btc, '-s', 'sma-cross', '--no-report'];
  let ref: Json;
  beforeAll(async () => {
    ref = await json(...base);
  });

  it('--fee, --slippage, --capital, --fraction change the result', async () => {
    expect((await json(...base, '--fee', '40')).metrics.fees).toBeGreaterThan(ref.metrics.fees);
    expect((await json(...base, '--slippage', '40')).metrics.final_equity).not.toBe(ref.metrics.final_equity);
    expect((await json(...base, '--capital', '5000')).metrics.start_equity).toBe(5000);
    expect((await json(...base, '--fraction', '0.1')).metrics.turnover).toBeLessThan(ref.metrics.turnover);
  });

  it('--from / --to bound the traded candles', async () => {
    const r = await json(...base, '--from', '2022-07-01', '--to', '2022-07-20');
    expect(r.from).toBe('2022-07-01T00:59:59.999Z');
    expect(r.to).toBe('2022-07-20T00:59:59.999Z');
    expect(ref.from < r.from && ref.to > r.to).toBe(true);
  });

  it('--protocol and --set change what runs; an unknown protocol or setting is rejected', async () => {
    const brain = await json('backtest', '-d', btc, '--protocol', 'brain', '--no-report');
    expect(brain.settings.PROTOCOL).toBe('brain');
    expect(ref.settings.PROTOCOL).toBe('pipeline');
    expect((await json(...base, '--set', 'ORDER_FRACTION=0.1')).metrics.turnover).toBeLessThan(ref.metrics.turnover);
    await rejected(/PROTOCOL/, ...base, '--protocol', 'moon');
    await rejected(/NO_SUCH_SETTING/, ...base, '--set', 'NO_SUCH_SETTING=1');
    await rejected(/--set: expected NAME=value/, ...base, '--set', 'ORDER_FRACTION');
  });

  it('--strategy, --param and repeated --data change what runs', async () => {
    expect((await json(...base.slice(0, 3), '-s', 'breakout', '--no-report')).strategy).toBe('breakout');
    expect((await json(...base, '-p', 'fast=5')).metrics.n_trades).not.toBe(ref.metrics.n_trades);
    expect((await json(...base, '-d', eth)).symbols).toEqual(['BTCUSDT', 'ETHUSDT']);
  });

  it('writes a report unless --no-report, and records the run for GET /api/backtests', async () => {
    const before = runs().length;
    const r = await cli('backtest', '-d', btc, '-s', 'sma-cross');
    expect(r.error).toBeNull();
    expect(runs().length).toBe(before + 1);
    expect(r.out).toMatch(/report: .*run_backtest-\d{8}T\d{6}-[0-9a-f]{6}\/summary\.md/);
    expect(r.err).toMatch(/recorded as backtest [0-9a-f-]{36}/);
    await cli(...base);
    expect(runs().length).toBe(before + 1);
  });

  it('rejects bad values with the flag named', async () => {
    await rejected(/--fee: expected a number >= 0 <= 1000, got "abc"/, ...base, '--fee', 'abc');
    await rejected(/--slippage: expected a number >= 0/, ...base, '--slippage', '-1');
    await rejected(/--capital: expected a number > 0/, ...base, '--capital', '0');
    await rejected(/--fraction: expected a number > 0 <= 1, got "1.5"/, ...base, '--fraction', '1.5');
    await rejected(/--from: expected an ISO date or epoch ms/, ...base, '--from', 'yesterday');
    await rejected(/--from 2022-08-01 is after --to 2022-07-01/, ...base, '--from', '2022-08-01', '--to', '2022-07-01');
    await rejected(/--param: expected name=number/, ...base, '-p', 'fast');
    await rejected(/unknown strategy|strategy/, 'backtest', '-d', btc, '-s', 'nope');
    await rejected(/required option '-d, --data <csv>'/, 'backtest', '-s', 'sma-cross');
    await rejected(/SYMBOL_INTERVAL/, 'backtest', '-d', join(dir, 'candles.csv'), '-s', 'sma-cross');
  });
});

describe('conclave walk-forward: every flag changes the outcome or is rejected', () => {
  const base = ['walk-forward', '-d', btc, '--train', '500', '--test', '500', '--trees', '3', '--no-report'];
  let ref: Json;
  beforeAll(async () => {
    ref = await json(...base);
  });

  it('--train, --test, --anchored, --trees shape the windows and models', async () => {
    expect(ref.windows).toHaveLength(3);
    const train = await json(...base, '--train', '700');
    expect(train.windows[0].trainFrom).toBe(ref.windows[0].trainFrom);
    expect(train.windows[0].testFrom).not.toBe(ref.windows[0].testFrom);
    expect((await json(...base, '--test', '300')).windows).toHaveLength(5);
    const anchored = await json(...base, '--anchored');
    expect(anchored.windows[2].trainFrom).toBe(ref.windows[0].trainFrom);
    expect(ref.windows[2].trainFrom).not.toBe(ref.windows[0].trainFrom);
    const trees = await json(...base, '--trees', '4');
    expect(trees.windows[0].modelVersion).not.toBe(ref.windows[0].modelVersion);
  });

  it('--from / --to cut the candles; the cost and sizing flags change the stitched run', async () => {
    const cut = await json(...base, '--from', '2022-06-10', '--to', '2022-08-01');
    expect(cut.windows[0].trainFrom).toBe(Date.UTC(2022, 5, 10));
    expect(cut.windows.length).toBeLessThan(ref.windows.length);
    expect((await json(...base, '--fee', '40')).metrics.fees).not.toBe(ref.metrics.fees);
    expect((await json(...base, '--slippage', '40')).metrics.final_equity).not.toBe(ref.metrics.final_equity);
    expect((await json(...base, '--capital', '5000')).metrics.start_equity).toBe(5000);
    expect((await json(...base, '--fraction', '0.1')).metrics.turnover).not.toBe(ref.metrics.turnover);
    expect((await json(...base, '--set', 'ORDER_FRACTION=0.1')).metrics.turnover).not.toBe(ref.metrics.turnover);
  });

  it('writes a report unless --no-report', async () => {
    const before = runs().length;
    expect((await cli(...base.slice(0, -1))).error).toBeNull();
    expect(runs().length).toBe(before + 1);
  });

  it('rejects bad values', async () => {
    await rejected(/--train: expected a whole number >= 100, got "50"/, ...base, '--train', '50');
    await rejected(/--test: expected a whole number >= 1/, ...base, '--test', '0');
    await rejected(/--trees: expected a whole number >= 1/, ...base, '--trees', '1.5');
    await rejected(/walk-forward trains and trades one symbol/, ...base, '-d', eth);
  });
});

describe('conclave montecarlo: every flag changes the outcome or is rejected', () => {
  let runId: string;
  beforeAll(async () => {
    const r = await cli('backtest', '-d', btc, '-s', 'sma-cross', '-p', 'fast=5');
    runId = /run_([^/]+)\/summary\.md/.exec(r.out)![1];
  });
  const table = (r: Run) => r.out.split('\n').filter((l) => /^\| p\d/.test(l));

  it('--run, --runs, --method, --seed change the distribution', async () => {
    const ref = await cli('montecarlo', '--run', runId, '--no-report');
    expect(ref.error).toBeNull();
    expect(ref.out).toMatch(/bootstrap, 1000 runs over \d+ trades, seed 42/);
    expect((await cli('montecarlo', '--run', runId, '-n', '50', '--no-report')).out).toMatch(/50 runs/);
    expect(table(await cli('montecarlo', '--run', runId, '--seed', '7', '--no-report'))).not.toEqual(table(ref));
    // Shuffling keeps the final return (same trades, another order): p5 = p95.
    const shuffle = table(await cli('montecarlo', '--run', runId, '--method', 'shuffle', '--no-report'));
    expect(shuffle[0].split('|')[2]).toBe(shuffle[shuffle.length - 1].split('|')[2]);
  });

  it('--data with --strategy backtests first; a report is written unless --no-report', async () => {
    const before = runs().length;
    const r = await cli('montecarlo', '-d', btc, '-s', 'breakout', '-n', '20');
    expect(r.error).toBeNull();
    expect(runs().length).toBe(before + 1);
    const fromRun = await cli('montecarlo', '--run', runId, '-n', '20');
    expect(runs().length).toBe(before + 2);
    expect(readFileSync(join(/report: (.*)\/summary\.md/.exec(fromRun.out)![1], 'summary.md'), 'utf8')).toMatch(
      /Monte Carlo \(bootstrap, 20 runs/,
    );
  });

  it('rejects bad values and contradictory sources', async () => {
    await rejected(/--method: bootstrap or shuffle, got foo/, 'montecarlo', '--run', runId, '--method', 'foo');
    await rejected(/--runs: expected a whole number >= 1/, 'montecarlo', '--run', runId, '-n', '0');
    await rejected(/--seed: expected a whole number/, 'montecarlo', '--run', runId, '--seed', 'x');
    await rejected(/no trades file/, 'montecarlo', '--run', 'does-not-exist');
    await rejected(/either --run <id> or --data and --strategy/, 'montecarlo', '--run', runId, '-d', btc);
    await rejected(/needs --run <id>, or --data and --strategy/, 'montecarlo', '-d', btc);
  });
});

describe('conclave gate: every flag changes the verdict inputs or is rejected; exit code 2 on FAILED', () => {
  const base = ['gate', '-d', btc, '-c', 'breakout', '--portfolio', 'sma-cross', '--no-report'];
  let ref: Json;
  let refRun: Run;
  beforeAll(async () => {
    const path = join(dir, 'gate-ref.json');
    refRun = await cli(...base, '--json', path);
    ref = JSON.parse(readFileSync(path, 'utf8'));
  });
  const criterion = (j: Json, name: string) => j.verdict.criteria.find((c: { name: string }) => c.name.startsWith(name));

  it('fails with exit code 2 under the default thresholds (and 0 when it passes)', async () => {
    expect(ref.verdict.passed).toBe(false);
    expect(refRun.exitCode).toBe(2);
    // Progress over both runs (plain lines when stderr is not a terminal, as here).
    expect(refRun.err).toMatch(/gate breakout: 50% \(\d+\/\d+\)\n[\s\S]*gate breakout: 100% /);
    const lenient = [
      '--split',
      '0.3',
      '--min-pf-is',
      '0',
      '--min-pf-oos',
      '0',
      '--max-dd-multiple',
      '100',
      '--max-corr',
      '1',
      '--min-trades',
      '0',
    ];
    const pass = await cli(...base, ...lenient);
    expect(pass.error).toBeNull();
    expect(pass.exitCode).toBeUndefined();
  });

  it('--from / --to are honoured: different candles, different verdict inputs', async () => {
    const cut = await json(...base, '--from', '2022-07-01', '--to', '2022-08-10');
    expect(cut.from).toBe('2022-07-01T00:59:59.999Z');
    expect(cut.to).toBe('2022-08-10T00:59:59.999Z');
    expect(cut.split_time).not.toBe(ref.split_time);
    expect(criterion(cut, 'n_trades').value).not.toBe(criterion(ref, 'n_trades').value);
  });

  it('each threshold flag sets its criterion; --split moves the split; --portfolio changes the comparison', async () => {
    const t = await json(
      ...base,
      '--min-pf-is',
      '2',
      '--min-pf-oos',
      '3',
      '--max-dd-multiple',
      '4',
      '--max-corr',
      '0.5',
      '--min-trades',
      '7',
    );
    expect(t.verdict.criteria.map((c: { threshold: number }) => c.threshold)).toEqual(
      expect.arrayContaining([2, 3, 0.5, 7, expect.closeTo(4 * ref.portfolio[0].maxDrawdown, 12)]),
    );
    expect((await json(...base, '--split', '0.5')).split_time < ref.split_time).toBe(true);
    const p = await json(...base.slice(0, 5), '--portfolio', 'mean-reversion', '--no-report');
    expect(p.portfolio[0].strategy).toBe('mean-reversion');
    expect(criterion(p, 'correlation_with_portfolio').value).not.toBe(criterion(ref, 'correlation_with_portfolio').value);
  });

  it('the cost and sizing flags change the candidate run', async () => {
    expect(criterion(await json(...base, '--fee', '60'), 'profit_factor_in_sample').value).not.toBe(
      criterion(ref, 'profit_factor_in_sample').value,
    );
    expect(criterion(await json(...base, '--slippage', '60'), 'profit_factor_in_sample').value).not.toBe(
      criterion(ref, 'profit_factor_in_sample').value,
    );
    expect(criterion(await json(...base, '--fraction', '0.1'), 'max_drawdown').value).not.toBe(criterion(ref, 'max_drawdown').value);
    expect(criterion(await json(...base, '--set', 'ORDER_FRACTION=0.1'), 'max_drawdown').value).not.toBe(
      criterion(ref, 'max_drawdown').value,
    );
    // Capital scales every amount alike: PF and drawdown are ratios, so only the recorded run shows it.
    const r = await cli(...base.slice(0, -1), '--capital', '5000');
    const id = /recorded as backtest ([0-9a-f-]{36})/.exec(r.err)![1];
    const summary = readFileSync(join(/report: (.*)\/summary\.md/.exec(r.out)![1], 'summary.md'), 'utf8');
    expect(summary).toMatch(/STARTING_CAPITAL: 5000/);
    expect(id).toHaveLength(36);
  });

  it('--promote writes a passing candidate into the enable map; a failing one is not promoted', async () => {
    const lenient = [
      '--split',
      '0.3',
      '--min-pf-is',
      '0',
      '--min-pf-oos',
      '0',
      '--max-dd-multiple',
      '100',
      '--max-corr',
      '1',
      '--min-trades',
      '0',
    ];
    const ok = await cli(...base, ...lenient, '--promote', 'RANGE');
    expect(ok.out).toMatch(/promoted breakout into RANGE/);
    expect(readFileSync(enableMap, 'utf8')).toMatch(/RANGE:[\s\S]*breakout/);
    const failed = await cli(...base, '--promote', 'BULL');
    expect(failed.exitCode).toBe(2);
    expect(failed.err).toMatch(/not promoted: breakout did not pass the gate/);
  });

  it('rejects bad values', async () => {
    await rejected(/--promote: expected regimes among BULL, BEAR, RANGE, HIGH_VOL, got "MOON"/, ...base, '--promote', 'MOON');
    await rejected(/in-sample fraction must be in \(0, 1\)/, ...base, '--split', '1.5');
    await rejected(/--max-corr: expected a number >= -1 <= 1/, ...base, '--max-corr', '2');
    await rejected(/--min-trades: expected a whole number >= 0/, ...base, '--min-trades', '-3');
    await rejected(/unknown strategy "nope"/, ...base.slice(0, 5), '--portfolio', 'nope');
    await rejected(/required option '-c, --candidate <name>'/, 'gate', '-d', btc);
  });
});

describe('conclave train: the edge test beside the accuracy; --candles and --out work', () => {
  it('prints the exact McNemar p-value, alpha and verdict, and saves where --out says', async () => {
    Object.assign(process.env, { MARKET_SOURCE: 'synthetic', KLINE_INTERVAL: '1h' });
    try {
      const out1 = join(dir, 'm1.json');
      const r = await cli('train', '-n', '600', '-o', out1);
      expect(r.error).toBeNull();
      const j = JSON.parse(r.out);
      expect(j.path).toBe(out1);
      expect(existsSync(out1)).toBe(true);
      expect(j.trained_on.rows).toBe(600 - 49 - 1);
      expect(j.edge).toEqual({
        test: 'exact one-sided McNemar vs majority class',
        p_value: j.metrics.edgePValue,
        alpha: 0.05,
        has_edge: j.metrics.edgePValue < 0.05,
      });
      expect(r.err).toMatch(
        /held-out accuracy \d\.\d{3} vs majority baseline \d\.\d{3}: p=[\d.e-]+ -> (no measured edge|edge at alpha 0\.05)/,
      );
      const r2 = await cli('train', '-n', '700', '-o', join(dir, 'm2.json'));
      expect(JSON.parse(r2.out).trained_on.rows).toBe(700 - 49 - 1);
      await rejected(/TRAINING_CANDLES/, 'train', '-n', 'many');
    } finally {
      delete process.env.MARKET_SOURCE;
      delete process.env.KLINE_INTERVAL;
    }
  });
});

describe('exit codes of the real binary (bin/conclave.js)', () => {
  const bin = join(process.cwd(), 'bin', 'conclave.js');
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { env: process.env, encoding: 'utf8', timeout: 120_000 });

  // Two spawns only: each compiles the sources through tsx. The messages of every error are checked in-process above.
  it('2 when the gate FAILS, 1 on an error', () => {
    const failed = run('gate', '-d', btc, '-c', 'breakout', '--portfolio', 'sma-cross', '--no-report', '--to', '2022-07-15');
    expect(failed.stdout).toMatch(/FAILED/);
    expect(failed.status).toBe(2);
    const invalid = run('backtest', '-d', btc, '-s', 'sma-cross', '--fee', 'x');
    expect(invalid.stderr).toMatch(/^VALIDATION_ERROR: --fee: expected a number/m);
    expect(invalid.status).toBe(1);
  }, 240_000);
});

describe('CLI runs are listed by GET /api/backtests (real server over the same database)', () => {
  let binance: RunningFake;
  beforeAll(async () => {
    binance = await startFakeBinance({ symbols: ['BTCUSDT'], intervals: ['1h'] });
  });
  afterAll(async () => {
    await binance?.close();
  });

  it('lists the CLI backtests with their metrics, holes and report directory', async () => {
    const server = await startPlatformServer(
      { BINANCE_BASE_URL: binance.url, DATABASE_URL: db, REPORTS_DIR: reports },
      { now: binance.control.now(), model: new ScriptedModel() },
    );
    try {
      const list = await call(server.url, 'GET', '/api/backtests?limit=100');
      expect(list.status).toBe(200);
      const cliRuns = list.body.filter((b: { params: { source?: string } }) => b.params.source === 'cli');
      const commands = new Set(cliRuns.map((b: { params: { command: string } }) => b.params.command));
      expect([...commands].sort()).toEqual(['backtest', 'gate', 'montecarlo', 'walk-forward']);
      const withReport = cliRuns.find((b: { result: { report: string | null } }) => b.result.report !== null);
      expect(withReport.status).toBe('completed');
      expect(existsSync(join(withReport.result.report, 'summary.md'))).toBe(true);
      expect(withReport.result.holes.count).toBe(0);
      expect(typeof withReport.result.metrics.sharpe).toBe('number');
      // What the dashboard shows for it: its title fields and the equity chart from the report.
      expect(withReport.params.symbol).toMatch(/^BTCUSDT/);
      expect(withReport.params.interval).toBe('1h');
      const chart = await fetch(`${server.url}/api/backtests/${withReport.id}/equity.svg`);
      expect(chart.status).toBe(200);
      expect(await chart.text()).toMatch(/^<svg/);
    } finally {
      await server.close();
    }
  });
});
