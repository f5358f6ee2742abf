import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backtestJson, backtestReportInput } from '../../src/backtest/report-input.js';
import { runStrategyBacktest } from '../../src/backtest/service.js';
import { loadConfig } from '../../src/config.js';
import { writeRunReport } from '../../src/reports/run-report.js';
import { sharedData } from '../helpers/shared-data.js';

const HOUR = 3_600_000;
const YEAR_HOURS = 365.25 * 24;
const CONFIG = loadConfig({ LOG_LEVEL: 'silent', FEE_BPS: '10', SLIPPAGE_BPS: '5', STARTING_CAPITAL: '10000', ORDER_FRACTION: '0.5' });

/** Mean / sample std x sqrt(bars per year), by plain loops (the reference, not the code under test). */
function sharpe(returns: number[]): number {
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const variance = returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1);
  return (mean / Math.sqrt(variance)) * Math.sqrt(YEAR_HOURS);
}

/**
 * 1,500 real BTCUSDT 1h candles from 2022-05-01 (contiguous in the source) with 120 of them (2022-06-12 00:00 to
 * 2022-06-16 23:00, the week BTC fell 28 %) cut out: a five-day hole with a large price jump across it.
 */
function fileWithHole(): { path: string; closes: Map<number, number>; opens: Map<number, number>; cutFrom: number; cutTo: number } {
  const lines = readFileSync(sharedData('klines', 'BTCUSDT_1h.csv'), 'utf8').split('\n');
  const start = Date.UTC(2022, 4, 1);
  const first = lines.findIndex((l) => l.startsWith(`${start},`));
  const rows = lines.slice(first, first + 1500);
  const cutFrom = Date.UTC(2022, 5, 12);
  const cutTo = Date.UTC(2022, 5, 17);
  const kept = rows.filter((l) => {
    const t = Number(l.split(',')[0]);
    return t < cutFrom || t >= cutTo;
  });
  expect(kept.length).toBe(1380);
  const dir = mkdtempSync(join(tmpdir(), 'conclave-holes-'));
  const path = join(dir, 'BTCUSDT_1h.csv');
  writeFileSync(path, `${lines[0]}\n${kept.join('\n')}\n`);
  const closes = new Map<number, number>();
  const opens = new Map<number, number>();
  for (const l of kept) {
    const c = l.split(',');
    closes.set(Number(c[0]), Number(c[4]));
    opens.set(Number(c[0]), Number(c[1]));
  }
  return { path, closes, opens, cutFrom, cutTo };
}

describe('a backtest over a real file with a five-day hole', async () => {
  const data = fileWithHole();
  const { result } = await runStrategyBacktest({ data: [data.path], strategy: 'sma-cross', config: CONFIG });

  it('lists the hole: count, missing bars, where', () => {
    expect(result.holes.count).toBe(1);
    expect(result.holes.missingBars).toBe(120);
    expect(result.holes.longest).toEqual({
      symbol: 'BTCUSDT',
      lastBefore: data.cutFrom - HOUR,
      firstAfter: data.cutTo,
      missingBars: 120,
      durationMs: 120 * HOUR,
    });
    const json = backtestJson(result) as { holes: { count: number; longest: { first_after: string; duration_days: number } } };
    expect(json.holes.count).toBe(1);
    expect(json.holes.longest.first_after).toBe('2022-06-17T00:00:00.000Z');
    expect(json.holes.longest.duration_days).toBe(5);
  });

  it("excludes the hole's jump from the buy-and-hold Sharpe and CAGR (hand-computed from the closes)", () => {
    // Buy-and-hold buys at the open after the first cycle and is then worth qty x close: its per-bar return is
    // close/previous close - 1 from the second point on, whatever qty is.
    const times = [...data.closes.keys()].filter((t) => t + HOUR - 1 >= result.from && t + HOUR - 1 <= result.to);
    const entryOpen = data.opens.get(times[1])!;
    const within: number[] = [0, data.closes.get(times[1])! / (entryOpen * 1.0005 * 1.001) - 1];
    const withJump = [...within];
    let jump = 0;
    for (let i = 2; i < times.length; i++) {
      const r = data.closes.get(times[i])! / data.closes.get(times[i - 1])! - 1;
      withJump.push(r);
      if (times[i] - times[i - 1] > HOUR) jump = r;
      else within.push(r);
    }
    expect(jump).toBeLessThan(-0.2);
    const b = result.benchmark;
    expect(b.excluded_returns).toBe(1);
    expect(b.hole_return).toBeCloseTo(jump, 12);
    expect(b.sharpe!).toBeCloseTo(sharpe(within), 9);
    // The test can fail: with the jump the Sharpe is far lower.
    expect(Math.abs(sharpe(withJump) - b.sharpe!)).toBeGreaterThan(0.3);
    const growth = within.reduce((g, r) => g * (1 + r), 1);
    expect(b.cagr!).toBeCloseTo(growth ** (YEAR_HOURS / times.length) - 1, 9);
    // Total return is what the account did: the jump stays in it.
    expect(b.total_return).toBeCloseTo(growth * (1 + jump) - 1, 9);
  });

  it("excludes the jump from the strategy's own Sharpe too (reference from its equity curve)", () => {
    const e = result.equity;
    const within: number[] = [];
    let prev = CONFIG.STARTING_CAPITAL;
    for (let i = 0; i < e.length; i++) {
      if (i === 0 || e[i].time - e[i - 1].time === HOUR) within.push(e[i].equity / prev - 1);
      prev = e[i].equity;
    }
    expect(within.length).toBe(e.length - 1);
    expect(result.metrics.sharpe!).toBeCloseTo(sharpe(within), 9);
  });

  it('restarts strategy state after the hole: sma-cross holds until 50 new candles have closed', () => {
    const after = result.decisions.filter((d) => d.time > data.cutTo && d.time < data.cutTo + 49 * HOUR);
    expect(after.length).toBe(49);
    for (const d of after) {
      expect(d.decision.action).toBe('HOLD');
      expect(d.decision.reason).toMatch(/closed candles, needs 50/);
    }
    const warm = result.decisions.find((d) => d.time === data.cutTo + 50 * HOUR - 1)!;
    expect(warm.decision.reason).toMatch(/^sma-cross: SMA10/);
  });

  it('reports drawdown duration in days and in bars actually traded (the hole adds days, not bars)', () => {
    const m = result.metrics;
    expect(m.max_drawdown_duration_bars).toBeLessThanOrEqual(m.bars);
    expect(m.max_drawdown_duration_days).toBeCloseTo(m.max_drawdown_duration_ms / 86_400_000, 12);
    expect(result.benchmark.max_drawdown_duration_bars).toBeLessThanOrEqual(result.benchmark.bars);
    // Buy-and-hold is underwater from before the hole to the end: its calendar duration includes the 5 days.
    expect(result.benchmark.max_drawdown_duration_ms - result.benchmark.max_drawdown_duration_bars * HOUR).toBe(120 * HOUR);
  });

  it('writes a warning and the hole table into summary.md', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-holes-report-'));
    const written = await writeRunReport(dir, 'holes', backtestReportInput(result, 'backtest', {}, {}));
    const md = readFileSync(join(written.dir, 'summary.md'), 'utf8');
    expect(md).toContain('## Holes in the data');
    expect(md).toMatch(/\*\*Warning:\*\* 1 hole\(s\), 120 missing bars/);
    expect(md).toContain('| BTCUSDT | 2022-06-11T23:00Z | 2022-06-17T00:00Z | 120 | 5.0 days |');
    expect(md).toMatch(/Return across holes \(not in Sharpe\/CAGR\)/);
  });
});
