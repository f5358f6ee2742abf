import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { hasChromium, launchChromium, noteMissingChromium, TEST_OUTPUT } from './browser.js';
import { type DemoServer, startDemoServer } from './demo-server.js';

noteMissingChromium('dashboard browser tests');

const OUT = TEST_OUTPUT;

/** Waits until a numeric data attribute the page keeps in step with what it drew satisfies `ok`. */
async function until(page: Page, selector: string, attribute: string, ok: (value: number) => boolean): Promise<void> {
  await expect.poll(async () => ok(Number(await page.locator(selector).getAttribute(attribute))), { timeout: 20_000 }).toBe(true);
}

describe.skipIf(!hasChromium)('dashboard in Chromium against the real server over recorded candles', () => {
  let demo: DemoServer;
  let browser: Browser;

  beforeAll(async () => {
    // The same build `npm install` and `npm start` run; a no-op when web/dist is fresh.
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'pipe' });
    mkdirSync(OUT, { recursive: true });
    demo = await startDemoServer(60);
    // A history to draw: two round trips, ending flat so the live BUY below fills.
    for (const action of ['BUY', 'HOLD', 'HOLD', 'SELL', 'HOLD', 'BUY', 'HOLD', 'SELL', 'HOLD'] as const) await demo.step(action);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('draws candles, adds a marker and a feed row when a cycle runs, opens the cycle messages, shows equity', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(demo.server.url + '/');

    // Candles: the page asks for 300; the fake venue holds far more hours than that.
    await until(page, '#price-chart', 'data-candles', (v) => v === 300);
    expect(await page.locator('#price-chart canvas').count()).toBeGreaterThan(0);
    // Four fills so far, one marker each.
    await until(page, '#price-chart', 'data-markers', (v) => v === 4);
    await page.waitForSelector('#live.live');
    const rowsBefore = await page.locator('#feed .feed-row').count();
    expect(rowsBefore).toBe(9);

    const cycle = (await demo.step('BUY')) as { cycle_id: number; execution: { status: string } };
    expect(cycle.execution.status).toBe('FILLED');
    await until(page, '#price-chart', 'data-markers', (v) => v === 5);
    const first = page.locator('#feed .feed-row').first();
    await expect.poll(() => first.getAttribute('data-cycle'), { timeout: 20_000 }).toBe(String(cycle.cycle_id));
    await expect.poll(() => first.textContent(), { timeout: 20_000 }).toContain('scripted BUY');
    expect(await first.textContent()).toContain('FILLED');
    expect(await page.locator('#feed .feed-row').count()).toBe(rowsBefore + 1);

    // An older cycle's message sequence opens on click: the SELL of the second round trip.
    const sell = page.locator('#cycles .cycle', { hasText: 'SELL' }).first();
    const sellId = Number(await sell.getAttribute('data-cycle'));
    await sell.click();
    await expect.poll(() => page.locator('#cycle-messages').textContent(), { timeout: 20_000 }).toContain(`Cycle #${sellId}`);
    const messages = await page.locator('#cycle-messages .message summary').allTextContents();
    // The kernel's pipeline sends the snapshot to the decision maker and to the risk manager (stops, governor).
    expect(messages.map((m) => m.split(' ')[0])).toEqual([
      'CycleRequested',
      'MarketSnapshot',
      'MarketSnapshot',
      'Decision',
      'OrderIntent',
      'OrderFilled',
    ]);
    expect(await page.locator('#agents-graph .node').count()).toBeGreaterThanOrEqual(5);

    // Equity: one point per cycle (ten), drawn against buy-and-hold.
    await until(page, '#equity-chart', 'data-points', (v) => v === 10);
    expect(await page.locator('#equity-chart canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#portfolio').textContent()).toContain('BTCUSDT');

    await page.evaluate('window.scrollTo(0, 0)');
    // Off the chart, so no crosshair is drawn over the screenshot.
    await page.mouse.move(1, 1);
    await page.screenshot({ path: join(OUT, 'dashboard-1280x800.png') });
    await page.screenshot({ path: join(OUT, 'dashboard-1280-full.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('fits a phone-width screen without sideways scrolling', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await page.goto(demo.server.url + '/');
    await until(page, '#price-chart', 'data-candles', (v) => v > 0);
    await page.waitForSelector('#feed .feed-row');
    const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
    expect(width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(OUT, 'dashboard-390x844.png') });
    await page.screenshot({ path: join(OUT, 'dashboard-390-full.png'), fullPage: true });
    await page.close();
  });

  it('halts and resumes trading from the header', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(demo.server.url + '/');
    await page.locator('#halt').click();
    await expect.poll(() => page.locator('[data-testid=risk-state]').textContent(), { timeout: 20_000 }).toBe('HALTED');
    const risk = (await (await fetch(`${demo.server.url}/api/risk`)).json()) as { state: string };
    expect(risk.state).toBe('HALTED');
    await page.locator('#resume').click();
    await expect.poll(() => page.locator('[data-testid=risk-state]').textContent(), { timeout: 20_000 }).toBe('ACTIVE');
    await page.close();
  });
});

describe.skipIf(!hasChromium)('dashboard on a server that is not on loopback', () => {
  let demo: DemoServer;
  let browser: Browser;

  beforeAll(async () => {
    demo = await startDemoServer(60, { HOST: '0.0.0.0', JWT_SECRET: 'dashboard-e2e-secret-0123456789abcdef' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('asks for a login, then shows the dashboard with the token on HTTP and /ws', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(demo.server.url + '/');
    await page.waitForSelector('#login:not([hidden])');
    await page.screenshot({ path: join(OUT, 'dashboard-login.png') });
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', 'correct horse battery');
    await page.fill('input[name=email]', 'alice@example.com');
    await page.locator('#register').click();
    await page.waitForSelector('#login', { state: 'hidden' });
    await until(page, '#price-chart', 'data-candles', (v) => v > 0);
    await page.waitForSelector('#live.live');
    expect(await page.locator('#logout').isVisible()).toBe(true);
    await page.close();
  });
});
