import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/shared-data.js';

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** `npm start` (src/main.ts) with `env`, waited for until it exits. */
function start(env: Record<string, string>): Promise<Exit> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', PORT: '0', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** The README's promise: `npm start` with no route to the venue says why, prints the offline commands, writes nothing. */
describe('first start without a route to the venue', () => {
  it.each([
    ['refused', async () => `http://127.0.0.1:${await closedPort()}`, /connection was refused/],
    ['DNS', async () => 'http://api.binance.invalid', /host name does not resolve/],
  ])('%s: exits 1 with the reason and the offline commands, and creates no database', async (_name, url, why) => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'conclave-offline-')), 'data');
    const result = await start({ BINANCE_BASE_URL: await url(), DATA_DIR: dataDir, REPORTS_DIR: join(dataDir, 'reports') });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Cannot reach binance \(MARKET_SOURCE=binance, BINANCE_BASE_URL=/);
    expect(result.stderr).toMatch(why);
    expect(result.stderr).toContain('MARKET_SOURCE=synthetic npm start');
    expect(result.stderr).toContain('npm run demo');
    expect(result.stderr).not.toContain('    at ');
    expect(existsSync(dataDir) ? readdirSync(dataDir, { recursive: true }) : []).toEqual([]);
  });
});
