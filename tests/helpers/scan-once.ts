import { Command } from 'commander';
import { vi } from 'vitest';
import { registerScanCommand } from '../../src/cli/commands/scan.js';

/** Runs `conclave scan --once` in-process with `env`; resolves with stdout or rejects with the command's error. */
export async function scanOnce(env: Record<string, string>): Promise<string> {
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  const out: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const program = new Command('conclave').exitOverride();
    registerScanCommand(program);
    await program.parseAsync(['node', 'conclave', 'scan', '--once']);
    return out.join('');
  } finally {
    write.mockRestore();
    err.mockRestore();
    vi.unstubAllEnvs();
  }
}
