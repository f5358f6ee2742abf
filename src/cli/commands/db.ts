import type { Command } from 'commander';
import { ConclaveError } from '../../domain/errors.js';
import { LiveClock } from '../../engine/clock.js';
import { runMaintenance } from '../../services/maintenance.js';
import { openStore } from '../../store/db.js';
import { cliContext } from '../context.js';

const MB = 1_000_000;

/** `db vacuum`: the scheduled maintenance run once, on demand. */
export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('Database maintenance');
  db.command('vacuum')
    .description('Compact cycle detail older than RETENTION_DAYS (messages, snapshot features), then VACUUM; prints the sizes')
    .option('--retention-days <n>', 'override RETENTION_DAYS for this run (0 = compact nothing, only VACUUM)')
    .option('--json', 'print the report as JSON')
    .action(async (o: { retentionDays?: string; json?: boolean }) => {
      const { config } = cliContext();
      const retentionDays = o.retentionDays === undefined ? config.RETENTION_DAYS : Number(o.retentionDays);
      if (!Number.isInteger(retentionDays) || retentionDays < 0 || retentionDays > 3650)
        throw new ConclaveError('VALIDATION_ERROR', `--retention-days: expected a whole number 0..3650, got "${o.retentionDays}"`);
      const store = await openStore(config.database);
      try {
        const report = await runMaintenance({ store, clock: new LiveClock(), retentionDays });
        if (o.json) {
          process.stdout.write(`${JSON.stringify(report)}\n`);
          return;
        }
        const c = report.compaction;
        process.stdout.write(
          c
            ? `compacted ${c.cycles} cycle(s) finished before ${new Date(c.before).toISOString()}: ${c.messagesDeleted} message(s) deleted, ${c.snapshotsCompacted} snapshot(s) cleared\n`
            : 'RETENTION_DAYS=0: nothing compacted\n',
        );
        process.stdout.write(
          `database ${(report.bytesBefore / MB).toFixed(2)} MB -> ${(report.bytesAfter / MB).toFixed(2)} MB (vacuumed in ${report.durationMs} ms)\n`,
        );
      } finally {
        await store.close();
      }
    });
}
