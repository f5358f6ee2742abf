import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeProcess, startServeProcess } from '../helpers/serve-process.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { hasChromium, launchChromium, noteMissingChromium } from './browser.js';

noteMissingChromium('demo browser test');

/**
 * `npm run demo` as a newcomer sees it: the dashboard, opened as soon as the demo answers, shows a fill marker on
 * the price chart and a moving equity curve within the first minute of the start.
 */
describe.skipIf(!hasChromium)('npm run demo in Chromium', () => {
  let demo: ServeProcess | undefined;
  let browser: Browser | undefined;
  let started = 0;

  beforeAll(async () => {
    started = Date.now();
    const dataDir = join(mkdtempSync(join(tmpdir(), 'conclave-demo-browser-')), 'data');
    demo = await startServeProcess(['src/cli/main.ts', 'demo'], { DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it('shows a fill on the price chart and equity moving within 60 s of the start', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${demo!.url}/`);
    const left = () => Math.max(1_000, 60_000 - (Date.now() - started));
    await expect
      .poll(async () => Number(await page.locator('#price-chart').getAttribute('data-markers')), { timeout: left() })
      .toBeGreaterThan(0);
    await expect
      .poll(async () => Number(await page.locator('#equity-chart').getAttribute('data-points')), { timeout: left() })
      .toBeGreaterThanOrEqual(3);
    expect(Date.now() - started).toBeLessThan(60_000);
    const feedText = await page.locator('#feed').textContent();
    expect(feedText).toMatch(/BUY|SELL/);
    // A card says what its own decision did: a BUY or SELL is FILLED (once its next-open fill came), PENDING or
    // REJECTED; a HOLD never shows the fill of an earlier order.
    const cards = await page.locator('#feed .feed-row').allTextContents();
    expect(cards.length).toBeGreaterThan(0);
    for (const card of cards) if (/^\s*HOLD/.test(card)) expect(card).not.toMatch(/FILLED|PENDING/);
    expect(cards.some((c) => /FILLED/.test(c))).toBe(true);
    mkdirSync(join(REPO_ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'test-output', 'demo.png') });
    expect(errors).toEqual([]);
  });
});
