import type { AgentMessage, OutgoingMessage } from '../domain/messages.js';
import { isRegime, type Regime } from '../domain/regime.js';
import type { EnableMap } from '../strategies/enable-map.js';
import type { StrategyName } from '../strategies/registry.js';
import { AGENTS, type Agent, type CycleContext } from './base.js';

export interface Selection {
  readonly enabled: readonly StrategyName[];
  /** Strategies the map wants switched but whose cooldown has not passed, with bars left. */
  readonly waiting: ReadonlyArray<{ readonly strategy: StrategyName; readonly want: 'on' | 'off'; readonly barsLeft: number }>;
  readonly switchedOn: readonly StrategyName[];
  readonly switchedOff: readonly StrategyName[];
}

/**
 * Enabled strategies of one symbol with cooldowns, pure: a strategy switched on or off keeps that state for
 * `cooldownBars` bars before it can switch again, so a regime that flickers does not churn strategies. Bars
 * are counted by distinct candle close times. The first selection applies the map at once.
 */
export class StrategySelector {
  private readonly enabled = new Set<StrategyName>();
  private readonly switchedAt = new Map<StrategyName, number>();
  private bar = -1;
  private lastCandle = Number.NEGATIVE_INFINITY;
  private started = false;

  select(regime: Regime, candleTime: number, map: EnableMap): Selection {
    if (candleTime > this.lastCandle) {
      this.bar++;
      this.lastCandle = candleTime;
    }
    const wanted = new Set(map.regimes[regime]);
    const switchedOn: StrategyName[] = [];
    const switchedOff: StrategyName[] = [];
    const waiting: { strategy: StrategyName; want: 'on' | 'off'; barsLeft: number }[] = [];
    for (const s of new Set([...this.enabled, ...wanted])) {
      const want = wanted.has(s);
      if (want === this.enabled.has(s)) continue;
      const last = this.switchedAt.get(s);
      const barsLeft = this.started && last !== undefined ? last + map.cooldownBars - this.bar : 0;
      if (barsLeft > 0) {
        waiting.push({ strategy: s, want: want ? 'on' : 'off', barsLeft });
        continue;
      }
      if (want) {
        this.enabled.add(s);
        switchedOn.push(s);
      } else {
        this.enabled.delete(s);
        switchedOff.push(s);
      }
      this.switchedAt.set(s, this.bar);
    }
    this.started = true;
    return { enabled: [...this.enabled].sort(), waiting, switchedOn, switchedOff };
  }
}

export interface StrategySelectionConfig {
  readonly enableMap: () => EnableMap;
  /** Who receives `StrategiesSelected` (the brain). */
  readonly next: string;
}

/**
 * StrategySelectionAgent: turns each `RegimeClassified` into the set of enabled strategies through the enable
 * map (config/enable-map.yaml), with cooldowns, and sends `StrategiesSelected` on.
 */
export class StrategySelectionAgent implements Agent {
  readonly name = AGENTS.strategySelection;
  private readonly selectors = new Map<string, StrategySelector>();
  private readonly latest = new Map<string, { regime: Regime; selection: Selection }>();

  constructor(private readonly config: StrategySelectionConfig) {}

  /** Last selection per symbol (for /api/strategies). */
  current(): Array<{ symbol: string; regime: Regime; selection: Selection }> {
    return [...this.latest.entries()].map(([symbol, v]) => ({ symbol, ...v }));
  }

  handle(message: AgentMessage, ctx: CycleContext): readonly OutgoingMessage[] {
    if (message.type !== 'RegimeClassified') return [];
    const { symbol, regime, candleTime } = message.payload;
    if (!isRegime(regime)) throw new Error(`unknown regime "${regime}"`);
    let selector = this.selectors.get(symbol);
    if (!selector) {
      selector = new StrategySelector();
      this.selectors.set(symbol, selector);
    }
    const selection = selector.select(regime, candleTime, this.config.enableMap());
    this.latest.set(symbol, { regime, selection });
    const changes = [...selection.switchedOn.map((s) => `+${s}`), ...selection.switchedOff.map((s) => `-${s}`)];
    const waits = selection.waiting.map((w) => `${w.strategy} ${w.want} in ${w.barsLeft} bars`);
    ctx.log(
      this.name,
      `${regime}: enabled [${selection.enabled.join(', ')}]${changes.length ? ` (${changes.join(' ')})` : ''}${waits.length ? `; cooling down: ${waits.join(', ')}` : ''}`,
    );
    return [{ to: this.config.next, type: 'StrategiesSelected', payload: { symbol, regime, enabled: selection.enabled } }];
  }
}
