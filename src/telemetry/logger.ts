import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type DestinationStream, type Logger } from 'pino';
import { prettyStream } from './pretty-stream.js';

export type { Logger };

export interface LoggerOptions {
  readonly level: string;
  /** When set, logs also go to `conclave-YYYY-MM-DD.log` files here (rotated daily, kept 7 days), always JSON. */
  readonly dir?: string;
  /** stdout: `pretty` lines for a person at a terminal, or `json` (default) for machines. */
  readonly format?: 'pretty' | 'json';
}

/** LOG_FORMAT=auto: pretty on a terminal, JSON when stdout is a pipe or a file. */
export function resolveLogFormat(setting: 'auto' | 'pretty' | 'json', stdoutIsTty: boolean): 'pretty' | 'json' {
  return setting === 'auto' ? (stdoutIsTty ? 'pretty' : 'json') : setting;
}

/** pino logs to stdout; cycle ids travel as bound fields (`log.child({cycle_id})`). */
export function createLogger(options: LoggerOptions): Logger {
  const pretty = options.format === 'pretty';
  const stdout = pretty ? prettyStream(process.stdout, { colour: process.stdout.isTTY === true }) : process.stdout;
  if (!options.dir) {
    return pretty
      ? pino({ level: options.level, base: { svc: 'conclave' } }, stdout)
      : pino({ level: options.level, base: { svc: 'conclave' } });
  }
  const streams = pino.multistream([{ stream: stdout }, { stream: new DailyFileStream(options.dir) }]);
  return pino({ level: options.level, base: { svc: 'conclave' } }, streams);
}

export interface DailyFileOptions {
  /** Days of files kept, today included (default 7). */
  readonly keepDays?: number;
  /** File name prefix (default `conclave`). */
  readonly prefix?: string;
  /** Wall clock, epoch ms (tests pass their own). */
  readonly now?: () => number;
  /** Synchronous writes (tests); production buffers. */
  readonly sync?: boolean;
}

const DAY_MS = 86_400_000;

/**
 * A pino destination that writes to `<prefix>-YYYY-MM-DD.log` (UTC day of each line) and, when the day
 * changes, opens the next file and deletes files older than `keepDays`. Rotation is checked on write, so a
 * quiet process rotates on its first line of the new day.
 */
export class DailyFileStream implements DestinationStream {
  private readonly keepDays: number;
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly pattern: RegExp;
  private day = '';
  private dest: pino.DestinationStream & { end(): void; flushSync(): void } = null as never;

  constructor(
    private readonly dir: string,
    private readonly options: DailyFileOptions = {},
  ) {
    this.keepDays = Math.max(1, options.keepDays ?? 7);
    this.prefix = options.prefix ?? 'conclave';
    this.now = options.now ?? Date.now;
    this.pattern = new RegExp(`^${this.prefix}-(\\d{4}-\\d{2}-\\d{2})\\.log$`);
    mkdirSync(dir, { recursive: true });
  }

  write(line: string): void {
    const day = new Date(this.now()).toISOString().slice(0, 10);
    if (day !== this.day) this.rotate(day);
    this.dest.write(line);
  }

  /** Writes buffered lines now (before exit). */
  flushSync(): void {
    this.dest?.flushSync();
  }

  end(): void {
    this.dest?.end();
  }

  private rotate(day: string): void {
    this.dest?.end();
    this.dest = pino.destination({ dest: join(this.dir, `${this.prefix}-${day}.log`), sync: this.options.sync ?? false }) as never;
    this.day = day;
    const oldest = new Date(Date.parse(`${day}T00:00:00Z`) - (this.keepDays - 1) * DAY_MS).toISOString().slice(0, 10);
    for (const name of readdirSync(this.dir)) {
      const match = this.pattern.exec(name);
      // ISO dates compare as strings.
      if (match && match[1] < oldest) {
        try {
          unlinkSync(join(this.dir, name));
        } catch {
          // Another process of the same deployment pruned it first.
        }
      }
    }
  }
}
