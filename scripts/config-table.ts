/**
 * Prints the README's configuration table from the one source of settings (src/config.ts).
 * `--write` replaces the table between the CONFIG-TABLE markers in README.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_FIELDS } from '../src/config.js';

const rows = Object.entries(CONFIG_FIELDS).map(
  ([name, f]) => `| \`${name}\` | \`${f.default === '' ? '(empty)' : f.default}\` | ${f.doc.replaceAll('|', '\\|')} |`,
);
const table = ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');

if (process.argv.includes('--write')) {
  const readme = readFileSync('README.md', 'utf8');
  const next = readme.replace(
    /<!-- CONFIG-TABLE -->[\s\S]*<!-- \/CONFIG-TABLE -->/,
    `<!-- CONFIG-TABLE -->\n${table}\n<!-- /CONFIG-TABLE -->`,
  );
  if (next === readme && !readme.includes(table)) throw new Error('README.md has no <!-- CONFIG-TABLE --> markers');
  writeFileSync('README.md', next);
} else {
  process.stdout.write(`${table}\n`);
}
