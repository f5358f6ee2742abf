/**
 * Body of a research worker thread (thread-pool.ts): answers `{ index, kind, input }` messages with the task's
 * output, or with the error it threw (code, message and details kept, so a ConclaveError crosses intact).
 */
import { parentPort } from 'node:worker_threads';
import { isTaskKind, runTask } from './tasks.js';
import type { TaskRequest, TaskResponse } from './thread-pool.js';

const port = parentPort;
if (port === null) throw new Error('worker-entry runs only as a worker thread (see thread-pool.ts)');
port.on('message', async (msg: TaskRequest) => {
  let reply: TaskResponse;
  try {
    if (!isTaskKind(msg.kind)) throw new Error(`unknown research task "${String(msg.kind)}"`);
    reply = { index: msg.index, ok: true, output: await runTask(msg.kind, msg.input as never) };
  } catch (error) {
    const e = error as { code?: unknown; message?: unknown; details?: unknown };
    reply = {
      index: msg.index,
      ok: false,
      error: {
        code: typeof e.code === 'string' ? e.code : undefined,
        message: typeof e.message === 'string' ? e.message : String(error),
        details: e.details && typeof e.details === 'object' ? (e.details as Record<string, unknown>) : undefined,
      },
    };
  }
  port.postMessage(reply);
});
