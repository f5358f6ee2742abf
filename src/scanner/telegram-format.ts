import { isConclaveError } from '../domain/errors.js';
import type { ScanReport } from './report.js';

/** Telegram rejects messages longer than this (characters; we count UTF-16 units of the HTML, which is stricter). */
export const TELEGRAM_MAX_CHARS = 4096;

/** Escapes text for Telegram's HTML parse mode: only &, < and > are special outside attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A price with sensible precision: 2 decimals from 1000 up, else 6 significant digits. */
export function formatPrice(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1000) return x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return Number(x.toPrecision(6)).toString();
}

const SETUP_LABEL: Readonly<Record<string, string>> = {
  oversold: 'oversold bounce',
  breakout: 'breakout',
  trend_reversal: 'trend reversal',
};

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(0)}%`);

function cut(text: string, max: number): string {
  if (max <= 0) return '';
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/**
 * The scan as a Telegram HTML message (parse_mode HTML), at most 4,096 characters: rationales and the summary
 * are shortened first, then dropped, until it fits. All dynamic text is escaped. Pure.
 */
export function formatTelegramMessage(report: ScanReport): string {
  for (const limit of [700, 350, 160, 60, 0]) {
    const text = compose(report, limit);
    if (text.length <= TELEGRAM_MAX_CHARS) return text;
  }
  // Only reachable with absurd inputs (thousands of characters of symbol names): keep the head.
  return compose(report, 0)
    .slice(0, TELEGRAM_MAX_CHARS - 1)
    .replace(/<[^>]*$|&[a-z]*$/i, '');
}

const TREND_MARK: Readonly<Record<string, string>> = { up: '▲', down: '▼', sideways: '▶' };
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;

/**
 * Seed 004's `format_market_summary`: the market overview (breadth, advancers vs decliners, top movers,
 * volatility regime) and the BTC analysis (trend per timeframe, key levels, regime), as escaped HTML lines. Pure.
 */
export function formatMarketSummary(r: Pick<ScanReport, 'overview' | 'btc' | 'signal_timeframe'>): string[] {
  const o = r.overview;
  const lines = [
    `<b>📊 Market</b> (${escapeHtml(r.signal_timeframe)}): breadth ${o.breadth_above_sma50 === null ? 'n/a' : pct(o.breadth_above_sma50)} above 50-bar mean · ${o.advancers}▲ / ${o.decliners}▼ · volatility ${escapeHtml(o.volatility ?? 'n/a')}`,
  ];
  if (o.top_movers.length > 0) {
    lines.push(`Movers 24 h: ${o.top_movers.map((m) => `${escapeHtml(m.symbol)} ${signed(m.change_24h_pct)}`).join(', ')}`);
  }
  const b = r.btc;
  if (!b) {
    lines.push('<b>₿ BTC</b>: not available in this scan (see errors)');
    return lines;
  }
  const trends = b.timeframes.map((t) => `${escapeHtml(t.interval)} ${TREND_MARK[t.trend]}`).join(' ');
  const levels = b.timeframes[0];
  lines.push(
    `<b>₿ ${escapeHtml(b.symbol)}</b> <code>${formatPrice(b.price)}</code> · ${trends} · ${escapeHtml(b.regime.replace('_', ' '))}, volatility ${escapeHtml(b.volatility ?? 'n/a')}`,
  );
  lines.push(
    `Key levels (${escapeHtml(levels.interval)}): support <code>${formatPrice(levels.support)}</code> · resistance <code>${formatPrice(levels.resistance)}</code>`,
  );
  return lines;
}

/**
 * Seed 004's `format_error`: the message published instead of a scan when the market could not be read, so a
 * venue outage never reads as a quiet market. Pure.
 */
export function formatErrorMessage(e: { venue: string; at: string; error: unknown }): string {
  const when = e.at.replace('T', ' ').replace(/:\d\dZ$/, ' UTC');
  const what = isConclaveError(e.error)
    ? `${e.error.code}: ${e.error.message}`
    : e.error instanceof Error
      ? e.error.message
      : String(e.error);
  return [
    `<b>⚠️ Market scan failed</b> · ${escapeHtml(when)}`,
    `The ${escapeHtml(e.venue)} market data could not be read, so no analysis was published.`,
    `<code>${escapeHtml(cut(what, 600))}</code>`,
    'The next scheduled scan will try again.',
  ].join('\n');
}

function compose(r: ScanReport, textLimit: number): string {
  const lines: string[] = [];
  const when = r.generated_at.replace('T', ' ').replace(/:\d\dZ$/, ' UTC');
  lines.push(`<b>🔎 Market scan</b> · ${escapeHtml(when)}`);
  const ranking =
    r.ranking.method === 'llm'
      ? `LLM (${escapeHtml(r.ranking.model ?? '?')})`
      : `deterministic${r.ranking.note ? ` (${escapeHtml(cut(r.ranking.note, Math.max(textLimit, 80)))})` : ''}`;
  lines.push(`${r.universe.size} ${escapeHtml(r.venue)} pairs · ${escapeHtml(r.timeframes.join('/'))} · ranking: ${ranking}`);
  lines.push('');
  lines.push(...formatMarketSummary(r));
  lines.push('');
  if (r.top.length === 0) {
    lines.push('<b>No opportunity passed the filters.</b>');
  }
  for (const o of r.top) {
    lines.push(
      `<b>${o.rank ?? '•'}. ${escapeHtml(o.symbol)}</b> — LONG · ${escapeHtml(SETUP_LABEL[o.setup] ?? o.setup)} (${escapeHtml(o.signal_timeframe)})`,
    );
    lines.push(
      `Entry <code>${formatPrice(o.entry)}</code> · Stop <code>${formatPrice(o.stop)}</code> · Target <code>${formatPrice(o.target)}</code> · R:R ${o.rr.toFixed(2)}`,
    );
    lines.push(
      `Confluence ${o.confluence.toFixed(1)}/10 · Probability ${pct(o.probability.estimate)} (${o.probability.hits}/${o.probability.sample} past setups)`,
    );
    lines.push(`Timeframes: ${o.timeframes.map((t) => `${escapeHtml(t.interval)} ${t.aligned ? '✅' : '❌'}`).join(' ')}`);
    const why = o.rationale ?? o.reason;
    const shown = cut(why, textLimit);
    if (shown) lines.push(`<i>${escapeHtml(shown)}</i>`);
    lines.push('');
  }
  if (r.reason_fewer) lines.push(`<i>${escapeHtml(cut(r.reason_fewer, Math.max(textLimit, 200)))}</i>`);
  if (r.summary && textLimit > 0) lines.push(`📝 ${escapeHtml(cut(r.summary, textLimit))}`);
  lines.push('⚠️ Research output for paper trading, not financial advice. Probabilities are historical hit rates.');
  return lines.join('\n');
}
