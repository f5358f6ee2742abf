import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conclave } from '../helpers/cli.js';
import { sharedData } from '../helpers/shared-data.js';

interface RunJson {
  settings: Record<string, string | number | boolean>;
  denials: Record<string, number>;
  stops: { kind: string }[];
  fills: { side: 'BUY' | 'SELL'; quantity: number }[];
  equity: { equity: number; exposure: number }[];
}

/** Fills that bought while already long: entries beyond the first. */
function adds(fills: RunJson['fills']): number {
  let held = 0;
  let n = 0;
  for (const f of fills) {
    if (f.side === 'BUY' && held > 1e-12) n++;
    held += f.side === 'BUY' ? f.quantity : -f.quantity;
  }
  return n;
}

async function backtest(extra: string[]): Promise<{ json: RunJson; summary: string; stdout: string }> {
  const args = ['backtest', '--data', sharedData('klines', 'BTCUSDT_1m.csv.gz'), '--strategy', 'sma-cross'];
  const dir = mkdtempSync(join(tmpdir(), 'kernel-cli-'));
  const out = join(dir, 'run.json');
  const { stdout } = await conclave([...args, '--from', '2024-03-01', '--to', '2024-03-07', '--json', out, ...extra], {}, dir);
  const json = JSON.parse(readFileSync(out, 'utf8')) as RunJson;
  const report = /report: (.+summary\.md)/.exec(stdout)?.[1];
  expect(report, 'the run names its summary.md').toBeDefined();
  return { json, summary: readFileSync(report as string, 'utf8'), stdout };
}

describe('conclave backtest --strategy sma-cross on a real 1m file: the paper-trading rules apply', () => {
  it('never enters twice, never holds more than MAX_POSITION_PER_SYMBOL of equity, and says why orders were denied', async () => {
    const { json, summary, stdout } = await backtest([]);
    expect(json.settings).toMatchObject({
      PROTOCOL: 'pipeline',
      MAX_ENTRIES_PER_POSITION: 1,
      MAX_POSITION_PER_SYMBOL: 0.5,
      FILL_TIMING: 'next-open',
    });
    expect(json.fills.filter((f) => f.side === 'BUY').length).toBeGreaterThan(10);
    expect(adds(json.fills)).toBe(0);
    for (const p of json.equity) expect(p.exposure / p.equity).toBeLessThanOrEqual(0.5 + 1e-9);
    // The governor and the stops run as in paper trading; the summary and the JSON say what they did.
    expect(Object.keys(json.denials).length).toBeGreaterThan(0);
    expect(json.stops.length).toBeGreaterThan(0);
    for (const text of [summary, stdout]) {
      expect(text).toContain('Orders denied, by reason code');
      for (const [code, n] of Object.entries(json.denials)) expect(text).toContain(`| ${code} | ${n} |`);
      expect(text).toMatch(/Stops hit: \d+ stop-loss, \d+ take-profit/);
    }
    expect(summary).toContain('- MAX_ENTRIES_PER_POSITION: 1');
    expect(summary).toContain('- FILL_TIMING: next-open');
  }, 240_000);

  it('--set MAX_ENTRIES_PER_POSITION=3 lets the position be added to (the check above can fail)', async () => {
    const { json } = await backtest(['--set', 'MAX_ENTRIES_PER_POSITION=3']);
    expect(json.settings.MAX_ENTRIES_PER_POSITION).toBe(3);
    expect(adds(json.fills)).toBeGreaterThan(0);
  }, 240_000);

  it('an unknown or invalid setting is refused with the setting named', async () => {
    const args = ['backtest', '--data', sharedData('klines', 'BTCUSDT_1h.csv')];
    await expect(conclave([...args, '--set', 'MAX_ENTRIES_PER_POSITION=0'])).rejects.toMatchObject({
      stderr: expect.stringContaining('MAX_ENTRIES_PER_POSITION'),
    });
    await expect(conclave([...args, '--set', 'NOT_A_SETTING=1'])).rejects.toMatchObject({
      stderr: expect.stringContaining('NOT_A_SETTING: not a setting of the config table'),
    });
    await expect(conclave([...args, '--protocol', 'brain', '--strategy', 'sma-cross'])).rejects.toMatchObject({
      stderr: expect.stringContaining('enable map'),
    });
  }, 120_000);

  it('--protocol brain on a real 1h file: the summary shows regimes, strategy switches, denials and stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kernel-cli-brain-'));
    const out = join(dir, 'run.json');
    const args = ['backtest', '--data', sharedData('klines', 'BTCUSDT_1h.csv'), '--protocol', 'brain'];
    const window = ['--from', '2022-05-01', '--to', '2022-08-01', '--set', 'MODEL_TREES=20', '--json', out];
    const { stdout } = await conclave([...args, ...window], {}, dir);
    const json = JSON.parse(readFileSync(out, 'utf8')) as RunJson & {
      regimes: Record<string, number>;
      strategy_switches: { enabled: string[] }[];
    };
    const summary = readFileSync(/report: (.+summary\.md)/.exec(stdout)?.[1] as string, 'utf8');
    expect(json.settings).toMatchObject({ PROTOCOL: 'brain', FILL_TIMING: 'next-open' });
    expect(Object.keys(json.regimes).length).toBeGreaterThan(1);
    expect(json.strategy_switches.length).toBeGreaterThan(1);
    expect(json.stops.length).toBeGreaterThan(0);
    expect(Object.keys(json.denials).length).toBeGreaterThan(0);
    expect(summary).toContain('### Regimes (cycles in each)');
    for (const [regime, n] of Object.entries(json.regimes)) expect(summary).toContain(`| ${regime} | ${n} |`);
    expect(summary).toContain(`### Strategy switches: ${json.strategy_switches.length}`);
    for (const [code, n] of Object.entries(json.denials)) expect(summary).toContain(`| ${code} | ${n} |`);
    const stopLoss = json.stops.filter((s) => s.kind === 'STOP_LOSS').length;
    expect(summary).toContain(`### Stops hit: ${stopLoss} stop-loss, ${json.stops.length - stopLoss} take-profit`);
    expect(summary).toContain('- PROTOCOL: brain');
  }, 240_000);

  it('--protocol brain across a hole (11 h missing on 2018-06-26): the regime is UNCLASSIFIED and the brain holds until it can read one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kernel-cli-brain-hole-'));
    const out = join(dir, 'run.json');
    const args = ['backtest', '--data', sharedData('klines', 'BTCUSDT_1h.csv'), '--protocol', 'brain', '--no-report'];
    await conclave([...args, '--from', '2018-06-20', '--to', '2018-07-10', '--set', 'MODEL_TREES=10', '--json', out], {}, dir);
    const json = JSON.parse(readFileSync(out, 'utf8')) as RunJson & {
      regimes: Record<string, number>;
      strategy_switches: { time: string; regime: string; enabled: string[] }[];
    };
    // Before the fix the run stopped with AGENT_FAILED ("ended without a Decision") at the first cycle after the hole.
    const unclassified = json.strategy_switches.filter((s) => s.regime === 'UNCLASSIFIED');
    expect(unclassified.length).toBeGreaterThan(0);
    for (const s of unclassified) expect(s.enabled).toEqual([]);
    expect(unclassified.some((s) => s.time.startsWith('2018-06-26'))).toBe(true);
    expect(Object.keys(json.regimes).length).toBeGreaterThan(1);
  }, 240_000);
});
