import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCandlesCsv } from '../../src/market/csv-candles.js';
import { REPO_ROOT, sharedData } from '../helpers/shared-data.js';
import { hasChromium, launchChromium, noteMissingChromium, TEST_OUTPUT } from './browser.js';
import { type DemoServer, startDemoServer } from './demo-server.js';

noteMissingChromium('research and desk browser tests');

const OUT = TEST_OUTPUT;
const WAIT = { timeout: 30_000 };

const attr = (page: Page, selector: string, name: string) => page.locator(selector).first().getAttribute(name);

describe.skipIf(!hasChromium)('research and desk panels in Chromium against the real server', () => {
  let demo: DemoServer;
  let browser: Browser;

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'pipe' });
    mkdirSync(OUT, { recursive: true });
    demo = await startDemoServer(20);
    // What `conclave data import` stores: recorded hours before the server's now, for backtests to run over.
    const now = demo.server.clock.now();
    const candles = readCandlesCsv(sharedData('klines', 'BTCUSDT_1h.csv'))
      .filter((c) => c.closeTime < now)
      .slice(-2000);
    await demo.server.runtime.store.candles.upsertMany('binance', 'BTCUSDT', '1h', candles);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('starts a backtest from the page, shows its live progress, opens its report, and compares two runs', {
    timeout: 120_000,
  }, async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${demo.server.url}/`);
    await page.waitForSelector('#live.live');
    await page.waitForSelector('#bt-form');

    await page.fill('#bt-form input[name=symbol]', 'BTCUSDT');
    await page.selectOption('#bt-form select[name=strategy]', 'sma-cross');
    await page.fill('#bt-form input[name=MAX_DRAWDOWN]', '0.3');
    await page.locator('#bt-start').click();

    // The run appears, moves with backtest.progress over /ws, and its report opens when it completes.
    const row = page.locator('#backtests tr[data-run]').first();
    await expect.poll(() => row.getAttribute('data-status'), WAIT).toBe('completed');
    const id = (await row.getAttribute('data-run')) as string;
    expect(Number(await attr(page, '#backtests', 'data-progress-events'))).toBeGreaterThan(0);
    await expect.poll(() => attr(page, '#bt-report', 'data-run'), WAIT).toBe(id);
    expect(Number(await attr(page, '#bt-report', 'data-points'))).toBeGreaterThan(100);
    expect(Number(await attr(page, '#bt-report', 'data-markers'))).toBeGreaterThan(0);
    expect(await page.locator('#bt-equity canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#bt-trades canvas').count()).toBeGreaterThan(0);
    // The run used the page's risk setting: the server stored it with the run.
    const run = (await (await fetch(`${demo.server.url}/api/backtests/${id}`)).json()) as { params: { settings: Record<string, number> } };
    expect(run.params.settings.MAX_DRAWDOWN).toBe(0.3);

    // A second run with another strategy, then both side by side.
    await page.selectOption('#bt-form select[name=strategy]', 'breakout');
    await page.locator('#bt-start').click();
    await expect.poll(() => page.locator('#backtests tr[data-status=completed]').count(), WAIT).toBe(2);
    const boxes = page.locator('#backtests tr[data-run] input[type=checkbox]');
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await expect.poll(() => attr(page, '#bt-compare', 'data-runs'), WAIT).toBe('2');
    const compare = (await page.locator('#bt-compare').textContent()) ?? '';
    expect(compare).toContain('breakout');
    expect(compare).toContain('sma-cross');
    expect(compare).toContain('Sharpe');

    await page.locator('.area-research').screenshot({ path: join(OUT, 'dashboard-research.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refuses a bad run with the server message under the form', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${demo.server.url}/`);
    await page.waitForSelector('#bt-form');
    await page.selectOption('#bt-form select[name=protocol]', 'brain');
    await page.fill('#bt-form input[name=MAX_DAILY_LOSS]', '5');
    await page.locator('#bt-start').click();
    await expect.poll(() => page.locator('#bt-error').textContent(), WAIT).toContain('VALIDATION_ERROR');
    expect(await page.locator('#bt-error').textContent()).toContain('MAX_DAILY_LOSS');
    await page.close();
  });

  it('adds a symbol (venue detected), sees its first cycle, and removes it after a confirmation; both are audited', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${demo.server.url}/`);
    await page.waitForSelector('#live.live');
    await page.fill('#desk-add input[name=symbol]', 'eth');
    await page.locator('#desk-add button[type=submit]').click();
    const status = page.locator('#desk-symbol-status');
    await expect.poll(() => status.getAttribute('data-first-cycle'), WAIT).not.toBeNull();
    const cycleId = (await status.getAttribute('data-first-cycle')) as string;
    expect(await status.textContent()).toContain('Added ETHUSDT on binance (crypto)');
    // The first cycle is the server's: stored, and in the decisions feed over /ws.
    const cycle = (await (await fetch(`${demo.server.url}/api/cycles/${cycleId}`)).json()) as { symbol: string };
    expect(cycle.symbol).toBe('ETHUSDT');
    await page.waitForSelector(`#feed .feed-row[data-cycle="${cycleId}"]`, WAIT);
    await expect.poll(() => page.locator('#desk-audit tr[data-action="symbol.add"]').count(), WAIT).toBe(1);
    expect(await page.locator('#desk-audit tr[data-action="symbol.add"]').textContent()).toContain('"venue":"binance"');

    const row = page.locator('#desk-symbols li[data-symbol=ETHUSDT]');
    await row.locator('button', { hasText: 'Remove' }).click();
    // Nothing happens before the confirmation.
    expect(await page.locator('#desk-symbols li[data-symbol=ETHUSDT]').count()).toBe(1);
    await row.locator('.confirm-yes').click();
    await expect.poll(() => page.locator('#desk-symbols li[data-symbol=ETHUSDT]').count(), WAIT).toBe(0);
    await expect.poll(() => page.locator('#desk-audit tr[data-action="symbol.remove"]').count(), WAIT).toBe(1);
    const symbols = (await (await fetch(`${demo.server.url}/api/symbols`)).json()) as { symbol: string }[];
    expect(symbols.map((s) => s.symbol)).not.toContain('ETHUSDT');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('halts and resumes the account from the desk after a confirmation, each audited with the state before and after', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${demo.server.url}/`);
    await page.waitForSelector('[data-testid=desk-risk-state]');
    await page.fill('#desk-risk input[name=reason]', 'desk test');
    await page.locator('#desk-halt').click();
    await page.locator('#desk-risk .confirm-yes').click();
    await expect.poll(() => page.locator('[data-testid=desk-risk-state]').textContent(), WAIT).toBe('HALTED');
    expect(((await (await fetch(`${demo.server.url}/api/risk`)).json()) as { state: string }).state).toBe('HALTED');
    await expect.poll(() => page.locator('#desk-audit tr[data-action="risk.halt"]').first().textContent(), WAIT).toContain('desk test');
    await page.locator('#desk-halt').click();
    await page.locator('#desk-risk .confirm-yes').click();
    await expect.poll(() => page.locator('[data-testid=desk-risk-state]').textContent(), WAIT).toBe('ACTIVE');
    const resume = page.locator('#desk-audit tr[data-action="risk.resume"]').first();
    await expect.poll(() => resume.textContent(), WAIT).toContain('"state":"HALTED"');
    expect(await resume.textContent()).toContain('"state":"ACTIVE"');
    await page.close();
  });

  it('edits the enable map with validation and a confirmation; the change is audited as shared', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${demo.server.url}/`);
    await page.waitForSelector('#desk-map');
    const before = (await (await fetch(`${demo.server.url}/api/strategies/enable-map`)).json()) as {
      regimes: Record<string, string[]>;
    };
    // The demo server runs the pipeline: the page says the map is not used by it.
    expect(await page.locator('#desk-map-host').textContent()).toContain(
      'runs the pipeline protocol: the enable map is used only by brain',
    );
    // Unchanged: refused on the page, nothing sent.
    await page.locator('#desk-map-save').click();
    expect(await page.locator('#desk-map-error').textContent()).toBe('Nothing changed.');
    // The server's validation speaks through the page.
    await page.fill('#desk-map-host input[name=cooldown_bars]', '99999');
    await page.locator('#desk-map-save').click();
    await page.locator('#desk-map-host .confirm-yes').click();
    await expect.poll(() => page.locator('#desk-map-error').textContent(), WAIT).toContain('VALIDATION_ERROR');
    await page.fill('#desk-map-host input[name=cooldown_bars]', '2');
    const box = page.locator('#desk-map input[aria-label="breakout in RANGE"]');
    const wasOn = before.regimes.RANGE.includes('breakout');
    await box.setChecked(!wasOn);
    await page.locator('#desk-map-save').click();
    expect(await page.locator('#desk-map-host .confirm').textContent()).toContain('RANGE:');
    await page.locator('#desk-map-host .confirm-yes').click();
    await expect.poll(() => page.locator('#desk-audit tr[data-action="enable_map.replace"]').count(), WAIT).toBe(1);
    const after = (await (await fetch(`${demo.server.url}/api/strategies/enable-map`)).json()) as {
      cooldown_bars: number;
      regimes: Record<string, string[]>;
    };
    expect(after.cooldown_bars).toBe(2);
    expect(after.regimes.RANGE.includes('breakout')).toBe(!wasOn);
    expect(await page.locator('#desk-audit tr[data-action="enable_map.replace"]').textContent()).toContain('(shared)');
    await page.close();
  });

  it('saves a new protocol and daily-loss limit for the next start after a confirmation: shown pending, audited, running kernel unchanged', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${demo.server.url}/`);
    await page.waitForSelector('#desk-settings');
    await page.fill('#desk-settings input[name=MAX_DAILY_LOSS]', '3');
    await page.locator('#desk-settings-save').click();
    await page.locator('#desk-settings .confirm-yes').click();
    await expect.poll(() => page.locator('#desk-settings-error').textContent(), WAIT).toContain('MAX_DAILY_LOSS');
    await page.fill('#desk-settings input[name=MAX_DAILY_LOSS]', '0.03');
    await page.selectOption('#desk-settings select[name=PROTOCOL]', 'brain');
    await page.locator('#desk-settings-save').click();
    expect(await page.locator('#desk-settings .confirm').textContent()).toContain('PROTOCOL: pipeline → brain');
    await page.locator('#desk-settings .confirm-yes').click();
    await expect.poll(() => page.locator('#desk-settings tr[data-setting=PROTOCOL]').getAttribute('class'), WAIT).toBe('pending');
    expect(await page.locator('#desk-settings tr[data-setting=MAX_DAILY_LOSS]').textContent()).toContain('running 0.05; next start 0.03');
    await expect.poll(() => page.locator('#desk-audit tr[data-action="settings.change"]').count(), WAIT).toBe(1);
    expect(demo.server.runtime.engine.protocolName).toBe('pipeline');
    await page.locator('.area-desk').screenshot({ path: join(OUT, 'dashboard-desk.png') });
    await page.close();
  });
});
