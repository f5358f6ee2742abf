import { isConclaveError } from '../domain/errors.js';
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    const message = isConclaveError(error) ? `${error.code}: ${error.message}` : ((error as Error)?.stack ?? String(error));
    process.stderr.write(`${message}\n`);
    process.exit(1);
  });
