import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServeProcess, startServeProcess, waitFor } from '../helpers/serve-process.js';
import { sharedData } from '../helpers/shared-data.js';

interface Cycles {
  cycles: { cycle_id: number; started_at: string; execution_status: string | null }[];
}
interface MonitorAgent {
  monitoring: { running: boolean; interval: string };
}

const REPLAY = { MARKET_SOURCE: `replay:${sharedData('klines', 'BTCUSDT_1h.csv')}`, KLINE_INTERVAL: '1h', REPLAY_STEP_MS: '100' };

/**
 * The README's Quick start in order: a synthetic session, Ctrl-C, then a replay on the same ./data. The
 * replay must trade: its own database by default, and a rebased, re-timed schedule when the user points both
 * at one database.
 */
describe('replay after a synthetic session', () => {
  let running: ServeProcess | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  async function session(
    env: Record<string, string>,
    cyclesWanted: number,
  ): Promise<{ cycles: Cycles; monitor: MonitorAgent; log: string }> {
    running = await startServeProcess(['src/main.ts'], { LOG_LEVEL: 'info', TRAINING_CANDLES: '300', MODEL_TREES: '20', ...env });
    const url = running.url;
    const cycles = await waitFor(
      async () => {
        const list = (await (await fetch(`${url}/api/cycles?limit=100`)).json()) as Cycles;
        return list.cycles.length >= cyclesWanted ? list : undefined;
      },
      45_000,
      `${cyclesWanted} cycles`,
    );
    const monitor = (await (await fetch(`${url}/api/agents/market-monitor`)).json()) as MonitorAgent;
    const log = running.output();
    expect(await running.stop()).toBe(0);
    running = undefined;
    return { cycles, monitor, log };
  }

  it('trades on its own database under DATA_DIR/replay-<file>, with the schedule on KLINE_INTERVAL', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'conclave-seq-')), 'data');
    // The one database of an earlier version: left alone, and the log says how to keep using it.
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'conclave.db'), '');
    const synthetic = await session({ MARKET_SOURCE: 'synthetic', DATA_DIR: dataDir }, 1);
    expect(synthetic.log).toContain('is from an earlier version');
    expect(synthetic.log).toContain(`DATABASE_URL=${join(dataDir, 'conclave.db')}`);
    expect(synthetic.monitor.monitoring.interval).toBe('1m');
    expect(existsSync(join(dataDir, 'synthetic-42', 'conclave.db'))).toBe(true);

    const replay = await session({ ...REPLAY, DATA_DIR: dataDir }, 5);
    expect(existsSync(join(dataDir, 'replay-BTCUSDT_1h', 'conclave.db'))).toBe(true);
    expect(replay.monitor.monitoring).toMatchObject({ running: true, interval: '1h' });
    // Recorded time: the recording starts in 2018.
    expect(replay.cycles.cycles.every((c) => c.started_at.startsWith('2018-'))).toBe(true);
    expect(replay.log).toContain('auto-trade on, one cycle per 1h candle');
  });

  it('on one shared DATABASE_URL a 1m schedule is re-timed to KLINE_INTERVAL=1h for the replay, and trades', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-seq-'));
    const shared = { DATABASE_URL: join(dir, 'one.db'), DATA_DIR: join(dir, 'data') };
    await session({ MARKET_SOURCE: 'synthetic', ...shared, MODEL_PATH: join(dir, 'synthetic-model.json') }, 1);
    const replay = await session({ ...REPLAY, ...shared, MODEL_PATH: join(dir, 'replay-model.json') }, 5);
    expect(replay.log).toContain('schedule re-timed from 1m to 1h');
    expect(replay.monitor.monitoring).toMatchObject({ running: true, interval: '1h' });
    expect(replay.cycles.cycles.filter((c) => c.started_at.startsWith('2018-')).length).toBeGreaterThanOrEqual(4);
  });

  it('on one shared DATABASE_URL and one interval, the schedule stored in 2026 is rebased to the 2018 clock, and trades', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-seq-'));
    const shared = { DATABASE_URL: join(dir, 'one.db'), DATA_DIR: join(dir, 'data'), KLINE_INTERVAL: '1h' };
    await session({ MARKET_SOURCE: 'synthetic', ...shared, MODEL_PATH: join(dir, 'synthetic-model.json') }, 1);
    const replay = await session({ ...REPLAY, ...shared, MODEL_PATH: join(dir, 'replay-model.json') }, 5);
    expect(replay.log).toContain('schedule rebased');
    expect(replay.cycles.cycles.filter((c) => c.started_at.startsWith('2018-')).length).toBeGreaterThanOrEqual(4);
  });
});
