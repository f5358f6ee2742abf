import { Command } from 'commander';
import { VERSION } from '../version.js';
import { registerBacktestCommands } from './commands/backtest.js';
import { registerCoreCommands } from './commands/core.js';
import { registerDataCommands } from './commands/data.js';
import { registerDbCommands } from './commands/db.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerReportCommands } from './commands/report.js';
import { registerResearchCommands } from './commands/research.js';
import { registerScanCommand } from './commands/scan.js';
import { registerUserCommands } from './commands/user.js';
import { registerWorkerCommand } from './commands/worker.js';

/**
 * Every `conclave` command. Unknown options and arguments a command does not take are errors on every command
 * (set on the root before the commands are added, so each inherits it): a mistyped flag must never be ignored.
 */
export function buildProgram(): Command {
  const program = new Command('conclave').description('Conclave: multi-agent paper trading').version(VERSION);
  program.allowUnknownOption(false).allowExcessArguments(false);
  registerCoreCommands(program);
  registerDemoCommand(program);
  registerScanCommand(program);
  registerBacktestCommands(program);
  registerResearchCommands(program);
  registerReportCommands(program);
  registerDataCommands(program);
  registerDbCommands(program);
  registerWorkerCommand(program);
  registerUserCommands(program);
  return program;
}
