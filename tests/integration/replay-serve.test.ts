import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, sharedData } from '../helpers/shared-data.js';

interface CycleList {
  cycles: { cycle_id: number; started_at: string; execution_status: string }[];
}

/** `MARKET_SOURCE=replay:<csv> npm start`: the recording steps a candle at a time and the scheduler trades each. */
describe('serve over a replay', () => {
  let server: ChildProcess | undefined;
  afterAll(() => {
    server?.kill('SIGKILL');
  });

  it('trains on recorded history, then runs a scheduled cycle per recorded candle with the replay as the clock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-replay-'));
    const port = 18_500 + Math.floor(Math.random() * 400);
    server = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        MARKET_SOURCE: `replay:${sharedData('klines', 'BTCUSDT_1h.csv')}`,
        KLINE_INTERVAL: '1h',
        REPLAY_STEP_MS: '50',
        TRAINING_CANDLES: '300',
        MODEL_TREES: '20',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        DATABASE_URL: join(dir, 'c.db'),
        MODEL_PATH: join(dir, 'm.json'),
        REPORTS_DIR: join(dir, 'reports'),
        DATA_DIR: join(dir, 'data'),
      },
    });
    let list: CycleList = { cycles: [] };
    for (let i = 0; i < 300 && list.cycles.length < 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        list = (await (await fetch(`http://127.0.0.1:${port}/api/cycles`)).json()) as CycleList;
      } catch {
        // not listening yet
      }
    }
    expect(list.cycles.length).toBeGreaterThanOrEqual(5);
    const times = list.cycles.map((c) => Date.parse(c.started_at)).reverse();
    // Recorded time, one hour a step: the first recorded candle is 2018-02-09, so cycles sit in early 2018.
    expect(times[0]).toBeLessThan(Date.UTC(2018, 6, 1));
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(3_600_000);
  });
});
