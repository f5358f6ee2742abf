import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Issue 11, finding 17: start-up failures are one clear line, no stack trace, and leave no stray files. */
const CLI = resolve('bin/conclave.js');

function serve(cwd: string, env: Record<string, string>) {
  const proc = spawnSync(process.execPath, [CLI, 'serve'], {
    cwd,
    encoding: 'utf8',
    timeout: 90_000,
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'silent',
      MARKET_SOURCE: 'synthetic',
      TRAINING_CANDLES: '200',
      MODEL_TREES: '3',
      MODEL_PATH: join(cwd, 'model.json'),
      DATABASE_URL: join(cwd, 'conclave.db'),
      DATA_DIR: join(cwd, 'data'),
      REPORTS_DIR: join(cwd, 'reports'),
      ...env,
    },
  });
  return { status: proc.status, stderr: proc.stderr, stdout: proc.stdout };
}

function expectNoStack(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('start-up errors of the real server process', () => {
  let blocker: Server;
  let port: number;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    port = (blocker.address() as { port: number }).port;
  });
  afterAll(() => {
    blocker?.close();
  });

  it('a port in use: says which and what to do, exits non-zero, no stack', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'conclave-start-'));
    const r = serve(cwd, { PORT: String(port) });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`port ${port} is in use`);
    expect(r.stderr).toMatch(/set PORT=\.\.\. or stop the other process/);
    expectNoStack(r.stderr);
  }, 90_000);

  it('an unresolvable HOST: says so, exits non-zero, no stack', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'conclave-start-'));
    const r = serve(cwd, { PORT: '0', HOST: 'no-such-host.invalid', JWT_SECRET: 'startup-test-secret-0123456789' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/HOST=no-such-host\.invalid does not resolve/);
    expectNoStack(r.stderr);
  }, 90_000);

  it('DATABASE_URL=garbage is a config error and creates no file named garbage', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'conclave-start-'));
    const r = serve(cwd, { DATABASE_URL: 'garbage' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/CONFIG_INVALID/);
    expect(r.stderr).toMatch(/DATABASE_URL=garbage: expected postgres/);
    expect(existsSync(join(cwd, 'garbage'))).toBe(false);
    expectNoStack(r.stderr);
  }, 90_000);

  it('a database under a missing directory is refused, and no directory is created', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'conclave-start-'));
    const r = serve(cwd, { DATABASE_URL: join(cwd, 'no', 'such', 'dir', 'c.db') });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/directory .*no\/such\/dir does not exist/);
    expect(readdirSync(cwd)).not.toContain('no');
  }, 90_000);

  // Issue 11, finding 7: with REDIS_URL set and Redis unreachable the server used to neither become ready nor exit.
  it('REDIS_URL that nothing answers: QUEUE_UNAVAILABLE within REDIS_CONNECT_TIMEOUT_MS, exits non-zero, no stack', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const deadPort = (closed.address() as { port: number }).port;
    await new Promise<void>((done) => closed.close(() => done()));
    const cwd = mkdtempSync(join(tmpdir(), 'conclave-start-'));
    const started = Date.now();
    const r = serve(cwd, { PORT: '0', REDIS_URL: `redis://:hunter2@127.0.0.1:${deadPort}`, REDIS_CONNECT_TIMEOUT_MS: '1500' });
    expect(r.status).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(r.stderr).toMatch(/QUEUE_UNAVAILABLE: REDIS_URL=redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/? is unreachable/);
    expect(r.stderr).not.toContain('hunter2');
    expectNoStack(r.stderr);
  }, 90_000);
});
