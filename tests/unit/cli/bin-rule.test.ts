import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/shared-data.js';

/**
 * bin/conclave.js in a throw-away package: `dist/cli.js` and `src/cli/main.ts` each print who ran, so the
 * rule (bundle when it is at least as new as every source, else the sources through tsx) is visible.
 */
function layout(opts: { dist: boolean; sourcesNewer: boolean }): string {
  const root = mkdtempSync(join(tmpdir(), 'conclave-bin-'));
  mkdirSync(join(root, 'bin'));
  copyFileSync(join(REPO_ROOT, 'bin', 'conclave.js'), join(root, 'bin', 'conclave.js'));
  writeFileSync(join(root, 'package.json'), '{"type":"module"}');
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  mkdirSync(join(root, 'src', 'cli'), { recursive: true });
  writeFileSync(join(root, 'src', 'cli', 'main.ts'), "const who: string = 'sources';\nconsole.log(who);\n");
  const old = new Date(Date.now() - 3_600_000);
  const recent = new Date();
  utimesSync(join(root, 'src', 'cli', 'main.ts'), opts.sourcesNewer ? recent : old, opts.sourcesNewer ? recent : old);
  if (opts.dist) {
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'dist', 'cli.js'), "console.log('bundle');\n");
    const when = opts.sourcesNewer ? old : recent;
    utimesSync(join(root, 'dist', 'cli.js'), when, when);
  }
  return root;
}

function run(root: string): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'conclave.js')], { encoding: 'utf8', timeout: 60_000 });
  return { stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

describe('bin/conclave.js', () => {
  it('runs the bundle when it is newer than every source, silently', () => {
    expect(run(layout({ dist: true, sourcesNewer: false }))).toEqual({ stdout: 'bundle', stderr: '' });
  });

  it('runs the sources through tsx when they changed since the build, and says so', () => {
    const r = run(layout({ dist: true, sourcesNewer: true }));
    expect(r.stdout).toBe('sources');
    expect(r.stderr).toContain('src/ changed since the last build');
  });

  it('runs the sources through tsx when there is no build', () => {
    const r = run(layout({ dist: false, sourcesNewer: false }));
    expect(r.stdout).toBe('sources');
    expect(r.stderr).toContain('no build in dist/');
  });
});
