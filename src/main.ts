import { serve } from './serve.js';
import { describeStartupError } from './startup-error.js';

// Entry point of `npm start` (bundled to dist/main.js).
serve().catch((error: unknown) => {
  process.stderr.write(`conclave failed to start: ${describeStartupError(error)}\n`);
  process.exit(1);
});
