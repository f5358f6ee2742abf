/**
 * The research tasks that can run on worker threads, by name. A worker receives only a name and a
 * structured-clonable input, so every task is a plain function of its input, loaded lazily (a worker pays
 * only for the modules its task needs). To run a new kind of work in parallel, add it here.
 */
export const RESEARCH_TASKS = {
  'walk-forward-window': async () => (await import('../backtest/walk-forward-window.js')).trainWindow,
  'monte-carlo-chunk': async () => (await import('../backtest/monte-carlo.js')).monteCarloChunk,
  'gate-member': async () => (await import('../backtest/gate-member.js')).gateMember,
  'campaign-trial': async () => (await import('./campaign-trial.js')).campaignTrial,
} as const;

export type TaskKind = keyof typeof RESEARCH_TASKS;
type TaskFn<K extends TaskKind> = Awaited<ReturnType<(typeof RESEARCH_TASKS)[K]>>;
export type TaskInput<K extends TaskKind> = Parameters<TaskFn<K>>[0];
export type TaskOutput<K extends TaskKind> = Awaited<ReturnType<TaskFn<K>>>;

export function isTaskKind(name: unknown): name is TaskKind {
  return typeof name === 'string' && Object.hasOwn(RESEARCH_TASKS, name);
}

/** Runs one task in this thread (the worker's body, and the whole of a single-threaded run). */
export async function runTask<K extends TaskKind>(kind: K, input: TaskInput<K>): Promise<TaskOutput<K>> {
  const fn = (await RESEARCH_TASKS[kind]()) as (input: TaskInput<K>) => TaskOutput<K> | Promise<TaskOutput<K>>;
  return fn(input);
}
