import './desk.css';
import { ApiError, api, optional, post } from './api.js';
import { fill, h, pct, shortTime, unavailable } from './dom.js';

const REGIMES = ['BULL', 'BEAR', 'RANGE', 'HIGH_VOL'] as const;

interface WatchedSymbol {
  id: number;
  symbol: string;
  venue: string;
  asset_type: string;
  interval: string;
  active: boolean;
}
interface EnableMap {
  cooldown_bars: number;
  regimes: Record<string, string[]>;
}
interface AuditEntry {
  id: number;
  time: string;
  username: string | null;
  scope: string;
  action: string;
  target: string;
  old_value: unknown;
  new_value: unknown;
}
interface Risk {
  state: string;
  reason: string | null;
}
interface Settings {
  running: Record<string, string | number>;
  saved: Record<string, string | number>;
  pending: string[];
}
const PROTOCOLS = ['pipeline', 'brain', 'consensus'];
/** The settings the desk edits (PUT /api/settings), as the server names them. */
const SETTINGS: readonly [key: string, label: string, kind: 'protocol' | 'fraction' | 'int'][] = [
  ['PROTOCOL', 'Protocol', 'protocol'],
  ['MAX_DAILY_LOSS', 'Max daily loss', 'fraction'],
  ['MAX_DRAWDOWN', 'Max drawdown', 'fraction'],
  ['RISK_REDUCE_AT', 'Reduce at (of a limit)', 'fraction'],
  ['MAX_EXPOSURE', 'Max exposure (x equity)', 'fraction'],
  ['MAX_POSITION_PER_SYMBOL', 'Max position per symbol', 'fraction'],
  ['MAX_ORDERS_PER_MINUTE', 'Max orders per minute', 'int'],
];
interface CycleAnswer {
  cycle_id: number;
  decision: { action: string };
  execution: { status: string };
}

export interface DeskPanelOptions {
  readonly guard: (task: () => Promise<void>) => Promise<void>;
  /** After a change the rest of the page shows (symbols list, risk state). */
  readonly onChanged: () => void;
}

/** A value as one short line for the audit table: strings bare, objects as compact JSON. */
function brief(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'string') return v;
  const text = JSON.stringify(v);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/**
 * Asks before a change: the question, what changes (old -> new) and Confirm / Cancel, in place of `button`'s
 * row, so nothing is sent by a single stray click.
 */
function confirmInline(host: HTMLElement, question: string, detail: string[], onConfirm: () => Promise<void>): void {
  const box = h(
    'div',
    { class: 'confirm', role: 'alertdialog' },
    h('p', {}, question),
    detail.length ? h('ul', { class: 'small' }, ...detail.map((d) => h('li', {}, d))) : null,
  );
  const yes = h('button', { type: 'button', class: 'danger confirm-yes' }, 'Confirm');
  const no = h('button', { type: 'button', class: 'link confirm-no' }, 'Cancel');
  yes.addEventListener('click', () => {
    box.remove();
    void onConfirm();
  });
  no.addEventListener('click', () => box.remove());
  box.append(h('div', { class: 'row' }, yes, no));
  host.querySelector('.confirm')?.remove();
  host.append(box);
}

/**
 * Managing the desk: the account's symbols (add with the venue the server detects, remove), the risk
 * governor's state and limits with halt/resume, the protocol, the brain's enable map (operators), and the
 * audit trail of every change (GET /api/audit). Every change goes through the API, which validates it.
 */
export class DeskPanel {
  private strategies: string[] = [];

  constructor(
    private readonly el: { symbols: HTMLElement; risk: HTMLElement; map: HTMLElement; audit: HTMLElement },
    private readonly opts: DeskPanelOptions,
  ) {}

  async load(): Promise<void> {
    await Promise.all([this.loadSymbols(), this.loadRisk(), this.loadMap(), this.loadAudit()]);
  }

  private async changed(): Promise<void> {
    await Promise.all([this.loadSymbols(), this.loadRisk(), this.loadAudit()]);
    this.opts.onChanged();
  }

  // ---- symbols --------------------------------------------------------------------------------------

  async loadSymbols(): Promise<void> {
    const list = await optional<WatchedSymbol[]>('/api/symbols');
    if (!list) return fill(this.el.symbols, unavailable('Symbols'));
    const input = h('input', { name: 'symbol', placeholder: 'BTC, ETHUSDT, AAPL...', maxlength: 20, 'aria-label': 'symbol to add' });
    const status = h('p', { class: 'small muted', id: 'desk-symbol-status' });
    const form = h('form', { class: 'row', id: 'desk-add' }, input, h('button', { type: 'submit' }, 'Add'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.opts.guard(() => this.add((input as HTMLInputElement).value.trim(), status));
    });
    const items = list.map((s) => {
      const remove = h('button', { type: 'button', class: 'link' }, 'Remove');
      const li = h(
        'li',
        { 'data-symbol': s.symbol },
        h('b', {}, s.symbol),
        h('span', { class: 'grow muted small' }, `${s.venue} · ${s.asset_type} · ${s.interval}`),
        remove,
      );
      remove.addEventListener('click', () =>
        confirmInline(li, `Remove ${s.symbol} from your desk?`, ['Monitoring stops trading it; its stored data stay.'], () =>
          this.opts.guard(async () => {
            await api('DELETE', `/api/symbols/${s.id}`);
            await this.changed();
          }),
        ),
      );
      return li;
    });
    fill(
      this.el.symbols,
      form,
      status,
      items.length ? h('ul', { class: 'desk-list', id: 'desk-symbols' }, ...items) : h('p', { class: 'muted' }, 'No symbols yet.'),
    );
  }

  /** Adds the symbol (the server detects venue and asset type) and runs its first cycle, so it is seen working. */
  private async add(input: string, status: HTMLElement): Promise<void> {
    if (!input) return;
    status.className = 'small muted';
    status.textContent = `Adding ${input}...`;
    let added: WatchedSymbol;
    try {
      added = await post<WatchedSymbol>('/api/symbols', { symbol: input });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      status.className = 'small rejected';
      status.textContent = `${error.code}: ${error.message}`;
      return;
    }
    status.textContent = `Added ${added.symbol}: detected on ${added.venue} (${added.asset_type}, ${added.interval}). Running its first cycle...`;
    await this.changed();
    const cycle = await post<CycleAnswer>(`/trading/run-cycle?symbol=${encodeURIComponent(added.symbol)}`);
    const el = document.getElementById('desk-symbol-status') ?? status;
    el.textContent = `Added ${added.symbol} on ${added.venue} (${added.asset_type}). First cycle #${cycle.cycle_id}: ${cycle.decision.action}, ${cycle.execution.status}.`;
    el.dataset.firstCycle = String(cycle.cycle_id);
  }

  // ---- risk -----------------------------------------------------------------------------------------

  async loadRisk(): Promise<void> {
    const [risk, strategies] = await Promise.all([
      optional<Risk>('/api/risk'),
      optional<{ protocol: string; strategies: { name: string }[] }>('/api/strategies'),
    ]);
    if (strategies) this.strategies = strategies.strategies.map((s) => s.name);
    if (!risk) return fill(this.el.risk, unavailable('Risk'));
    const halted = risk.state === 'HALTED';
    const toggle = h(
      'button',
      { type: 'button', id: 'desk-halt', class: halted ? '' : 'danger' },
      halted ? 'Resume trading' : 'Halt trading',
    );
    const reason = h('input', {
      name: 'reason',
      placeholder: 'reason (optional)',
      maxlength: 200,
      hidden: halted,
      'aria-label': 'halt reason',
    });
    const box = h('div', {});
    toggle.addEventListener('click', () =>
      confirmInline(
        box,
        halted ? 'Resume trading on this account?' : 'Halt trading on this account?',
        [
          halted
            ? 'Orders pass again; the daily-loss baseline and the drawdown peak restart at the current equity.'
            : 'Every new order is REJECTED (MANUAL_HALT) until resumed; stops still close positions.',
        ],
        () =>
          this.opts.guard(async () => {
            if (halted) await post('/api/risk/resume', {});
            else await post('/api/risk/halt', { reason: (reason as HTMLInputElement).value.trim() || 'halted from the desk' });
            await this.changed();
          }),
      ),
    );
    fill(
      this.el.risk,
      h(
        'p',
        {},
        'Account: ',
        h('b', { 'data-testid': 'desk-risk-state' }, risk.state),
        risk.reason ? h('span', { class: 'muted small' }, ` (${risk.reason})`) : null,
      ),
      h('div', { class: 'row' }, reason, toggle),
      box,
      h('h4', {}, 'Protocol and limits'),
      await this.settingsForm(),
    );
  }

  /**
   * The protocol and the governor's limits: the running values, editable; a change is validated by the server,
   * saved for the next start of serve and the workers (the kernel is built once at start), and shown pending.
   */
  private async settingsForm(): Promise<HTMLElement> {
    const s = await optional<Settings>('/api/settings');
    if (!s) return unavailable('Settings');
    const inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
    const rows = SETTINGS.map(([key, label, kind]) => {
      const current = s.saved[key] ?? s.running[key];
      const input =
        kind === 'protocol'
          ? (h(
              'select',
              { name: key },
              ...PROTOCOLS.map((p) => h('option', { value: p, selected: p === current }, p)),
            ) as HTMLSelectElement)
          : (h('input', { name: key, type: 'number', step: kind === 'int' ? '1' : '0.01', value: current }) as HTMLInputElement);
      inputs.set(key, input);
      const pending = s.pending.includes(key);
      return h(
        'tr',
        { 'data-setting': key, class: pending ? 'pending' : '' },
        h('td', {}, label),
        h('td', {}, input),
        h(
          'td',
          { class: 'muted small' },
          pending ? `running ${s.running[key]}; next start ${s.saved[key]}` : kind === 'fraction' ? pct(Number(s.running[key]), 1) : '',
        ),
      );
    });
    const error = h('p', { class: 'rejected', id: 'desk-settings-error', hidden: true });
    const save = h('button', { type: 'button', id: 'desk-settings-save' }, 'Save for next start');
    const box = h('div', {});
    save.addEventListener('click', () => {
      const change: Record<string, string | number> = {};
      for (const [key, , kind] of SETTINGS) {
        const v = (inputs.get(key) as HTMLInputElement).value.trim();
        const before = String(s.saved[key] ?? s.running[key]);
        if (v !== before) change[key] = kind === 'protocol' ? v : Number(v);
      }
      const lines = Object.entries(change).map(([k, v]) => `${k}: ${s.saved[k] ?? s.running[k]} → ${v}`);
      if (!lines.length) {
        error.textContent = 'Nothing changed.';
        error.hidden = false;
        return;
      }
      error.hidden = true;
      confirmInline(box, 'Save these settings for the next start of the server and its workers?', lines, () =>
        this.opts.guard(async () => {
          try {
            await api('PUT', '/api/settings', change);
          } catch (e) {
            if (!(e instanceof ApiError)) throw e;
            error.textContent = `${e.code}: ${e.message}`;
            error.hidden = false;
            return;
          }
          await Promise.all([this.loadRisk(), this.loadAudit()]);
        }),
      );
    });
    return h(
      'div',
      { id: 'desk-settings' },
      h('table', { class: 'compare' }, h('tbody', {}, ...rows)),
      h('div', { class: 'row' }, save),
      box,
      error,
      h(
        'p',
        { class: 'muted small' },
        'The kernel (protocol, risk governor) is built once at start: a saved change applies when the server and its workers next start, not to the running cycles. Operators only; every change is audited. Backtests can try other values now (Research).',
      ),
    );
  }

  // ---- enable map -----------------------------------------------------------------------------------

  async loadMap(): Promise<void> {
    const [map, info] = await Promise.all([
      optional<EnableMap>('/api/strategies/enable-map'),
      optional<{ protocol: string; strategies: { name: string }[] }>('/api/strategies'),
    ]);
    if (!map) return fill(this.el.map, unavailable('Enable map'));
    // Every strategy the server knows, and any the map names (so saving never drops one silently).
    const names = [...new Set([...(info?.strategies.map((s) => s.name) ?? this.strategies), ...Object.values(map.regimes).flat()])];
    const cooldown = h('input', { name: 'cooldown_bars', type: 'number', min: 0, max: 10000, step: 1, value: map.cooldown_bars });
    const boxes = new Map<string, HTMLInputElement>();
    const rows = REGIMES.map((regime) =>
      h(
        'tr',
        {},
        h('td', {}, regime),
        ...names.map((name) => {
          const box = h('input', {
            type: 'checkbox',
            'aria-label': `${name} in ${regime}`,
            checked: (map.regimes[regime] ?? []).includes(name),
          }) as HTMLInputElement;
          boxes.set(`${regime}|${name}`, box);
          return h('td', { class: 'center' }, box);
        }),
      ),
    );
    const error = h('p', { class: 'rejected', id: 'desk-map-error', hidden: true });
    const save = h('button', { type: 'button', id: 'desk-map-save' }, 'Save enable map');
    const box = h('div', {});
    save.addEventListener('click', () => {
      const next: EnableMap = {
        cooldown_bars: Number((cooldown as HTMLInputElement).value),
        regimes: Object.fromEntries(REGIMES.map((r) => [r, names.filter((n) => boxes.get(`${r}|${n}`)?.checked)])),
      };
      const changes = REGIMES.flatMap((r) => {
        // Order within a regime does not matter to the brain: compare as sets.
        const before = [...(map.regimes[r] ?? [])].sort().join(', ') || '(none)';
        const after = [...next.regimes[r]].sort().join(', ') || '(none)';
        return before === after ? [] : [`${r}: ${before} → ${after}`];
      });
      if (next.cooldown_bars !== map.cooldown_bars) changes.push(`cooldown: ${map.cooldown_bars} → ${next.cooldown_bars} bars`);
      if (!changes.length) {
        error.textContent = 'Nothing changed.';
        error.hidden = false;
        return;
      }
      error.hidden = true;
      confirmInline(box, 'Replace the enable map for every account?', changes, () =>
        this.opts.guard(async () => {
          try {
            await api('PUT', '/api/strategies/enable-map', next);
          } catch (e) {
            if (!(e instanceof ApiError)) throw e;
            error.textContent = `${e.code}: ${e.message}`;
            error.hidden = false;
            return;
          }
          await Promise.all([this.loadMap(), this.loadAudit()]);
          this.opts.onChanged();
        }),
      );
    });
    fill(
      this.el.map,
      info && info.protocol !== 'brain'
        ? h(
            'p',
            { class: 'muted small' },
            `The server runs the ${info.protocol} protocol: the enable map is used only by brain (and by brain backtests).`,
          )
        : null,
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'enable-map', id: 'desk-map' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Regime'), ...names.map((n) => h('th', {}, n)))),
          h('tbody', {}, ...rows),
        ),
      ),
      h('div', { class: 'row' }, h('label', { class: 'field' }, h('span', {}, 'Cooldown (bars)'), cooldown), save),
      box,
      error,
      h('p', { class: 'muted small' }, 'Operators only: it drives every account. Used from the next cycle; cooldowns still apply.'),
    );
  }

  // ---- audit ----------------------------------------------------------------------------------------

  async loadAudit(): Promise<void> {
    const entries = await optional<AuditEntry[]>('/api/audit?limit=30');
    if (!entries) return fill(this.el.audit, unavailable('Audit'));
    this.el.audit.dataset.entries = String(entries.length);
    if (!entries.length) return fill(this.el.audit, h('p', { class: 'muted' }, 'No changes yet.'));
    fill(
      this.el.audit,
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'audit' },
          h('thead', {}, h('tr', {}, ...['When', 'Who', 'What', 'Old → new'].map((t) => h('th', {}, t)))),
          h(
            'tbody',
            {},
            ...entries.map((e) =>
              h(
                'tr',
                { 'data-action': e.action },
                h('td', {}, shortTime(e.time)),
                h('td', {}, e.username ?? '(deleted)'),
                h(
                  'td',
                  {},
                  h('b', {}, e.action),
                  ` ${e.target}`,
                  e.scope === 'shared' ? h('span', { class: 'muted small' }, ' (shared)') : null,
                ),
                h('td', { class: 'change' }, `${brief(e.old_value)} → ${brief(e.new_value)}`),
              ),
            ),
          ),
        ),
      ),
    );
  }
}
