import { type ChildProcess, spawn } from 'node:child_process';
import { REPO_ROOT } from './shared-data.js';

export interface ServeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** SIGINT (a clean Ctrl-C) and wait for the exit code. */
  stop(): Promise<number | null>;
}

/** Polls `probe` every 100 ms until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}

/**
 * The real entry point as a user starts it (`src/main.ts` for `npm start`, `src/cli/main.ts <args>` for the
 * CLI) on a random port, through tsx; resolves once it answers /health.
 */
export async function startServeProcess(entry: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<ServeProcess> {
  const port = 18_000 + Math.floor(Math.random() * 2_000);
  const child = spawn(process.execPath, ['--import', 'tsx', ...entry], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, LOG_FORMAT: 'json', PORT: String(port), ...env },
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${out}`);
        return (await fetch(`${url}/health`)).status > 0 ? true : undefined;
      },
      timeoutMs,
      `${entry.join(' ')} to listen`,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, child, output: () => out, stop };
}
