/**
 * HTTP benchmark of the seed contract: a real `conclave serve` process against the fake Binance (a second
 * process) on loopback. Measures start-up to the first answered cycle (training on 1000 candles), run-cycle
 * latency over 500 sequential requests, throughput with 16 concurrent clients (autocannon), server CPU per
 * cycle and peak RSS. Run: `node --import tsx bench/http-bench.ts` (writes bench/results/http.json).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { buildBundle, startFakeBinanceProcess, startFlags, waitForCycle } from './bench-process.js';

const ROOT = resolve(import.meta.dirname, '..');
const CLOCK_TICKS = 100; // USER_HZ on Linux

export interface HttpBenchResult {
  readonly startup_to_first_cycle_ms: number;
  readonly sequential: { readonly requests: number; readonly p50_ms: number; readonly p99_ms: number; readonly mean_ms: number };
  readonly concurrent: {
    readonly connections: number;
    readonly duration_s: number;
    readonly requests_per_s: number;
    readonly p50_ms: number;
    readonly p99_ms: number;
    readonly errors: number;
    readonly non_2xx: number;
  };
  readonly server_cpu_ms_per_cycle: number;
  readonly peak_rss_mib: number;
  readonly targets: Record<string, { target: string; met: boolean }>;
}

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1000;
}

function peakRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0) / 1024;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function runHttpBench(): Promise<HttpBenchResult> {
  buildBundle();
  const fake = await startFakeBinanceProcess();
  const fakeUrl = fake.url;
  const dir = mkdtempSync(join(tmpdir(), 'conclave-bench-'));
  const port = 18_000 + Math.floor(Math.random() * 1000);
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(process.execPath, [...startFlags(), 'dist/main.js'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      BINANCE_BASE_URL: fakeUrl,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATABASE_URL: join(dir, 'bench.db'),
      MODEL_PATH: join(dir, 'model.json'),
      TRAINING_CANDLES: '1000',
      KLINE_INTERVAL: '1m',
    },
  });
  try {
    const firstCycleMs = await waitForCycle(base, server, 60_000);

    for (let i = 0; i < 200; i++) await (await fetch(`${base}/trading/run-cycle`, { method: 'POST' })).arrayBuffer(); // warm-up

    const cpuBefore = cpuMs(server.pid!);
    const latencies: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t = performance.now();
      const res = await fetch(`${base}/trading/run-cycle`, { method: 'POST' });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`run-cycle answered ${res.status}`);
      latencies.push(performance.now() - t);
    }
    const cpuPerCycle = (cpuMs(server.pid!) - cpuBefore) / 500;
    latencies.sort((a, b) => a - b);

    const duration = 10;
    const load = await autocannon({ url: `${base}/trading/run-cycle`, method: 'POST', connections: 16, duration });
    const rss = peakRssMiB(server.pid!);
    const result: HttpBenchResult = {
      startup_to_first_cycle_ms: Math.round(firstCycleMs),
      sequential: {
        requests: 500,
        p50_ms: +percentile(latencies, 50).toFixed(3),
        p99_ms: +percentile(latencies, 99).toFixed(3),
        mean_ms: +(latencies.reduce((a, b) => a + b, 0) / latencies.length).toFixed(3),
      },
      concurrent: {
        connections: 16,
        duration_s: duration,
        requests_per_s: Math.round(load.requests.average),
        p50_ms: load.latency.p50,
        p99_ms: load.latency.p99,
        errors: load.errors,
        non_2xx: load.non2xx,
      },
      server_cpu_ms_per_cycle: +cpuPerCycle.toFixed(3),
      peak_rss_mib: +rss.toFixed(1),
      targets: {},
    };
    const t = result.targets as Record<string, { target: string; met: boolean }>;
    t.p50 = { target: '<= 1.5 ms', met: result.sequential.p50_ms <= 1.5 };
    t.p99 = { target: '<= 3 ms', met: result.sequential.p99_ms <= 3 };
    t.throughput = { target: '>= 1000 run-cycles/s, 16 clients', met: result.concurrent.requests_per_s >= 1000 };
    t.startup = { target: '<= 500 ms to first answered cycle', met: result.startup_to_first_cycle_ms <= 500 };
    t.rss = { target: '<= 120 MiB', met: result.peak_rss_mib <= 120 };
    return result;
  } finally {
    server.kill('SIGTERM');
    fake.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runHttpBench();
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/http.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
