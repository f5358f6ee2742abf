import { z } from 'zod';
import { INTERVALS } from '../domain/candle.js';
import type { Candidate, TimeframeView } from './analysis.js';
import { SETUP_KINDS } from './detectors.js';

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const Probability = z.object({
  /** hits / sample, null with no past occurrence. */
  estimate: z.number().nullable(),
  hits: z.number().int(),
  stops: z.number().int(),
  timeouts: z.number().int(),
  sample: z.number().int(),
  lower_95: z.number().nullable(),
  sufficient: z.boolean(),
  bars: z.number().int(),
  note: z.string(),
});

const TimeframeJson = z.object({
  interval: z.enum(INTERVALS),
  bars: z.number().int(),
  close_time: z.string().nullable(),
  close: z.number().nullable(),
  rsi: z.number().nullable(),
  trend_ema: z.number().nullable(),
  macd_hist: z.number().nullable(),
  bias: z.enum(['bullish', 'bearish', 'neutral']),
  aligned: z.boolean(),
  setups: z.array(z.enum(SETUP_KINDS)),
});

export const OpportunityJson = z
  .object({
    rank: z.number().int().nullable(),
    symbol: z.string(),
    direction: z.literal('LONG'),
    setup: z.enum(SETUP_KINDS),
    signal_timeframe: z.enum(INTERVALS),
    signal_time: z.string(),
    reason: z.string(),
    entry: z.number(),
    stop: z.number(),
    target: z.number(),
    atr: z.number(),
    rr: z.number(),
    confluence: z.number(),
    confluence_components: z.object({
      setups: z.number(),
      alignment: z.number(),
      volume: z.number(),
      multi_timeframe_setup: z.number(),
      reward_risk: z.number(),
    }),
    probability: Probability,
    aligned_timeframes: z.number().int(),
    timeframe_count: z.number().int(),
    timeframes: z.array(TimeframeJson),
    all_setups: z.array(z.object({ setup: z.enum(SETUP_KINDS), reason: z.string(), facts: z.record(z.string(), z.number()) })),
    passed: z.boolean(),
    failed_filters: z.array(z.string()),
    rationale: z.string().nullable(),
    quote_volume_24h: z.number().nullable(),
  })
  .meta({ id: 'ScannerOpportunity' });
export type OpportunityJson = z.infer<typeof OpportunityJson>;

const Usage = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  cost_usd: z.number().nullable(),
});

const VolatilityRegime = z.enum(['compressed', 'normal', 'elevated']).nullable();

/** Seed 004's market overview: breadth, advancers/decliners, top movers, volatility regime (signal timeframe). */
export const OverviewJson = z.object({
  measured: z.number().int().describe('Symbols with at least 50 closed candles'),
  breadth_above_sma50: z.number().nullable().describe('Share (0..1) of the measured universe closing above its own 50-bar mean'),
  advancers: z.number().int().describe('Symbols up over the last 24 h of closed candles'),
  decliners: z.number().int(),
  top_movers: z.array(z.object({ symbol: z.string(), change_24h_pct: z.number() })),
  volatility_ratio: z.number().nullable().describe('Median of ATR% now / its own median over the fetched history'),
  volatility: VolatilityRegime.describe('elevated above 1.3, compressed below 0.75, else normal'),
});

/** Seed 004's BTC analysis: trend and key levels per timeframe, regime. */
export const BtcJson = z.object({
  symbol: z.string(),
  price: z.number().describe('Close of the newest closed candle of the shortest timeframe'),
  timeframes: z.array(
    z.object({
      interval: z.enum(INTERVALS),
      trend: z.enum(['up', 'down', 'sideways']),
      close: z.number(),
      ema: z.number(),
      support: z.number().describe('Lowest low of the Donchian window'),
      resistance: z.number().describe('Highest high of the Donchian window'),
      atr_pct: z.number(),
    }),
  ),
  regime: z.enum(['trending_up', 'trending_down', 'mixed']),
  volatility: VolatilityRegime,
});

/** The schema of data/latest_analysis.json and of GET /api/scanner/latest (documented in docs/scanner-output.md). */
export const ScanReport = z
  .object({
    schema_version: z.literal(2),
    generated_at: z.string(),
    venue: z.string(),
    venue_time: z.string().describe("The venue's clock when the scan started: candles closing later were still forming"),
    overview: OverviewJson,
    btc: BtcJson.nullable(),
    universe: z.object({
      source: z.enum(['explicit', 'top_by_quote_volume']),
      size: z.number().int(),
      symbols: z.array(z.string()),
    }),
    timeframes: z.array(z.enum(INTERVALS)),
    signal_timeframe: z.enum(INTERVALS),
    thresholds: z.object({
      min_confluence: z.number(),
      min_probability: z.number(),
      min_rr: z.number(),
      min_aligned: z.number().int(),
      min_sample: z.number().int(),
      top: z.number().int(),
    }),
    ranking: z.object({
      method: z.enum(['llm', 'deterministic']),
      model: z.string().nullable(),
      note: z.string(),
      attempts: z.number().int(),
      usage: Usage.nullable(),
    }),
    summary: z.string().nullable(),
    top: z.array(OpportunityJson),
    reason_fewer: z.string().nullable(),
    candidates: z.array(OpportunityJson),
    errors: z.array(z.object({ symbol: z.string(), interval: z.string().nullable(), code: z.string(), message: z.string() })),
    stats: z.object({
      symbols_scanned: z.number().int(),
      requests: z.number().int(),
      candidates: z.number().int(),
      passed: z.number().int(),
      duration_ms: z.number(),
    }),
    telegram: z.object({ sent: z.boolean(), message_id: z.number().nullable(), error: z.string().nullable() }).nullable(),
  })
  .meta({ id: 'ScanReport' });
export type ScanReport = z.infer<typeof ScanReport>;

/** Human note on the sample behind a probability. */
export function probabilityNote(c: Candidate, minSample: number): string {
  const cal = c.calibration;
  const base = `${cal.hits} of ${cal.sample} past ${c.setup} setups on ${c.symbol} ${c.signalInterval} (last ${cal.bars} bars) reached target before stop`;
  return cal.sufficient ? base : `${base}; sample below ${minSample}: probability not established`;
}

/** The JSON form of a candidate (snake_case, ISO times). */
export function opportunityJson(c: Candidate, rank: number | null, rationale: string | null, minSample: number): OpportunityJson {
  const signalView = c.timeframes.find((v) => v.interval === c.signalInterval);
  return {
    rank,
    symbol: c.symbol,
    direction: 'LONG',
    setup: c.setup,
    signal_timeframe: c.signalInterval,
    signal_time: iso(signalView && signalView.bars > 0 ? signalView.closeTime : 0),
    reason: c.hit.reason,
    entry: c.levels.entry,
    stop: c.levels.stop,
    target: c.levels.target,
    atr: c.levels.atr,
    rr: Math.round(c.levels.rr * 100) / 100,
    confluence: c.confluence,
    confluence_components: {
      setups: c.breakdown.setups,
      alignment: Math.round(c.breakdown.alignment * 100) / 100,
      volume: c.breakdown.volume,
      multi_timeframe_setup: c.breakdown.multiTimeframeSetup,
      reward_risk: c.breakdown.rewardRisk,
    },
    probability: {
      estimate: c.calibration.estimate,
      hits: c.calibration.hits,
      stops: c.calibration.stops,
      timeouts: c.calibration.timeouts,
      sample: c.calibration.sample,
      lower_95: c.calibration.lower95,
      sufficient: c.calibration.sufficient,
      bars: c.calibration.bars,
      note: probabilityNote(c, minSample),
    },
    aligned_timeframes: c.alignedCount,
    timeframe_count: c.timeframes.length,
    timeframes: c.timeframes.map(timeframeJson),
    all_setups: c.signalHits.map((h) => ({ setup: h.kind, reason: h.reason, facts: { ...h.facts } })),
    passed: c.failed.length === 0,
    failed_filters: [...c.failed],
    rationale,
    quote_volume_24h: c.quoteVolume24h,
  };
}

function timeframeJson(v: TimeframeView): z.infer<typeof TimeframeJson> {
  return {
    interval: v.interval,
    bars: v.bars,
    close_time: v.bars > 0 ? iso(v.closeTime) : null,
    close: v.bars > 0 ? v.close : null,
    rsi: v.rsi,
    trend_ema: v.trendEma,
    macd_hist: v.macdHist,
    bias: v.bias,
    aligned: v.aligned,
    setups: v.hits.map((h) => h.kind),
  };
}

export { iso as isoTime };
