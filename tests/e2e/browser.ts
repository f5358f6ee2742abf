import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { REPO_ROOT } from '../helpers/shared-data.js';

/** Debian's Chromium (CI installs it), or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** Where browser tests leave screenshots (the README's images are copies). */
export const TEST_OUTPUT = join(REPO_ROOT, 'test-output');

// Without background networking Chromium does not try to reach Google's hosts on this closed network.
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** Says once why a browser suite is skipped (call at module level). */
export function noteMissingChromium(suite: string): void {
  if (!hasChromium) process.stdout.write(`${suite} skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)\n`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
}
