/**
 * Holes in recorded candles: a gap between two consecutive candles longer than the interval (exchange
 * maintenance, outages, a file stitched from separate downloads). A backtest must not pretend the market was
 * watched through one:
 * - the market monitor restarts indicator and strategy state after it (market-monitor.ts `contiguousTail`);
 * - per-bar returns are computed within contiguous segments only: the equity change from the last bar before a
 *   hole to the first bar after it is left out of Sharpe, Sortino and CAGR, and CAGR compounds the remaining
 *   returns over the time actually traded (bars x interval), not the calendar span (metrics.ts);
 * - the run lists them (count, longest, where) in its result, `summary.md` and a console warning.
 */
export interface Hole {
  readonly symbol: string;
  /** Open time of the last candle before the hole and of the first candle after it (epoch ms). */
  readonly lastBefore: number;
  readonly firstAfter: number;
  /** Candles missing between the two. */
  readonly missingBars: number;
  /** Length of the hole, ms (missingBars x interval). */
  readonly durationMs: number;
}

export interface HoleReport {
  readonly count: number;
  readonly missingBars: number;
  /** The hole with the most missing bars (first on ties), null when there is none. */
  readonly longest: Hole | null;
  /** Every hole, oldest first (per symbol, then merged by time). */
  readonly holes: readonly Hole[];
}

export const NO_HOLES: HoleReport = { count: 0, missingBars: 0, longest: null, holes: [] };

/**
 * The holes of one symbol's series whose first candle after the hole closes within `[from, to]` (the close
 * times of the run's first and last cycle), i.e. the holes the run traded across.
 */
export function findHoles(symbol: string, openTime: ArrayLike<number>, barMs: number, from: number, to: number): Hole[] {
  const out: Hole[] = [];
  for (let i = 1; i < openTime.length; i++) {
    const gap = openTime[i] - openTime[i - 1];
    if (gap <= barMs) continue;
    const closeAfter = openTime[i] + barMs - 1;
    if (closeAfter <= from || closeAfter > to) continue;
    const missingBars = Math.round(gap / barMs) - 1;
    out.push({ symbol, lastBefore: openTime[i - 1], firstAfter: openTime[i], missingBars, durationMs: missingBars * barMs });
  }
  return out;
}

/** Summary of holes from several symbols, sorted by time. */
export function holeReport(holes: readonly Hole[]): HoleReport {
  if (holes.length === 0) return NO_HOLES;
  const sorted = [...holes].sort((a, b) => a.firstAfter - b.firstAfter || a.symbol.localeCompare(b.symbol));
  let longest = sorted[0];
  let missing = 0;
  for (const h of sorted) {
    missing += h.missingBars;
    if (h.missingBars > longest.missingBars) longest = h;
  }
  return { count: sorted.length, missingBars: missing, longest, holes: sorted };
}

/** Close times of the first candle after each hole: the equity points whose return spans a hole. */
export function holeBreaks(report: HoleReport, barMs: number): ReadonlySet<number> {
  return new Set(report.holes.map((h) => h.firstAfter + barMs - 1));
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/:00\.000Z$/, 'Z');

function days(ms: number): string {
  return `${(ms / 86_400_000).toFixed(ms < 86_400_000 ? 2 : 1)} days`;
}

/** One line for the console, or null without holes. */
export function holeWarning(report: HoleReport): string | null {
  const l = report.longest;
  if (!l) return null;
  return `warning: ${report.count} hole(s) in the candles (${report.missingBars} missing bars; longest ${l.symbol} ${iso(l.lastBefore)} -> ${iso(l.firstAfter)}, ${l.missingBars} bars, ${days(l.durationMs)}): indicators restart after each, and the jump across a hole is excluded from Sharpe, Sortino and CAGR`;
}

/** The `summary.md` section: a warning and a table of the holes (the first 50). */
export function holesMarkdown(report: HoleReport): string {
  if (report.count === 0) return '## Holes in the data\n\nNone: every traded candle follows the previous one by exactly one interval.';
  const shown = report.holes.slice(0, 50);
  return [
    '## Holes in the data',
    '',
    `> **Warning:** ${report.count} hole(s), ${report.missingBars} missing bars. Indicator and strategy state restarts after each hole; the equity change across a hole is excluded from the per-bar returns behind Sharpe, Sortino and CAGR (CAGR compounds over the time actually traded). Total return and max drawdown still include it.`,
    '',
    '| symbol | last candle before | first candle after | missing bars | length |',
    '|---|---|---|---:|---:|',
    ...shown.map((h) => `| ${h.symbol} | ${iso(h.lastBefore)} | ${iso(h.firstAfter)} | ${h.missingBars} | ${days(h.durationMs)} |`),
    ...(report.holes.length > shown.length ? ['', `(${report.holes.length - shown.length} more in the JSON result)`] : []),
  ].join('\n');
}

/** The holes as the JSON result shows them (ISO times). */
export function holesJson(report: HoleReport): Record<string, unknown> {
  const j = (h: Hole) => ({
    symbol: h.symbol,
    last_before: new Date(h.lastBefore).toISOString(),
    first_after: new Date(h.firstAfter).toISOString(),
    missing_bars: h.missingBars,
    duration_days: h.durationMs / 86_400_000,
  });
  return {
    count: report.count,
    missing_bars: report.missingBars,
    longest: report.longest ? j(report.longest) : null,
    list: report.holes.map(j),
  };
}
