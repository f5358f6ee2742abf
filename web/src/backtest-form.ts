import { ApiError, post } from './api.js';
import { h } from './dom.js';

const INTERVALS = ['1m', '5m', '15m', '30m', '1h', '4h', '1d'];
const PROTOCOLS = ['pipeline', 'brain', 'consensus'];

/** Risk and cost settings the form offers (any other setting of the config table works through the API). */
const RISK_FIELDS = [
  { name: 'MAX_DAILY_LOSS', label: 'Max daily loss', step: '0.01', min: '0.001', max: '1', hint: 'fraction, e.g. 0.05' },
  { name: 'MAX_DRAWDOWN', label: 'Max drawdown', step: '0.01', min: '0.001', max: '1', hint: 'fraction, e.g. 0.2' },
  { name: 'MAX_EXPOSURE', label: 'Max exposure', step: '0.1', min: '0.01', max: '10', hint: 'x equity' },
  { name: 'ATR_STOP_MULT', label: 'Stop (ATR)', step: '0.5', min: '0', max: '50', hint: '0 = none' },
] as const;

export interface BacktestFormOptions {
  /** The symbol the page shows: the form's default. */
  readonly symbol: () => string;
  readonly strategies: readonly string[];
  /** Called with the queued run's id. */
  readonly onStarted: (id: string) => void;
}

function field(label: string, input: HTMLElement, hint?: string): HTMLElement {
  return h('label', { class: 'field' }, h('span', {}, label), input, hint ? h('small', { class: 'muted' }, hint) : null);
}

const select = (name: string, values: readonly string[], selected: string) =>
  h('select', { name }, ...values.map((v) => h('option', { value: v, selected: v === selected }, v)));

/**
 * The "new backtest" form: data (venue, symbol, interval, range), protocol and strategy, risk and cost settings.
 * It posts to POST /api/backtests; the server validates every field and a 422 is shown under the form.
 */
export function backtestForm(opts: BacktestFormOptions): HTMLFormElement {
  const strategy = select('strategy', ['ml-classifier', ...opts.strategies.filter((s) => s !== 'ml-classifier')], 'sma-cross');
  const protocol = select('protocol', PROTOCOLS, 'pipeline');
  protocol.addEventListener('change', () => {
    // brain and consensus pick their own strategies: the server refuses a strategy with them.
    (strategy as HTMLSelectElement).disabled = (protocol as HTMLSelectElement).value !== 'pipeline';
  });
  const error = h('p', { class: 'rejected', id: 'bt-error', hidden: true });
  const form = h(
    'form',
    { id: 'bt-form', class: 'bt-form', novalidate: true },
    field('Symbol', h('input', { name: 'symbol', required: true, maxlength: 20, value: opts.symbol(), pattern: '[A-Za-z0-9]{2,20}' })),
    field('Venue', select('venue', ['binance', 'bybit', 'yahoo'], 'binance')),
    field('Interval', select('interval', INTERVALS, '1h')),
    field('From', h('input', { name: 'from', type: 'date' }), 'default: all stored'),
    field('To', h('input', { name: 'to', type: 'date' })),
    field('Protocol', protocol),
    field('Strategy', strategy, 'pipeline only'),
    ...RISK_FIELDS.map((f) => field(f.label, h('input', { name: f.name, type: 'number', step: f.step, min: f.min, max: f.max }), f.hint)),
    field('Fee (bps)', h('input', { name: 'fee_bps', type: 'number', min: 0, max: 1000, step: '0.5' })),
    field('Order fraction', h('input', { name: 'order_fraction', type: 'number', min: '0.01', max: 1, step: '0.01' })),
    h('div', { class: 'row' }, h('button', { type: 'submit', id: 'bt-start' }, 'Start backtest')),
    error,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void submit(form, error, opts);
  });
  // The page's symbol changes after the form is built; keep the default in step until the user types.
  form.addEventListener('focusin', () => {
    const input = form.elements.namedItem('symbol') as HTMLInputElement;
    if (!input.value) input.value = opts.symbol();
  });
  return form;
}

function body(form: HTMLFormElement): Record<string, unknown> {
  const data = new FormData(form);
  const text = (k: string) => String(data.get(k) ?? '').trim();
  const out: Record<string, unknown> = {
    symbol: text('symbol'),
    venue: text('venue'),
    interval: text('interval'),
    protocol: text('protocol'),
  };
  if (text('protocol') === 'pipeline') out.strategy = text('strategy');
  if (text('from')) out.from = `${text('from')}T00:00:00Z`;
  if (text('to')) out.to = `${text('to')}T23:59:59Z`;
  const settings: Record<string, number> = {};
  for (const f of RISK_FIELDS) if (text(f.name)) settings[f.name] = Number(text(f.name));
  out.settings = settings;
  if (text('fee_bps')) out.fee_bps = Number(text('fee_bps'));
  if (text('order_fraction')) out.order_fraction = Number(text('order_fraction'));
  return out;
}

async function submit(form: HTMLFormElement, error: HTMLElement, opts: BacktestFormOptions): Promise<void> {
  const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
  button.disabled = true;
  error.hidden = true;
  try {
    const run = await post<{ id: string }>('/api/backtests', body(form));
    opts.onStarted(run.id);
  } catch (e) {
    error.textContent = e instanceof ApiError ? `${e.code}: ${e.message}` : String(e);
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
}
