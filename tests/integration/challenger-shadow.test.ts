import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { type AppConfig, loadConfig } from '../../src/config.js';
import type { CycleOutcome } from '../../src/engine/trading-engine.js';
import { LOCAL_USER_ID } from '../../src/engine/trading-engine.js';
import type { ChallengerEvent } from '../../src/research/challengers.js';
import { plantedEdgeMarket } from '../../src/research/synthetic.js';
import type { Candidate, MonteCarloBand } from '../../src/research/types.js';
import { createRuntime } from '../../src/runtime.js';
import { embeddedMonitoring, switchOnAtFirstStart } from '../../src/serve.js';
import { followLastBarModel } from '../helpers/follow-last-bar.js';

/**
 * Champion/challenger under the production composition: createRuntime + the embedded scheduler stepping a
 * `MARKET_SOURCE=replay:` recording, exactly as `npm start` runs it. The recording is a planted-edge market
 * (src/research/synthetic.ts) where sma-cross 5/30 has a real edge; the champion is the brain protocol whose
 * enable map runs only ml-classifier, driven by a busy scripted model.
 */

const TRAINING = 200;
const KLINES = 60;
const WARMUP = TRAINING + KLINES + 2;
const TRADED = 500;
const SHADOW_DAYS = 15; // 360 hourly candles, then the verdict; 140 candles after it

const model = followLastBarModel;

function setup(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-challenger-'));
  const candles = plantedEdgeMarket(3, { bars: WARMUP + TRADED, start: Date.UTC(2024, 0, 1) });
  const rows = candles.map((c) => [c.openTime, c.open, c.high, c.low, c.close, c.volume, c.closeTime, '', '', '', ''].join(','));
  const file = join(dir, 'BTCUSDT_1h.csv');
  writeFileSync(
    file,
    `open_time,open,high,low,close,volume,close_time,quote_volume,trades,taker_buy_base,taker_buy_quote\n${rows.join('\n')}\n`,
  );
  return { dir, file };
}

function config(dir: string, file: string, run: string): AppConfig {
  const enableMap = join(dir, `${run}-enable-map.yaml`);
  writeFileSync(
    enableMap,
    'cooldown_bars: 0\nregimes:\n  BULL: [ml-classifier]\n  BEAR: [ml-classifier]\n  RANGE: [ml-classifier]\n  HIGH_VOL: [ml-classifier]\n',
  );
  return loadConfig({
    LOG_LEVEL: 'silent',
    PROTOCOL: 'brain',
    MARKET_SOURCE: `replay:${file}`,
    DEFAULT_SYMBOL: 'BTCUSDT',
    KLINE_INTERVAL: '1h',
    KLINE_LIMIT: String(KLINES),
    TRAINING_CANDLES: String(TRAINING),
    DATABASE_URL: join(dir, `${run}.db`),
    MODEL_PATH: join(dir, 'model.json'),
    REPORTS_DIR: join(dir, `${run}-reports`),
    ENABLE_MAP_PATH: enableMap,
    RESEARCH_CHALLENGER_DAYS: String(SHADOW_DAYS),
    RESEARCH_PROMOTE_REGIMES: 'BULL,BEAR,RANGE,HIGH_VOL',
  });
}

function candidate(campaignId: string, band: MonteCarloBand): Candidate {
  const stats = {
    sharpe: 0.1,
    sortino: 0.15,
    calmar: 2,
    profitFactor: 1.6,
    trades: 240,
    netReturn: 0.3,
    maxDrawdown: 0.08,
    periods: 8760,
    annualisationFactor: 8760,
    skewness: 0,
    kurtosis: 3,
  };
  return {
    campaignId,
    strategy: 'sma-cross',
    params: { fast: 5, slow: 30 },
    research: stats,
    monteCarloBand: band,
    verdict: { verdict: 'PASSED', criteria: [] },
  };
}

interface Run {
  readonly cycles: CycleOutcome[];
  readonly events: ChallengerEvent[];
  readonly enableMap: string;
  readonly promotions: string;
  readonly challengers: ReturnType<Awaited<ReturnType<typeof createRuntime>>['challengers']['list']>;
}

async function paper(c: AppConfig, withChallengers: boolean): Promise<Run> {
  const runtime = await createRuntime(c, pino({ level: 'silent' }), { model });
  const cycles: CycleOutcome[] = [];
  const events: ChallengerEvent[] = [];
  runtime.engine.onCycle((o) => cycles.push(o));
  runtime.challengers.onEvent((e) => events.push(e));
  const monitoring = await embeddedMonitoring(runtime, { stepTimer: false });
  try {
    if (withChallengers) {
      // A wide band: promoted if it beats the champion. A band its results cannot fit: retired with the reason.
      runtime.challengers.propose(candidate('camp-wide', { returnP05: -0.5, returnP95: 2, maxDrawdownP95: 0.5 }));
      runtime.challengers.propose(candidate('camp-narrow', { returnP05: -0.5, returnP95: -0.4, maxDrawdownP95: 0.5 }));
      // Slow 80 > the 72 candles a champion cycle reads (KLINE_LIMIT 60, raised by the kernel for the brain's warm-ups): it shadow-trades (its own kernel reads enough) but is retired.
      runtime.challengers.propose({
        ...candidate('camp-slow', { returnP05: -0.5, returnP95: 2, maxDrawdownP95: 0.5 }),
        params: { fast: 5, slow: 80 },
      });
    }
    await switchOnAtFirstStart(runtime, monitoring.control);
    while (await monitoring.step()) {}
    await monitoring.close();
    const promotionsPath = join(c.REPORTS_DIR, 'promotions.jsonl');
    return {
      cycles,
      events,
      enableMap: readFileSync(c.ENABLE_MAP_PATH, 'utf8'),
      promotions: existsSync(promotionsPath) ? readFileSync(promotionsPath, 'utf8') : '',
      challengers: runtime.challengers.list(),
    };
  } finally {
    await monitoring.close();
    await runtime.close();
  }
}

const orders = (cycles: readonly CycleOutcome[]) =>
  cycles.flatMap((o) =>
    o.reports.filter((r) => r.status !== 'SKIPPED').map((r) => [o.snapshot.candleTime, r.orderId, r.status, r.action, r.quantity, r.price]),
  );
const selected = (o: CycleOutcome) => o.messages.find((m) => m.type === 'StrategiesSelected')?.payload as { enabled: string[] } | undefined;

describe('champion / challenger under npm start', () => {
  it('a challenger shadow-trades on its own book without changing the champion; promotion switches the brain on the next cycle', async () => {
    const { dir, file } = setup();
    const without = await paper(config(dir, file, 'alone'), false);
    const withCh = await paper(config(dir, file, 'shadowed'), true);

    expect(withCh.events.map((e) => e.type)).toEqual([
      'CandidateProposed',
      'ChallengerStarted',
      'CandidateProposed',
      'ChallengerStarted',
      'CandidateProposed',
      'ChallengerStarted',
      'StrategyPromoted',
      'StrategyRetired',
      'StrategyRetired',
    ]);
    const promotedAt = withCh.events.find((e) => e.type === 'StrategyPromoted')!.at;
    const [wide, narrow, slow] = withCh.challengers;
    expect(slow).toMatchObject({ id: 'ch-3', status: 'retired' });
    expect(slow!.reason).toMatch(/warm-up of 80 candles does not fit the \d+ candles a champion cycle reads/);
    expect(slow!.cycles).toBeGreaterThan(300);
    expect(wide).toMatchObject({ id: 'ch-1', status: 'promoted', campaignId: 'camp-wide' });
    expect(narrow).toMatchObject({ id: 'ch-2', status: 'retired' });
    expect(narrow!.reason).toMatch(/above the Monte Carlo 95th percentile/);
    // It traded: shadow cycles and fills on an account that is not the house account.
    expect(wide!.cycles).toBeGreaterThan(300);
    expect(wide!.fills).toBeGreaterThan(5);
    expect(wide!.accountId).not.toBe(LOCAL_USER_ID);
    expect(wide!.shadowReturn).toBeGreaterThan(wide!.championReturn!);
    expect(withCh.cycles.every((o) => o.userId === LOCAL_USER_ID)).toBe(true);

    // Until the promotion the champion's orders, fills and equity are exactly those of the run without challengers.
    const untilPromotion = (r: Run) => r.cycles.filter((o) => o.snapshot.candleTime <= promotedAt);
    expect(untilPromotion(withCh).length).toBeGreaterThan(300);
    expect(orders(untilPromotion(withCh))).toEqual(orders(untilPromotion(without)));
    expect(orders(untilPromotion(without)).length).toBeGreaterThan(50);
    expect(untilPromotion(withCh).map((o) => o.portfolio.equity)).toEqual(untilPromotion(without).map((o) => o.portfolio.equity));

    // The promotion: the enable map (file too) runs sma-cross 5/30, promotions.jsonl has the line.
    expect(withCh.enableMap).toMatch(/sma-cross/);
    expect(withCh.enableMap).toMatch(/strategy_params:\s*\n\s*sma-cross:\s*\n\s*fast: 5\s*\n\s*slow: 30/);
    expect(without.enableMap).not.toMatch(/sma-cross/);
    const lines = withCh.promotions
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      challenger_id: 'ch-1',
      campaign_id: 'camp-wide',
      strategy: 'sma-cross',
      params: { fast: 5, slow: 30 },
    });

    // The brain's selection: without sma-cross up to the promotion, with it from the very next cycle.
    const next = withCh.cycles.findIndex((o) => o.snapshot.candleTime > promotedAt);
    expect(selected(withCh.cycles[next - 1]!)?.enabled).not.toContain('sma-cross');
    expect(selected(withCh.cycles[next]!)?.enabled).toContain('sma-cross');
    expect(selected(without.cycles[next]!)?.enabled).not.toContain('sma-cross');
  }, 120_000);
});
