import { Command } from 'commander';
import { isConclaveError } from '../domain/errors.js';
import { VERSION } from '../runtime.js';
import { registerBacktestCommands } from './commands/backtest.js';
import { registerCoreCommands } from './commands/core.js';
import { registerDataCommands } from './commands/data.js';
import { registerDbCommands } from './commands/db.js';
import { registerReportCommands } from './commands/report.js';
import { registerScanCommand } from './commands/scan.js';
import { registerWorkerCommand } from './commands/worker.js';

const program = new Command('conclave').description('Conclave: multi-agent paper trading').version(VERSION);
registerCoreCommands(program);
registerScanCommand(program);
registerBacktestCommands(program);
registerReportCommands(program);
registerDataCommands(program);
registerDbCommands(program);
registerWorkerCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  const message = isConclaveError(error) ? `${error.code}: ${error.message}` : ((error as Error)?.stack ?? String(error));
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
