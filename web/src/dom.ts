/** Tiny DOM helpers: every text goes through textContent, never innerHTML, so API strings cannot inject markup. */

type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'object' ? c : String(c));
  return el;
}

export function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from index.html`);
  return el;
}

export function fill(el: HTMLElement, ...children: Child[]): void {
  el.replaceChildren();
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'object' ? c : String(c));
}

export const unavailable = (what: string) => h('p', { class: 'muted' }, `${what}: not available`);

export const money = (v: number) => v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
export const pct = (v: number, digits = 2) => `${(v * 100).toFixed(digits)} %`;
export const signed = (v: number) => `${v >= 0 ? '+' : ''}${money(v)}`;
export const num = (v: number | null | undefined, digits = 2) => (v === null || v === undefined ? '-' : v.toFixed(digits));

/**
 * A time as the page shows it, UTC as the venues and the API speak: `20:59` when it is from today, else with the
 * full date and year (`2018-03-28 05:59`), so a replay of an old market never reads as this year's.
 */
export function when(iso: string, now = Date.now()): string {
  const day = new Date(now).toISOString().slice(0, 10);
  return iso.slice(0, 10) === day ? iso.slice(11, 16) : iso.slice(0, 16).replace('T', ' ');
}

/** Kept for the panels that call it: the same as `when`. */
export const shortTime = (iso: string): string => when(iso);
