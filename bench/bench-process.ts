/** What the process benchmarks share: the bundle, npm start's node flags, the fake Binance process, the first cycle. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = resolve(import.meta.dirname, '..');

export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} in output:\n${buffer}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = buffer.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1] ?? match[0]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`process exited with ${code}:\n${buffer}`)));
  });
}

/** Rebuilds dist/ so the benchmark measures the current sources. */
export function buildBundle(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
}

/** The node flags `npm start` runs the bundle with, so a benchmark measures exactly that process. */
export function startFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const match = scripts.start.match(/node ((?:--\S+ )*)dist\/main\.js/);
  return match ? match[1].trim().split(/\s+/).filter(Boolean) : [];
}

/** The fake Binance (recorded BTCUSDT 1m candles) in its own process, so it does not share the server's CPU budget. */
export async function startFakeBinanceProcess(): Promise<{ url: string; stop: () => void }> {
  const fake = spawn(
    process.execPath,
    ['--import', 'tsx', 'tests/fakes/fake-binance-main.ts', '--port', '0', '--symbols', 'BTCUSDT', '--interval', '1m'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = await waitForLine(fake, /(http:\/\/127\.0\.0\.1:\d+)/, 60_000);
  return { url, stop: () => fake.kill('SIGTERM') };
}

/** Polls POST /trading/run-cycle until it answers 2xx; returns the milliseconds since the call. */
export async function waitForCycle(base: string, server: ChildProcess, timeoutMs: number): Promise<number> {
  const started = performance.now();
  let stderr = '';
  server.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  for (;;) {
    try {
      const res = await fetch(`${base}/trading/run-cycle`, { method: 'POST' });
      await res.arrayBuffer();
      if (res.ok) return performance.now() - started;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > timeoutMs) throw new Error(`server did not answer within ${timeoutMs} ms:\n${stderr}`);
    if (server.exitCode !== null) throw new Error(`server exited:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
