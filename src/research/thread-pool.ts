/**
 * Runs research tasks (tasks.ts) on worker_threads, one per core by default (RESEARCH_THREADS), with results
 * identical to a single-threaded run: every task is a deterministic function of its input, outputs come back
 * in input order, and with one thread the same functions run in this thread.
 *
 *   const outputs = await runParallel('walk-forward-window', inputs, researchThreads(config.RESEARCH_THREADS));
 *
 * Workers are started per call and ended when it finishes. From the sources (tsx, vitest) the worker loads
 * worker-entry.ts through tsx's loader; from the bundle it loads dist/research-worker.js (scripts/build.mjs).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ConclaveError, ERROR_CODES, type ErrorCode } from '../domain/errors.js';
import { runTask, type TaskInput, type TaskKind, type TaskOutput } from './tasks.js';

export interface TaskRequest {
  readonly index: number;
  readonly kind: string;
  readonly input: unknown;
}

export type TaskResponse =
  | { readonly index: number; readonly ok: true; readonly output: unknown }
  | {
      readonly index: number;
      readonly ok: false;
      readonly error: { readonly code?: string; readonly message: string; readonly details?: Record<string, unknown> };
    };

/** Threads for a RESEARCH_THREADS setting: 0 = one per core, otherwise the number given (1 = in-process). */
export function researchThreads(setting: number): number {
  return setting === 0 ? availableParallelism() : setting;
}

export interface RunParallelOptions {
  /** Called after each finished task with the count done so far. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Runs `kind` on every input with up to `threads` worker threads; the outputs are in input order.
 * @throws the first task's error (a ConclaveError keeps its code), after every worker has been ended.
 */
export async function runParallel<K extends TaskKind>(
  kind: K,
  inputs: readonly TaskInput<K>[],
  threads: number,
  opts: RunParallelOptions = {},
): Promise<TaskOutput<K>[]> {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new ConclaveError('VALIDATION_ERROR', `research threads must be an integer >= 1, got ${threads}`, { field: 'threads' });
  }
  // threads = 1 is the in-process setting; otherwise even one task goes to a worker, so the caller's thread is
  // free for other work meanwhile (the gate runs its candidate beside its portfolio members).
  if (threads === 1 || inputs.length === 0) {
    const out: TaskOutput<K>[] = [];
    for (const input of inputs) {
      out.push(await runTask(kind, input));
      opts.onProgress?.(out.length, inputs.length);
    }
    return out;
  }
  return runOnWorkers(kind, inputs, Math.min(threads, inputs.length), opts);
}

async function runOnWorkers<K extends TaskKind>(
  kind: K,
  inputs: readonly TaskInput<K>[],
  threads: number,
  opts: RunParallelOptions,
): Promise<TaskOutput<K>[]> {
  const pool = new ResearchPool(threads);
  try {
    return await pool.run(kind, inputs, opts);
  } finally {
    await pool.close();
  }
}

/**
 * Worker threads kept for several runs (a campaign's batches): a worker's start (and, from the sources, its
 * module loading) costs far more than a batch's messages. After a task fails the pool is closed.
 */
export class ResearchPool {
  private readonly workers: Worker[] = [];
  private closed = false;

  constructor(readonly threads: number) {
    if (!Number.isInteger(threads) || threads < 1) {
      throw new ConclaveError('VALIDATION_ERROR', `research threads must be an integer >= 1, got ${threads}`, { field: 'threads' });
    }
  }

  /** Runs `kind` on every input on the pool's workers; the outputs are in input order. */
  run<K extends TaskKind>(kind: K, inputs: readonly TaskInput<K>[], opts: RunParallelOptions = {}): Promise<TaskOutput<K>[]> {
    if (this.closed) return Promise.reject(new ConclaveError('INTERNAL_ERROR', 'the research pool is closed'));
    if (inputs.length === 0) return Promise.resolve([]);
    while (this.workers.length < Math.min(this.threads, inputs.length)) this.workers.push(startWorker());
    const used = this.workers.slice(0, Math.min(this.threads, inputs.length));
    const outputs = new Array<TaskOutput<K>>(inputs.length);
    let next = 0;
    let done = 0;
    let ended = false;
    return new Promise<TaskOutput<K>[]>((resolve, reject) => {
      const detach: (() => void)[] = [];
      const finish = (error?: Error) => {
        if (ended) return;
        ended = true;
        for (const d of detach) d();
        if (error) {
          void this.close();
          reject(error);
        } else resolve(outputs);
      };
      const feed = (w: Worker) => {
        if (next < inputs.length) {
          const index = next++;
          w.postMessage({ index, kind, input: inputs[index] } satisfies TaskRequest);
        }
      };
      for (const w of used) {
        const onMessage = (msg: TaskResponse) => {
          if (ended) return;
          if (!msg.ok) {
            finish(toError(msg.error));
            return;
          }
          outputs[msg.index] = msg.output as TaskOutput<K>;
          done++;
          opts.onProgress?.(done, inputs.length);
          if (done === inputs.length) finish();
          else feed(w);
        };
        const onError = (error: Error) => finish(error);
        const onExit = (code: number) =>
          finish(new ConclaveError('INTERNAL_ERROR', `research worker exited with code ${code} before its tasks were done`));
        w.on('message', onMessage);
        w.on('error', onError);
        w.on('exit', onExit);
        detach.push(() => {
          w.off('message', onMessage);
          w.off('error', onError);
          w.off('exit', onExit);
        });
        feed(w);
      }
    });
  }

  /** Ends every worker. */
  async close(): Promise<void> {
    this.closed = true;
    const ws = this.workers.splice(0);
    await Promise.all(ws.map((w) => w.terminate()));
  }
}

function toError(e: { code?: string; message: string; details?: Record<string, unknown> }): Error {
  return e.code !== undefined && Object.hasOwn(ERROR_CODES, e.code)
    ? new ConclaveError(e.code as ErrorCode, e.message, e.details)
    : new Error(e.message);
}

/**
 * A worker on worker-entry. Run from the sources this module is a .ts file: the worker first registers
 * tsx's loader (an `--import tsx` in execArgv does not reach a worker's entry on Node 20), then imports the
 * entry. Bundled, this code sits in dist/ or dist/chunks/, and the entry is dist/research-worker.js.
 */
function startWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const tsx = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./worker-entry.ts', here).href;
    const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(code, { eval: true });
  }
  const dir = new URL('.', here);
  const root = dir.pathname.endsWith('/chunks/') ? new URL('..', dir) : dir;
  return new Worker(new URL('research-worker.js', root));
}
