import { isAbsolute, join, relative, resolve } from 'node:path';
import { ConclaveError } from '../domain/errors.js';

/** A run id names one directory `run_<id>` directly under REPORTS_DIR: letters, digits, `.`, `_`, `-`. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The directory of run `id` under `reportsDir`: the one path guard every CLI command and route that takes a
 * run id goes through, so `--run ../../../x` (or an absolute path, or a separator) can never leave REPORTS_DIR.
 * `run_<id>` is accepted as well as `<id>`, as `conclave report list` prints the directory names.
 * @throws ConclaveError VALIDATION_ERROR naming the field when the id is not a plain name.
 */
export function runDir(reportsDir: string, id: string, field = 'run'): string {
  return reportDir(reportsDir, 'run_', id, field);
}

/** The directory `research_<id>` of a research campaign, under the same guard as runDir. @throws as runDir */
export function researchDir(reportsDir: string, id: string, field = 'id'): string {
  return reportDir(reportsDir, 'research_', id, field);
}

function reportDir(reportsDir: string, prefix: string, id: string, field: string): string {
  const name = id.startsWith(prefix) ? id.slice(prefix.length) : id;
  if (!RUN_ID.test(name)) {
    throw new ConclaveError(
      'VALIDATION_ERROR',
      `${field}: expected a run id (letters, digits, ".", "_", "-"; as listed by conclave report list), got ${JSON.stringify(id)}`,
      { field, value: id },
    );
  }
  const root = resolve(reportsDir);
  const dir = resolve(root, `${prefix}${name}`);
  const rel = relative(root, dir);
  // Belt and braces: the pattern already excludes separators, but the containment is the rule itself.
  if (rel.startsWith('..') || isAbsolute(rel) || rel.includes('/') || rel.includes('\\')) {
    throw new ConclaveError('VALIDATION_ERROR', `${field}: ${JSON.stringify(id)} points outside REPORTS_DIR`, { field, value: id });
  }
  return dir;
}

/** A file of run `id` (e.g. trades.csv), under the same guard. @throws as runDir */
export function runFile(reportsDir: string, id: string, file: string, field = 'run'): string {
  return join(runDir(reportsDir, id, field), file);
}
