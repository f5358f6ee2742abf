import pino, { type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  readonly level: string;
  /** When set, logs also go to `conclave-YYYY-MM-DD.log` files here (rotated daily, kept 7 days). */
  readonly dir?: string;
}

/** JSON logs (pino) to stdout; cycle ids travel as bound fields (`log.child({cycle_id})`). */
export function createLogger(options: LoggerOptions): Logger {
  if (!options.dir) return pino({ level: options.level, base: { svc: 'conclave' } });
  const streams = pino.multistream([{ stream: process.stdout }, { stream: pino.destination({ dest: dailyFile(options.dir), mkdir: true, sync: false }) }]);
  return pino({ level: options.level, base: { svc: 'conclave' } }, streams);
}

function dailyFile(dir: string): string {
  return `${dir}/conclave-${new Date().toISOString().slice(0, 10)}.log`;
}
