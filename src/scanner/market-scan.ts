import { contiguousTail } from '../agents/market-monitor.js';
import { type Candle, type Interval, intervalMs } from '../domain/candle.js';
import { ConclaveError, ERROR_CODES, type ErrorCode, isConclaveError } from '../domain/errors.js';
import type { MarketDataSource } from '../market/port.js';
import { buildCandidate, type Candidate, compareCandidates, type FilterThresholds, type TimeframeView, viewTimeframe } from './analysis.js';
import type { RiskParams } from './calibration.js';
import type { DetectorParams } from './detectors.js';
import { buildIndicatorSet, DEFAULT_INDICATOR_PARAMS, type IndicatorParams, type IndicatorSet } from './indicator-set.js';
import { mapLimit } from './map-limit.js';
import { type BtcAnalysis, btcAnalysis, type MarketOverview, marketOverview } from './market-overview.js';
import { topByQuoteVolume, type UniverseSource } from './universe.js';

/** Everything one scan needs to know; built from config by the service. */
export interface ScanSettings {
  /** Timeframes analysed per candidate, e.g. 15m, 1h, 4h. */
  readonly timeframes: readonly Interval[];
  /** Timeframe the detectors run on for the whole universe (must be one of `timeframes`). */
  readonly signalTimeframe: Interval;
  /** Universe size when no symbols are given: top USDT pairs by 24 h quote volume. */
  readonly universeSize: number;
  /** Candles fetched per symbol and timeframe (history for indicators and calibration), <= 1000. */
  readonly candles: number;
  /** Venue requests in flight at most (<= 10). */
  readonly concurrency: number;
  /** A setup that fired on any of the last this many closed bars counts. */
  readonly recencyBars: number;
  /** Symbols with a setup analysed on every timeframe at most (strongest first). */
  readonly maxDeep: number;
  /** Opportunities published at most. */
  readonly top: number;
  readonly detector: DetectorParams;
  readonly risk: RiskParams;
  readonly filters: FilterThresholds;
  readonly indicators?: IndicatorParams;
}

export interface ScanError {
  readonly symbol: string;
  readonly interval: Interval | null;
  readonly code: string;
  readonly message: string;
}

export interface MarketScan {
  readonly universe: readonly string[];
  readonly universeSource: 'explicit' | 'top_by_quote_volume';
  /** Every candidate analysed, best first (passed or not). */
  readonly candidates: readonly Candidate[];
  readonly errors: readonly ScanError[];
  readonly requests: number;
  /** Breadth, advancers/decliners, movers and volatility of the universe on the signal timeframe. */
  readonly overview: MarketOverview;
  /** BTC on every scan timeframe; null when it could not be read (the reason is in `errors`). */
  readonly btc: BtcAnalysis | null;
  /** The venue's clock when the scan started (epoch ms): candles closing after it were still forming. */
  readonly venueTime: number;
}

/** The symbol the BTC analysis reads. */
export const BTC_SYMBOL = 'BTCUSDT';

export interface ScanDeps {
  readonly market: MarketDataSource;
  readonly universe?: UniverseSource;
  /**
   * Wall clock or sim time (epoch ms), used only when the venue has no clock of its own (`getServerTime`): a
   * candle closing after the venue's time is still forming and is dropped.
   */
  readonly now: () => number;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Scans the universe: the signal timeframe of every symbol (at most `concurrency` requests in flight), then
 * every timeframe of the symbols where a setup fired, then candidates with confluence, calibrated
 * probability and the filters they fail; then the market overview and the BTC analysis. Candles are judged
 * closed by the venue's clock, and indicators start over after a hole. A symbol whose data fails is reported
 * in `errors`, not thrown.
 * @throws ConclaveError VALIDATION_ERROR for an empty universe; whatever the clock or ticker call throws;
 * MARKET_DATA_UNAVAILABLE (or the venue's code) when not one symbol of the universe could be read: a venue
 * that answers nothing is down, not a quiet market.
 */
export async function scanMarket(settings: ScanSettings, deps: ScanDeps, symbols?: readonly string[]): Promise<MarketScan> {
  if (!settings.timeframes.includes(settings.signalTimeframe)) {
    throw new ConclaveError(
      'VALIDATION_ERROR',
      `signal timeframe ${settings.signalTimeframe} must be one of the scan timeframes (${settings.timeframes.join(', ')})`,
      { field: 'signalTimeframe' },
    );
  }
  const venueTime = deps.market.getServerTime ? await deps.market.getServerTime() : deps.now();
  const volumes = new Map<string, number>();
  let universe: string[];
  let universeSource: MarketScan['universeSource'];
  if (symbols && symbols.length > 0) {
    universe = [...new Set(symbols.map((s) => s.trim().toUpperCase()))];
    universeSource = 'explicit';
  } else {
    if (!deps.universe) {
      throw new ConclaveError('VALIDATION_ERROR', `${deps.market.venue} lists no 24 h tickers: name the symbols to scan`, {
        field: 'symbols',
      });
    }
    const top = topByQuoteVolume(await deps.universe.get24hTickers(), settings.universeSize);
    for (const t of top) volumes.set(t.symbol, t.quoteVolume);
    universe = top.map((t) => t.symbol);
    universeSource = 'top_by_quote_volume';
  }
  if (universe.length === 0) throw new ConclaveError('VALIDATION_ERROR', 'the scan universe is empty', { field: 'symbols' });

  const errors: ScanError[] = [];
  const sets = new Map<string, IndicatorSet>();
  let requests = 0;
  let done = 0;
  let total = universe.length;
  const fetchSet = async (symbol: string, interval: Interval): Promise<IndicatorSet> => {
    requests++;
    try {
      const closed = closedOnly(await deps.market.getRecentKlines(symbol, interval, settings.candles), venueTime);
      // No indicator window may span missing candles: after a hole the set starts over.
      const candles = contiguousTail(closed, intervalMs(interval));
      const set = buildIndicatorSet(candles, settings.indicators ?? DEFAULT_INDICATOR_PARAMS);
      sets.set(`${symbol}|${interval}`, set);
      return set;
    } catch (error) {
      errors.push(scanError(symbol, interval, error));
      throw error;
    } finally {
      deps.onProgress?.(++done, total);
    }
  };

  const signal = settings.signalTimeframe;
  const stage1 = await mapLimit(universe, settings.concurrency, async (symbol) => {
    const set = await fetchSet(symbol, signal);
    return { symbol, view: viewTimeframe(signal, set, settings.detector, settings.recencyBars) };
  });
  if (stage1.every((r) => !r.ok)) {
    const first = errors[0];
    throw new ConclaveError(
      first && isErrorCode(first.code) ? first.code : 'MARKET_DATA_UNAVAILABLE',
      `${deps.market.venue}: none of the ${universe.length} symbols could be read (${first ? `${first.symbol}: ${first.message}` : 'no answer'})`,
      { venue: deps.market.venue, failed: universe.length },
    );
  }
  const withSetups = stage1
    .flatMap((r) => (r.ok && r.value.view.hits.length > 0 ? [r.value] : []))
    // Strongest first: more setups, then more volume.
    .sort((a, b) => b.view.hits.length - a.view.hits.length || (volumes.get(b.symbol) ?? 0) - (volumes.get(a.symbol) ?? 0))
    .slice(0, settings.maxDeep);

  const others = settings.timeframes.filter((tf) => tf !== signal);
  const jobs = withSetups.flatMap((c) => others.map((interval) => ({ symbol: c.symbol, interval })));
  total += jobs.length;
  await mapLimit(jobs, settings.concurrency, (job) => fetchSet(job.symbol, job.interval));

  const candidates: Candidate[] = [];
  for (const { symbol, view } of withSetups) {
    const views: TimeframeView[] = [];
    for (const interval of settings.timeframes) {
      if (interval === signal) {
        views.push(view);
        continue;
      }
      const set = sets.get(`${symbol}|${interval}`);
      // A timeframe that could not be read cannot confirm anything: it counts as not aligned.
      views.push(
        set
          ? viewTimeframe(interval, set, settings.detector, settings.recencyBars)
          : viewTimeframe(interval, buildIndicatorSet([]), settings.detector, 1),
      );
    }
    const candidate = buildCandidate({
      symbol,
      signal: { interval: signal, set: sets.get(`${symbol}|${signal}`)!, view },
      views,
      detector: settings.detector,
      risk: settings.risk,
      filters: settings.filters,
      quoteVolume24h: volumes.get(symbol) ?? null,
    });
    if (candidate) candidates.push(candidate);
  }
  candidates.sort(compareCandidates);

  const signalSets = new Map<string, IndicatorSet>();
  for (const symbol of universe) {
    const set = sets.get(`${symbol}|${signal}`);
    if (set) signalSets.set(symbol, set);
  }
  const btcMissing = settings.timeframes.filter((tf) => !sets.has(`${BTC_SYMBOL}|${tf}`));
  total += btcMissing.length;
  await mapLimit(btcMissing, settings.concurrency, (interval) => fetchSet(BTC_SYMBOL, interval));
  const btcViews = settings.timeframes.flatMap((interval) => {
    const set = sets.get(`${BTC_SYMBOL}|${interval}`);
    return set ? [{ interval, set }] : [];
  });
  return {
    universe,
    universeSource,
    candidates,
    errors,
    requests,
    overview: marketOverview(signalSets, signal),
    btc: btcViews.length > 0 ? btcAnalysis(BTC_SYMBOL, btcViews) : null,
    venueTime,
  };
}

/** Drops candles still forming at `now` (venues return the current bar). */
export function closedOnly(candles: readonly Candle[], now: number): Candle[] {
  let end = candles.length;
  while (end > 0 && candles[end - 1].closeTime > now) end--;
  return candles.slice(0, end);
}

function isErrorCode(code: string): code is ErrorCode {
  return code in ERROR_CODES;
}

function scanError(symbol: string, interval: Interval | null, error: unknown): ScanError {
  return {
    symbol,
    interval,
    code: isConclaveError(error) ? error.code : 'INTERNAL_ERROR',
    message: error instanceof Error ? error.message : String(error),
  };
}
