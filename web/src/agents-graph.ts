import { h } from './dom.js';
import type { Agent, BusMessage } from './types.js';

const SVG = 'http://www.w3.org/2000/svg';
const W = 420;
const H = 260;

function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/**
 * The agents as a ring of nodes (engine first, then in the order a cycle reaches them) and the messages of
 * one cycle as numbered arrows. Node colour is the agent's health; a node flashes when a live cycle runs.
 */
export class AgentsGraph {
  private order: string[] = ['engine'];
  private agents = new Map<string, Agent>();
  private messages: BusMessage[] = [];
  private readonly svg: SVGSVGElement;

  constructor(el: HTMLElement) {
    this.svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'agents and their messages' });
    const defs = s('defs', {});
    const marker = s('marker', {
      id: 'arrow',
      viewBox: '0 0 10 10',
      refX: 10,
      refY: 5,
      markerWidth: 6,
      markerHeight: 6,
      orient: 'auto-start-reverse',
    });
    marker.append(s('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#6aa7ff' }));
    defs.append(marker);
    this.svg.append(defs);
    el.replaceChildren(this.svg);
  }

  setAgents(list: readonly Agent[]): void {
    for (const a of list) {
      this.agents.set(a.name, a);
      if (!this.order.includes(a.name)) this.order.push(a.name);
    }
    this.draw();
  }

  /** Shows one cycle's message sequence; agents it names join the ring in the order they are reached. */
  setMessages(messages: readonly BusMessage[]): void {
    this.messages = [...messages];
    const seen: string[] = ['engine'];
    for (const m of messages) for (const n of [m.from, m.to]) if (!seen.includes(n)) seen.push(n);
    this.order = [...seen, ...this.order.filter((n) => !seen.includes(n))];
    this.draw();
  }

  /** A live cycle ran: flash every node. */
  pulse(): void {
    this.svg.classList.remove('pulse');
    // Restarting a CSS animation needs a reflow between removing and adding the class.
    void this.svg.getBoundingClientRect();
    this.svg.classList.add('pulse');
  }

  private position(name: string): { x: number; y: number } {
    const i = this.order.indexOf(name);
    const n = this.order.length;
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
    return { x: W / 2 + (W / 2 - 70) * Math.cos(angle), y: H / 2 + (H / 2 - 30) * Math.sin(angle) };
  }

  private draw(): void {
    for (const el of [...this.svg.querySelectorAll('g')]) el.remove();
    const edges = s('g', { class: 'edges' });
    const pairs = new Map<string, number[]>();
    this.messages.forEach((m, i) => {
      const key = `${m.from}>${m.to}`;
      pairs.set(key, [...(pairs.get(key) ?? []), i + 1]);
    });
    for (const [key, seqs] of pairs) {
      const [from, to] = key.split('>');
      const a = this.position(from);
      const b = this.position(to);
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const len = Math.hypot(dx, dy) || 1;
      // Stop short of the node so the arrow head shows; bend so A->B and B->A do not overlap.
      const ax = a.x + (dx / len) * 26;
      const ay = a.y + (dy / len) * 16;
      const bx = b.x - (dx / len) * 26;
      const by = b.y - (dy / len) * 16;
      const cx = (ax + bx) / 2 - (dy / len) * 18;
      const cy = (ay + by) / 2 + (dx / len) * 18;
      edges.append(s('path', { d: `M ${ax} ${ay} Q ${cx} ${cy} ${bx} ${by}`, class: 'edge', 'marker-end': 'url(#arrow)' }));
      const label = s('text', { x: cx, y: cy, class: 'edge-label' });
      label.textContent = seqs.join(',');
      edges.append(label);
    }
    const nodes = s('g', { class: 'nodes' });
    for (const name of this.order) {
      const p = this.position(name);
      const health = name === 'engine' ? 'ok' : (this.agents.get(name)?.health ?? 'idle');
      const g = s('g', { class: `node ${health}`, 'data-agent': name });
      g.append(s('rect', { x: p.x - 62, y: p.y - 14, width: 124, height: 28, rx: 14 }));
      const t = s('text', { x: p.x, y: p.y + 4 });
      t.textContent = name;
      g.append(t);
      const a = this.agents.get(name);
      const title = s('title', {});
      title.textContent = a
        ? `${name}: ${a.health}, ${a.runs} runs, ${a.errors} errors${a.last_error ? `, last error: ${a.last_error}` : ''}`
        : name;
      g.append(title);
      nodes.append(g);
    }
    this.svg.append(edges, nodes);
  }
}

/** One line per message: `1 market-monitor -> decision-maker MarketSnapshot price 75352.64`, details on click. */
export function messageList(messages: readonly BusMessage[]): HTMLElement {
  const ol = h('ol', { class: 'messages' });
  for (const m of messages) {
    ol.append(
      h(
        'li',
        { class: 'message' },
        h(
          'details',
          {},
          h('summary', {}, h('b', {}, m.type), ` ${m.from} → ${m.to} `, h('span', { class: 'muted' }, summarise(m))),
          h(
            'pre',
            {},
            JSON.stringify(m.payload, (k, v) => (k === 'candles' && Array.isArray(v) && v.length > 3 ? `[${v.length} candles]` : v), 2),
          ),
        ),
      ),
    );
  }
  return ol;
}

function summarise(m: BusMessage): string {
  const p = (m.payload ?? {}) as Record<string, unknown>;
  const n = (v: unknown, d = 2) => (typeof v === 'number' ? v.toFixed(d) : String(v ?? ''));
  switch (m.type) {
    case 'MarketSnapshot':
      return `${p.symbol} @ ${p.price}`;
    case 'Decision':
      return `${p.action} ${n(p.confidence)} ${p.reason ?? ''}`;
    case 'OrderIntent':
      return `${p.side} ${p.quantity}`;
    case 'OrderFilled': {
      const f = (p.fill ?? {}) as Record<string, unknown>;
      return `${f.side} ${f.quantity} @ ${n(f.executionPrice)}`;
    }
    default: {
      const text = JSON.stringify(p);
      return text.length > 90 ? `${text.slice(0, 90)}…` : text;
    }
  }
}
