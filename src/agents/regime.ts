import type { AgentMessage, OutgoingMessage } from '../domain/messages.js';
import type { Regime } from '../domain/regime.js';
import { AGENTS, type Agent, type CycleContext } from './base.js';
import { type RegimeConfig, type RegimeReading, RegimeTracker } from './regime-rules.js';

export interface RegimeAgentConfig extends RegimeConfig {
  /** Who receives the reading (the strategy-selection agent). */
  readonly next: string;
  /**
   * Who decides when there is no reading yet (the brain): too few candles since the start or since a hole. It
   * gets `StrategiesSelected` with regime UNCLASSIFIED and nothing enabled, so the cycle still ends in a HOLD.
   */
  readonly unclassified: string;
}

/** The regime named while too few contiguous candles exist to classify one (after a hole, at the start). */
export const UNCLASSIFIED = 'UNCLASSIFIED';

export interface RegimeState {
  readonly symbol: string;
  readonly regime: Regime;
  readonly since: number;
  readonly reading: RegimeReading;
}

/**
 * MarketRegimeAgent: classifies each symbol as BULL / BEAR / RANGE / HIGH_VOL from trend and volatility
 * (rules and hysteresis in regime-rules.ts). Every cycle it sends `RegimeClassified` on; a switch is also
 * announced as a `RegimeChanged` event. State lives in memory per symbol (a restart re-reads from candles).
 */
export class RegimeAgent implements Agent {
  readonly name = AGENTS.regime;
  private readonly trackers = new Map<string, RegimeTracker>();
  private readonly states = new Map<string, RegimeState>();

  constructor(private readonly config: RegimeAgentConfig) {}

  /** Current regime per symbol (for /api/regime). */
  current(): RegimeState[] {
    return [...this.states.values()];
  }

  handle(message: AgentMessage, ctx: CycleContext): readonly OutgoingMessage[] {
    if (message.type !== 'MarketSnapshot') return [];
    const snapshot = message.payload;
    let tracker = this.trackers.get(snapshot.symbol);
    if (!tracker) {
      tracker = new RegimeTracker(this.config);
      this.trackers.set(snapshot.symbol, tracker);
    }
    const reading = tracker.update(snapshot.candles);
    if (!reading) {
      ctx.log(this.name, `Not enough candles for a regime (${snapshot.candles.length})`);
      return [
        {
          to: this.config.unclassified,
          type: 'StrategiesSelected',
          payload: { symbol: snapshot.symbol, regime: UNCLASSIFIED, enabled: [] },
        },
      ];
    }
    const since = reading.changed || !this.states.has(snapshot.symbol) ? snapshot.candleTime : this.states.get(snapshot.symbol)!.since;
    this.states.set(snapshot.symbol, { symbol: snapshot.symbol, regime: reading.regime, since, reading });
    const m = reading.metrics;
    const metrics = { trend: m.trend, vol_percentile: m.volPercentile, vol: m.vol, candidate_bars: reading.candidateBars };
    const pending = reading.candidate ? `; ${reading.candidate} seen ${reading.candidateBars}/${this.config.confirmBars} bars` : '';
    ctx.log(
      this.name,
      () => `${snapshot.symbol} regime ${reading.regime} (trend ${m.trend.toFixed(2)}, vol pct ${m.volPercentile.toFixed(2)})${pending}`,
    );
    const out: OutgoingMessage[] = [];
    if (reading.changed) {
      out.push({
        to: AGENTS.engine,
        type: 'RegimeChanged',
        payload: { symbol: snapshot.symbol, from: reading.previous, to: reading.regime },
      });
    }
    out.push({
      to: this.config.next,
      type: 'RegimeClassified',
      payload: { symbol: snapshot.symbol, regime: reading.regime, changed: reading.changed, candleTime: snapshot.candleTime, metrics },
    });
    return out;
  }
}
