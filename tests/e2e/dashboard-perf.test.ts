import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFake } from '../fakes/fake-server.js';
import { startFakeYahoo } from '../fakes/fake-yahoo.js';
import { startTestServer, type TestServer } from '../helpers/runtime.js';
import { ScriptedModel } from '../helpers/scripted-model.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { hasChromium, launchChromium, noteMissingChromium, TEST_OUTPUT } from './browser.js';
import { type DemoServer, startDemoServer } from './demo-server.js';

noteMissingChromium('dashboard performance tests');

const OUT = TEST_OUTPUT;
const WAIT = { timeout: 20_000 };

/** The WebSocket is open (the pill's class list always holds `live`; its text says the state). */
const liveOpen = (page: Page) => expect.poll(() => page.locator('#live').textContent(), WAIT).toBe('live');
const attr = async (page: Page, selector: string, name: string) => page.locator(selector).first().getAttribute(name);

describe.skipIf(!hasChromium)('dashboard: trades, performance and state at a glance', () => {
  let demo: DemoServer;
  let browser: Browser;

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'pipe' });
    mkdirSync(OUT, { recursive: true });
    demo = await startDemoServer(60);
    // Two closed round trips and a HOLD after.
    for (const action of ['BUY', 'HOLD', 'SELL', 'BUY', 'HOLD', 'HOLD', 'SELL', 'HOLD'] as const) await demo.step(action);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('shows the closed trades and their totals from the API, and a new round trip live', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(demo.server.url + '/');
    await expect.poll(() => attr(page, '#perf', 'data-trades'), WAIT).toBe('2');
    const api = (await (await fetch(`${demo.server.url}/api/performance`)).json()) as {
      trades: Array<{ net_pnl: number; strategy: string; exit_reason: string }>;
      summary: { win_rate: number | null };
    };
    const rows = page.locator('#perf .closed-trade');
    expect(await rows.count()).toBe(2);
    // Newest exit first, as the API lists them; the row carries strategy and exit reason.
    const first = (await rows.first().textContent()) ?? '';
    expect(first).toContain(api.trades[0].strategy);
    expect(first).toContain(api.trades[0].exit_reason);
    expect(first).toContain(`${api.trades[0].net_pnl >= 0 ? '+' : ''}${api.trades[0].net_pnl.toFixed(2)}`);
    expect(await page.locator('[data-testid=perf-win-rate]').textContent()).toBe(
      api.summary.win_rate === null ? '-' : `${(api.summary.win_rate * 100).toFixed(1)} %`,
    );
    expect(Number(await attr(page, '#perf .perf-daily', 'data-days'))).toBeGreaterThan(0);
    await liveOpen(page);

    // A round trip closed while the page is open arrives over /ws.
    await demo.step('BUY');
    await demo.step('SELL');
    await expect.poll(() => attr(page, '#perf', 'data-trades'), WAIT).toBe('3');
    expect(await rows.count()).toBe(3);
    // Data from a past day reads with its year.
    expect(await page.locator('#feed .feed-row .time').first().textContent()).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    await page.locator('.area-perf').screenshot({ path: join(OUT, 'dashboard-performance.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('groups the fills of one bar into one marker with a tooltip, draws drawdown under equity, says the enable map is unused', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(demo.server.url + '/');
    await expect.poll(async () => Number(await attr(page, '#price-chart', 'data-markers')), WAIT).toBeGreaterThan(0);
    await liveOpen(page);
    // A bar of its own (the last SELL filled on the current one).
    await demo.step('HOLD');
    const before = Number(await attr(page, '#price-chart', 'data-markers'));

    // Two cycles on the same bar: a BUY and a SELL filled there make one marker, not two.
    for (const action of ['BUY', 'SELL'] as const) {
      demo.model.next = action;
      const res = (await (await fetch(`${demo.server.url}/trading/run-cycle?symbol=BTCUSDT`, { method: 'POST' })).json()) as {
        execution: { status: string };
      };
      expect(res.execution.status).not.toBe('REJECTED');
    }
    await expect.poll(async () => Number(await attr(page, '#price-chart', 'data-markers')), WAIT).toBe(before + 1);

    // Hovering from the right edge leftwards, the first bar with a marker is that bar: its tooltip lists both fills.
    const box = (await page.locator('#price-chart').boundingBox())!;
    const tip = page.locator('#price-chart .marker-tip');
    let fills = 0;
    for (let x = box.x + box.width - 80; x > box.x + box.width / 2 && fills === 0; x -= 3) {
      await page.mouse.move(x, box.y + box.height * 0.3);
      if (await tip.isVisible()) fills = Number(await tip.getAttribute('data-fills'));
    }
    expect(fills).toBe(2);
    expect(await tip.textContent()).toMatch(/BUY.*SELL|SELL.*BUY/);
    await page.locator('.area-chart').screenshot({ path: join(OUT, 'dashboard-marker-tooltip.png') });

    // The drawdown pane's deepest point is the API's max drawdown of the same curve.
    const perf = (await (await fetch(`${demo.server.url}/api/performance`)).json()) as { summary: { max_drawdown: number } };
    await expect
      .poll(async () => Number(await attr(page, '#equity-chart', 'data-drawdown')), WAIT)
      .toBeCloseTo(-perf.summary.max_drawdown * 100, 3);

    // The demo runs the pipeline protocol: the regime panel says the map is not read and where tallies come from.
    expect(await page.locator('[data-testid=enable-map-unused]').textContent()).toContain('unused under the pipeline protocol');
    expect(await page.locator('[data-testid=tallies-empty]').textContent()).toContain('brain protocol');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('turns the venue indicator red within one cycle of the venue dying, and green at the next good one', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    await page.goto(demo.server.url + '/');
    const pill = '#feeds [data-venue=binance]';
    await expect.poll(() => attr(page, pill, 'data-state'), WAIT).toBe('polling');
    await liveOpen(page);

    demo.fake.control.failNext(1000, 502);
    const res = (await demo.step('HOLD')) as { error?: { code: string } };
    expect(res.error?.code).toBe('MARKET_DATA_UNAVAILABLE');
    await expect.poll(() => attr(page, pill, 'data-state'), WAIT).toBe('down');
    const color = await page.evaluate(`getComputedStyle(document.querySelector('${pill}')).color`);
    expect(color).toBe('rgb(239, 83, 80)');
    await page.screenshot({ path: join(OUT, 'dashboard-feed-down.png') });

    demo.fake.control.reset();
    await demo.step('HOLD');
    await expect.poll(() => attr(page, pill, 'data-state'), WAIT).toBe('polling');
    await page.close();
  });

  it('shows a banner with the reason while halted, and the header keeps every control', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await page.goto(demo.server.url + '/');
    await expect.poll(() => page.locator('[data-testid=risk-state]').textContent(), WAIT).toBe('ACTIVE');
    expect(await page.locator('#risk-banner').isHidden()).toBe(true);
    await page.locator('#halt').click();
    await expect.poll(() => page.locator('#risk-banner').isVisible(), WAIT).toBe(true);
    const banner = (await page.locator('#risk-banner').textContent()) ?? '';
    expect(banner).toContain('HALTED');
    expect(banner).toContain('halted from the dashboard');
    // Nothing in the header is cut off: every control lies inside the viewport.
    for (const id of ['#symbol', '#run-cycle', '#resume', '#live']) {
      const box = await page.locator(id).boundingBox();
      expect(box, id).not.toBeNull();
      expect(box!.x + box!.width, id).toBeLessThanOrEqual(390);
    }
    expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(OUT, 'dashboard-halted-390.png') });
    await page.locator('#resume').click();
    await expect.poll(() => page.locator('#risk-banner').isHidden(), WAIT).toBe(true);
    await page.close();
  });

  it('starts in the system colour scheme, switches between light and dark, and remembers the choice', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    await page.goto(demo.server.url + '/');
    const theme = () => page.evaluate('document.documentElement.dataset.theme');
    const background = () => page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(await theme()).toBe('light');
    expect(await background()).toBe('rgb(244, 246, 249)');
    await expect.poll(() => attr(page, '#perf', 'data-trades'), WAIT).not.toBe('0');
    await page.mouse.move(1, 1);
    await page.screenshot({ path: join(OUT, 'dashboard-light-1280x800.png') });

    await page.locator('#theme').click();
    expect(await theme()).toBe('dark');
    expect(await background()).toBe('rgb(13, 17, 23)');
    await page.reload();
    expect(await theme()).toBe('dark');
    await page.close();
  });
});

describe.skipIf(!hasChromium)('dashboard: a stock outside its regular session', () => {
  const SATURDAY = Date.parse('2021-03-27T15:00:00Z');
  let yahoo: RunningFake;
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    yahoo = await startFakeYahoo({ symbols: ['AAPL'], now: SATURDAY });
    server = await startTestServer(
      { MARKET_SOURCE: 'yahoo', YAHOO_BASE_URL: yahoo.url, DEFAULT_SYMBOL: 'AAPL', KLINE_INTERVAL: '1d' },
      { now: SATURDAY, model: new ScriptedModel() },
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await yahoo?.close();
  });

  it('says market closed beside the chart title', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/#AAPL`);
    await expect.poll(() => page.locator('#market-status').textContent(), WAIT).toBe('market closed');
    await page.close();
  });
});
