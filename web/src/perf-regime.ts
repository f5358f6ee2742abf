import { h, num, pct } from './dom.js';
import type { Regime, Strategies } from './types.js';

/** The research agent's per-strategy, per-regime tallies in GET /api/strategies (brain protocol only). */
export interface Tally {
  strategy: string;
  regime: string;
  signals: number;
  scored: number;
  hits: number;
  sum_return: number;
}

export type StrategiesWithTallies = Strategies & { performance?: Tally[] };

/** Only the brain protocol picks strategies by regime through the enable map; the others never read it. */
const usesEnableMap = (protocol: string) => protocol === 'brain';

function talliesTable(tallies: readonly Tally[]): HTMLElement {
  return h(
    'table',
    { class: 'tallies small', 'data-rows': tallies.length },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Strategy'),
        h('th', {}, 'Regime'),
        h('th', { class: 'num' }, 'Signals'),
        h('th', { class: 'num' }, 'Hit rate'),
        h('th', { class: 'num' }, 'Mean ret.'),
      ),
    ),
    h(
      'tbody',
      {},
      ...tallies.map((t) =>
        h(
          'tr',
          {},
          h('td', {}, t.strategy),
          h('td', {}, t.regime),
          h('td', { class: 'num' }, `${t.scored}/${t.signals}`),
          h('td', { class: 'num' }, t.scored > 0 ? pct(t.hits / t.scored, 0) : '-'),
          h('td', { class: 'num' }, t.scored > 0 ? pct(t.sum_return / t.scored, 2) : '-'),
        ),
      ),
    ),
  );
}

/**
 * Regime per symbol, the strategies, and the research tallies when the protocol keeps them. Under a protocol
 * that does not read the enable map the panel says so instead of listing what it "enables".
 */
export function regimeView(regimes: readonly Regime[] | null, strategies: StrategiesWithTallies | null): HTMLElement {
  const out = h('div', {});
  const mapUsed = strategies ? usesEnableMap(strategies.protocol) : false;
  if (regimes?.length) {
    for (const r of regimes) {
      const enabled = strategies?.enable_map.regimes[r.regime] ?? [];
      out.append(
        h(
          'div',
          { class: 'regime' },
          h('span', { class: `badge regime-${r.regime.toLowerCase()}` }, r.regime),
          h('span', {}, ` ${r.symbol}`),
          h('span', { class: 'muted small' }, ` trend ${num(r.trend)}, vol pct ${num(r.vol_percentile)} (${r.source})`),
          mapUsed ? h('div', { class: 'small' }, 'Enabled: ', enabled.length ? enabled.join(', ') : 'none (stand aside)') : null,
        ),
      );
    }
  } else out.append(h('p', { class: 'muted' }, 'Regime: not available'));
  if (!strategies) return out;
  out.append(h('p', { class: 'small' }, `Protocol ${strategies.protocol}. `, h('span', { class: 'muted' }, strategies.note)));
  if (!mapUsed)
    out.append(
      h(
        'p',
        { class: 'small notice', 'data-testid': 'enable-map-unused' },
        `The enable map is unused under the ${strategies.protocol} protocol: only the brain protocol picks strategies by regime.`,
      ),
    );
  out.append(
    h(
      'ul',
      { class: 'strategies small' },
      ...strategies.strategies.map((s) =>
        h('li', {}, h('b', {}, s.name), mapUsed ? ` in ${s.enabled_in.join(', ') || '-'}` : ` (map: ${s.enabled_in.join(', ') || '-'})`),
      ),
    ),
  );
  const tallies = strategies.performance ?? [];
  out.append(
    h('h3', { class: 'small' }, 'Research tallies'),
    tallies.length
      ? talliesTable(tallies)
      : h(
          'p',
          { class: 'muted small', 'data-testid': 'tallies-empty' },
          mapUsed
            ? 'No signals scored yet: each BUY/SELL is scored against the next cycle price.'
            : `None: the research agent that keeps them runs under the brain protocol, not ${strategies.protocol}.`,
        ),
  );
  return out;
}
