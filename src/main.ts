import { isConclaveError } from './domain/errors.js';
import { serve } from './serve.js';

// Entry point of `npm start` (bundled to dist/main.js).
serve().catch((error: unknown) => {
  const message = isConclaveError(error) ? `${error.code}: ${error.message}` : ((error as Error)?.stack ?? String(error));
  process.stderr.write(`conclave failed to start\n${message}\n`);
  process.exit(1);
});
