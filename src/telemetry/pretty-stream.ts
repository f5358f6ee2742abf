import type { DestinationStream } from 'pino';

const LEVELS: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLOURS: Readonly<Record<number, string>> = { 10: '90', 20: '90', 30: '36', 40: '33', 50: '31', 60: '35' };
/** pino's own fields, and the marker of lines that are already written for people. */
const HIDDEN: ReadonlySet<string> = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'svc', 'event']);
/** Events whose message says it all (the per-cycle line, the start-up banner): their fields stay in JSON logs. */
const SELF_CONTAINED: ReadonlySet<string> = new Set(['cycle', 'banner']);

export interface PrettyOptions {
  /** ANSI colours for the level (a terminal); off for files and pipes. */
  readonly colour: boolean;
}

function value(v: unknown): string {
  if (typeof v === 'string') return /\s/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/**
 * One pino JSON line as a person reads it: `14:02:11 INFO  conclave listening address=http://...`. Error
 * objects (`err`) print their message, and their stack on the next lines. A line that is not JSON passes
 * through unchanged.
 */
export function prettyLine(line: string, options: PrettyOptions): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 19) : '--:--:--';
  const name = (LEVELS[level] ?? String(level)).padEnd(5);
  const tag = options.colour ? `\u001b[${COLOURS[level] ?? '0'}m${name}\u001b[0m` : name;
  let text = `${time} ${tag} ${typeof entry.msg === 'string' ? entry.msg : ''}`;
  let stack = '';
  if (!SELF_CONTAINED.has(String(entry.event))) {
    for (const [key, v] of Object.entries(entry)) {
      if (HIDDEN.has(key) || v === undefined) continue;
      if (key === 'err' && v && typeof v === 'object' && 'message' in v) {
        text += ` err=${value((v as { message: unknown }).message)}`;
        if ('stack' in v && typeof v.stack === 'string') stack = `\n${v.stack}`;
        continue;
      }
      text += ` ${key}=${value(v)}`;
    }
  }
  return `${text}${stack}\n`;
}

/** A pino destination that writes `prettyLine` of every entry to `out` (stdout on a terminal). */
export function prettyStream(out: { write(chunk: string): unknown }, options: PrettyOptions): DestinationStream {
  return { write: (line: string) => void out.write(prettyLine(line, options)) };
}
