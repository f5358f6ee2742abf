/**
 * Memory under sustained load: a real `npm start` process (the bundle with npm start's node flags) on SQLite,
 * driven with POST /trading/run-cycle by 16 concurrent clients at full speed against the fake Binance (a second
 * process). RSS, V8 heap and the database files are sampled every second; the verdict compares the largest RSS
 * after warm-up (the first 10 % of the cycles) with the RSS at the end of warm-up.
 *
 *   node --import tsx bench/memory-bench.ts                  # 500,000 cycles
 *   node --import tsx bench/memory-bench.ts --cycles 60000   # what fits a few minutes on a busy machine
 *   MEMORY_BENCH_NODE_FLAGS="--max-semi-space-size=4" node --import tsx bench/memory-bench.ts   # compare flags
 *
 * Writes bench/results/memory.json. Not part of `npm test`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { buildBundle, startFakeBinanceProcess, startFlags, waitForCycle } from './bench-process.js';

const ROOT = resolve(import.meta.dirname, '..');
const MIB = 1_048_576;

interface Sample {
  readonly t_s: number;
  readonly cycles: number;
  readonly rss_mib: number;
  readonly heap_total_mib: number;
  readonly heap_used_mib: number;
  readonly db_mib: number;
  readonly wal_mib: number;
}

export interface MemoryBenchResult {
  readonly protocol: string;
  readonly node_flags: readonly string[];
  readonly cycles: number;
  readonly connections: number;
  readonly wall_s: number;
  readonly cycles_per_s: number;
  readonly errors: number;
  readonly non_2xx: number;
  readonly warmup_cycles: number;
  readonly rss_mib: { readonly after_warmup: number; readonly max_after_warmup: number; readonly final: number; readonly peak: number };
  readonly rss_growth_after_warmup_pct: number;
  /** RSS minus the V8 heap (native: code, SQLite page cache, buffers) at warm-up and at the end. */
  readonly native_mib: { readonly after_warmup: number; readonly final: number };
  readonly database_mib: { readonly db: number; readonly wal_max: number };
  readonly bytes_per_cycle: number;
  readonly samples: readonly Sample[];
  readonly target: { readonly rss_growth_after_warmup: string; readonly met: boolean };
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0) / 1024;
}

function sizeMiB(file: string): number {
  try {
    return statSync(file).size / MIB;
  } catch {
    return 0;
  }
}

/** The V8 heap as the process reports it on /metrics (prom-client's default series). */
async function heapMiB(base: string): Promise<{ total: number; used: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const read = (name: string) => Number(text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm'))?.[1] ?? Number.NaN) / MIB;
  return { total: read('nodejs_heap_size_total_bytes'), used: read('nodejs_heap_size_used_bytes') };
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export async function runMemoryBench(options: { cycles?: number; connections?: number } = {}): Promise<MemoryBenchResult> {
  const total = options.cycles ?? 500_000;
  const connections = options.connections ?? 16;
  const warmupCycles = Math.floor(total / 10);
  buildBundle();
  const flags = process.env.MEMORY_BENCH_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? startFlags();
  const fake = await startFakeBinanceProcess();
  const dir = mkdtempSync(join(tmpdir(), 'conclave-memory-'));
  const dbFile = join(dir, 'bench.db');
  const port = 18_000 + Math.floor(Math.random() * 1000);
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(process.execPath, [...flags, 'dist/main.js'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      BINANCE_BASE_URL: fake.url,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATABASE_URL: dbFile,
      MODEL_PATH: join(dir, 'model.json'),
      REPORTS_DIR: join(dir, 'reports'),
      DATA_DIR: join(dir, 'data'),
      TRAINING_CANDLES: '1000',
      KLINE_INTERVAL: '1m',
    },
  });
  try {
    await waitForCycle(base, server, 60_000);
    const pid = server.pid as number;
    const samples: Sample[] = [];
    let done = 0;
    let walMax = 0;
    const started = Date.now();
    const sample = async () => {
      const heap = await heapMiB(base);
      const wal = sizeMiB(`${dbFile}-wal`);
      walMax = Math.max(walMax, wal);
      samples.push({
        t_s: round((Date.now() - started) / 1000),
        cycles: done,
        rss_mib: round(rssMiB(pid)),
        heap_total_mib: round(heap.total),
        heap_used_mib: round(heap.used),
        db_mib: round(sizeMiB(dbFile)),
        wal_mib: round(wal),
      });
    };
    const dbBefore = sizeMiB(dbFile);
    let errors = 0;
    let non2xx = 0;
    // Chunks of at most 10 % so a sample lands at the end of warm-up and the run keeps a steady rhythm.
    const chunk = Math.max(connections, Math.floor(total / 50));
    let warmRss = Number.NaN;
    let warmNative = Number.NaN;
    const timer = setInterval(() => void sample().catch(() => {}), 1_000);
    try {
      while (done < total) {
        const amount = Math.min(chunk, total - done, done < warmupCycles ? warmupCycles - done : total);
        const r = await autocannon({ url: `${base}/trading/run-cycle`, method: 'POST', connections, amount });
        errors += r.errors;
        non2xx += r.non2xx;
        done += amount;
        if (done === warmupCycles) {
          await sample();
          const last = samples[samples.length - 1];
          warmRss = last.rss_mib;
          warmNative = last.rss_mib - last.heap_total_mib;
        }
      }
    } finally {
      clearInterval(timer);
    }
    await sample();
    const wall = (Date.now() - started) / 1000;
    const after = samples.filter((s) => s.cycles >= warmupCycles);
    const maxAfter = Math.max(...after.map((s) => s.rss_mib));
    const last = samples[samples.length - 1];
    const growth = ((maxAfter - warmRss) / warmRss) * 100;
    const peak = Number(
      readFileSync(`/proc/${pid}/status`, 'utf8')
        .match(/VmHWM:\s+(\d+)/)
        ?.at(1) ?? 0,
    );
    return {
      protocol: `${total} POST /trading/run-cycle by ${connections} clients (autocannon) against dist/main.js on SQLite, fake Binance 1m`,
      node_flags: flags,
      cycles: total,
      connections,
      wall_s: round(wall),
      cycles_per_s: Math.round(total / wall),
      errors,
      non_2xx: non2xx,
      warmup_cycles: warmupCycles,
      rss_mib: { after_warmup: warmRss, max_after_warmup: maxAfter, final: last.rss_mib, peak: round(peak / 1024) },
      rss_growth_after_warmup_pct: round(growth),
      native_mib: { after_warmup: round(warmNative), final: round(last.rss_mib - last.heap_total_mib) },
      database_mib: { db: last.db_mib, wal_max: round(walMax) },
      bytes_per_cycle: Math.round(((last.db_mib - dbBefore) * MIB) / total),
      samples: samples.filter((_, i) => i % Math.max(1, Math.floor(samples.length / 60)) === 0 || i === samples.length - 1),
      target: { rss_growth_after_warmup: '< 10 %', met: growth < 10 && errors === 0 && non2xx === 0 },
    };
  } finally {
    server.kill('SIGTERM');
    fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { cycles: { type: 'string' }, connections: { type: 'string' } } });
  const cycles = values.cycles === undefined ? undefined : Number(values.cycles);
  if (cycles !== undefined && !(Number.isInteger(cycles) && cycles >= 100))
    throw new Error(`--cycles: expected a whole number >= 100, got "${values.cycles}"`);
  const connections = values.connections === undefined ? undefined : Number(values.connections);
  if (connections !== undefined && !(Number.isInteger(connections) && connections >= 1 && connections <= 256))
    throw new Error(`--connections: expected 1..256, got "${values.connections}"`);
  const result = await runMemoryBench({ cycles, connections });
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/memory.json'), `${JSON.stringify(result, null, 2)}\n`);
  const { samples: _samples, ...head } = result;
  process.stdout.write(`${JSON.stringify(head, null, 2)}\n`);
  process.exitCode = result.target.met ? 0 : 1;
}
