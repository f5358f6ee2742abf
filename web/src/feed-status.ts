import { h } from './dom.js';
import './feed.css';
import type { RiskState } from './types.js';

/** GET /api/feeds and the `feed` message of /ws (see /openapi.json, schema Feed). */
export interface Feed {
  venue: string;
  state: 'waiting' | 'polling' | 'local' | 'stale' | 'down';
  last_candle_time: string | null;
  consecutive_failures: number;
  last_error_code: string | null;
}

const TITLES: Record<Feed['state'], string> = {
  waiting: 'no cycle has read this venue yet',
  polling: 'live venue, read over REST at each cycle; newest candle fresh',
  local: 'synthetic or recorded data, read in-process',
  stale: 'the newest candle is older than 3 intervals',
  down: 'the last cycle could not read this venue',
};

/** One pill per venue beside the WebSocket pill: green polling/local, amber stale/waiting, red down. */
export function feedPills(feeds: readonly Feed[]): HTMLElement[] {
  return feeds.map((f) => {
    const detail =
      f.state === 'down'
        ? ` (${f.last_error_code ?? 'error'}, ${f.consecutive_failures} failed cycle${f.consecutive_failures === 1 ? '' : 's'})`
        : '';
    return h(
      'span',
      {
        class: `feed-pill feed-${f.state}`,
        'data-venue': f.venue,
        'data-state': f.state,
        title: `${f.venue}: ${TITLES[f.state]}${detail}`,
      },
      `${f.venue} ${f.state}`,
    );
  });
}

/** Feeds by venue with one venue's change applied (a `feed` message). */
export function withFeed(feeds: readonly Feed[], change: Feed): Feed[] {
  const out = feeds.filter((f) => f.venue !== change.venue);
  out.push(change);
  return out.sort((a, b) => (a.venue < b.venue ? -1 : 1));
}

/** The banner under the header while the risk governor is not ACTIVE, with its reason; null when ACTIVE. */
export function riskBanner(risk: RiskState | null): HTMLElement | null {
  if (!risk || risk.state === 'ACTIVE') return null;
  const what =
    risk.state === 'HALTED'
      ? 'Trading is HALTED: no new orders until you resume.'
      : 'Risk is REDUCING: new positions are refused, open ones may only shrink.';
  // The reason already starts with its code (`MANUAL_HALT: ...`); the code is added only when it does not.
  const code = risk.reason_code && !risk.reason?.startsWith(risk.reason_code) ? ` (${risk.reason_code})` : '';
  return h('div', {}, h('b', {}, what), risk.reason ? ` ${risk.reason}` : '', code ? h('span', { class: 'muted' }, code) : null);
}

/** `market closed` beside the chart title for a stock outside its session; nothing for 24/7 markets. */
export function marketStatus(market: { status: 'open' | 'closed'; session_start: string; session_end: string } | null): string {
  if (!market) return '';
  return market.status === 'closed' ? 'market closed' : 'market open';
}
