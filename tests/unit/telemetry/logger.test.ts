import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DailyFileStream } from '../../../src/telemetry/logger.js';

/** 2024-03-10T23:59:00Z, a minute before a UTC day boundary. */
const LATE = Date.UTC(2024, 2, 10, 23, 59);

describe('DailyFileStream', () => {
  it('writes each line to the file of its UTC day and rotates at midnight', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-logs-'));
    let now = LATE;
    const stream = new DailyFileStream(dir, { now: () => now, sync: true });
    const log = pino({ base: null, timestamp: false }, stream);
    log.info({ cycle_id: 1 }, 'before midnight');
    now += 2 * 60_000;
    log.info({ cycle_id: 2 }, 'after midnight');
    stream.end();
    expect(readdirSync(dir).sort()).toEqual(['conclave-2024-03-10.log', 'conclave-2024-03-11.log']);
    const first = JSON.parse(readFileSync(join(dir, 'conclave-2024-03-10.log'), 'utf8'));
    const second = JSON.parse(readFileSync(join(dir, 'conclave-2024-03-11.log'), 'utf8'));
    expect(first).toMatchObject({ cycle_id: 1, msg: 'before midnight' });
    expect(second).toMatchObject({ cycle_id: 2, msg: 'after midnight' });
  });

  it('keeps 7 days of files (today and the 6 before) and leaves other files alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-logs-'));
    for (const day of ['2024-03-01', '2024-03-03', '2024-03-04', '2024-03-05', '2024-03-09'])
      writeFileSync(join(dir, `conclave-${day}.log`), '{}\n');
    writeFileSync(join(dir, 'notes.txt'), 'keep');
    const stream = new DailyFileStream(dir, { now: () => LATE, sync: true });
    stream.write('{"msg":"x"}\n');
    stream.end();
    // Today 2024-03-10: kept from 2024-03-04 on.
    expect(readdirSync(dir).sort()).toEqual([
      'conclave-2024-03-04.log',
      'conclave-2024-03-05.log',
      'conclave-2024-03-09.log',
      'conclave-2024-03-10.log',
      'notes.txt',
    ]);
  });
});
