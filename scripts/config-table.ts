/** Prints the README's configuration table from the one source of settings (src/config.ts). */
import { CONFIG_FIELDS } from '../src/config.js';

const rows = Object.entries(CONFIG_FIELDS).map(([name, f]) => `| \`${name}\` | \`${f.default === '' ? '(empty)' : f.default}\` | ${f.doc.replaceAll('|', '\\|')} |`);
process.stdout.write(['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n') + '\n');
