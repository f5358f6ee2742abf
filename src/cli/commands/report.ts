import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConclaveError } from '../../domain/errors.js';
import { listRuns, rotateRuns } from '../../reports/rotate.js';
import { runDir } from '../../reports/run-path.js';
import { openStore } from '../../store/db.js';
import { cliContext } from '../context.js';

/** `report list | show <id> | rotate`: read and prune run reports. */
export function registerReportCommands(program: Command): void {
  const report = program.command('report').description('Run reports under REPORTS_DIR (reports/run_<id>/)');

  report
    .command('list')
    .description('Run reports, newest first')
    .action(() => {
      const { config } = cliContext();
      for (const r of listRuns(config.REPORTS_DIR)) process.stdout.write(`${r.id}\t${new Date(r.mtimeMs).toISOString()}\t${r.dir}\n`);
    });

  report
    .command('show')
    .argument('[id]', 'run id (default: the newest)')
    .description("Print a run's summary.md")
    .action((id?: string) => {
      const { config } = cliContext();
      const runs = listRuns(config.REPORTS_DIR);
      const wanted = id === undefined ? undefined : runDir(config.REPORTS_DIR, id, 'id');
      const run = wanted ? runs.find((r) => resolve(r.dir) === wanted) : runs[0];
      if (!run)
        throw new ConclaveError('NOT_FOUND', id ? `no report run_${id} in ${config.REPORTS_DIR}` : `no reports in ${config.REPORTS_DIR}`);
      const summary = join(run.dir, 'summary.md');
      if (!existsSync(summary)) throw new ConclaveError('NOT_FOUND', `${summary} is missing`);
      process.stdout.write(readFileSync(summary, 'utf8'));
    });

  report
    .command('rotate')
    .description('Remove old run reports and vacuum the database')
    .option('--keep <n>', 'keep the newest N runs', '20')
    .option('--older-than <days>', 'also remove runs older than this many days')
    .option('--no-vacuum', 'skip the database VACUUM')
    .action(async (o: { keep: string; olderThan?: string; vacuum: boolean }) => {
      const { config } = cliContext();
      const keep = Number(o.keep);
      if (!Number.isInteger(keep) || keep < 0)
        throw new ConclaveError('VALIDATION_ERROR', `--keep: expected a whole number >= 0, got "${o.keep}"`);
      const olderThan = o.olderThan === undefined ? undefined : Date.now() - Number(o.olderThan) * 86_400_000;
      const removed = rotateRuns(config.REPORTS_DIR, { keep, olderThan });
      process.stdout.write(`removed ${removed.length} run report(s)${removed.length ? `: ${removed.join(', ')}` : ''}\n`);
      if (o.vacuum) {
        const store = await openStore(config.database);
        try {
          await store.vacuum();
          process.stdout.write('database vacuumed\n');
        } finally {
          await store.close();
        }
      }
    });
}
