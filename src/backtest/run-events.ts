import type { DenialCode, HaltCode } from '../domain/denials.js';
import type { CycleOutcome } from '../engine/trading-engine.js';

/** A halt of the risk governor during a run. */
export interface HaltEvent {
  /** Close time of the candle whose cycle halted trading. */
  readonly time: number;
  readonly symbol: string;
  readonly code: HaltCode;
  readonly reason: string;
}

/** A stop-loss or take-profit that closed a position. */
export interface StopEvent {
  readonly time: number;
  readonly symbol: string;
  readonly kind: 'STOP_LOSS' | 'TAKE_PROFIT';
  readonly price: number;
  readonly quantity: number;
}

export interface RegimeSwitch {
  readonly time: number;
  readonly symbol: string;
  readonly from: string | null;
  readonly to: string;
}

/** A change of the strategies the brain runs (after a regime change and its cooldown). */
export interface StrategySwitch {
  readonly time: number;
  readonly symbol: string;
  readonly regime: string;
  readonly enabled: readonly string[];
}

/** Why trades did and did not happen in a run, read from the cycles' bus messages. */
export interface RunEvents {
  /** Orders denied, by reason code (risk gate, sizing, fill-time refusals). */
  readonly denials: Readonly<Partial<Record<DenialCode, number>>>;
  readonly halts: readonly HaltEvent[];
  readonly stops: readonly StopEvent[];
  /** Cycles spent in each regime (brain). */
  readonly regimeCycles: Readonly<Record<string, number>>;
  readonly regimeSwitches: readonly RegimeSwitch[];
  readonly strategySwitches: readonly StrategySwitch[];
}

/** Collects RunEvents from every saved cycle (`engine.onCycle(collector.record)`). */
export class RunEventsCollector {
  private readonly denials: Partial<Record<DenialCode, number>> = {};
  private readonly halts: HaltEvent[] = [];
  private readonly stops: StopEvent[] = [];
  private readonly regimeCycles: Record<string, number> = {};
  private readonly regimeSwitches: RegimeSwitch[] = [];
  private readonly strategySwitches: StrategySwitch[] = [];
  private readonly enabled = new Map<string, string>();

  readonly record = (o: CycleOutcome): void => {
    const time = o.snapshot.candleTime;
    for (const m of o.messages) {
      switch (m.type) {
        case 'OrderDenied':
          this.denials[m.payload.reasonCode] = (this.denials[m.payload.reasonCode] ?? 0) + 1;
          break;
        case 'TradingHalted':
          this.halts.push({ time, symbol: o.symbol, code: m.payload.reasonCode, reason: m.payload.reason });
          break;
        case 'StopTriggered':
          this.stops.push({
            time,
            symbol: m.payload.fill.symbol,
            kind: m.payload.kind,
            price: m.payload.fill.price,
            quantity: m.payload.fill.quantity,
          });
          break;
        case 'RegimeClassified':
          this.regimeCycles[m.payload.regime] = (this.regimeCycles[m.payload.regime] ?? 0) + 1;
          break;
        case 'RegimeChanged':
          this.regimeSwitches.push({ time, symbol: m.payload.symbol, from: m.payload.from, to: m.payload.to });
          break;
        case 'StrategiesSelected': {
          const key = [...m.payload.enabled].sort().join(',');
          if (this.enabled.get(m.payload.symbol) !== key) {
            this.enabled.set(m.payload.symbol, key);
            this.strategySwitches.push({ time, symbol: m.payload.symbol, regime: m.payload.regime, enabled: m.payload.enabled });
          }
          break;
        }
      }
    }
  };

  summary(): RunEvents {
    return {
      denials: { ...this.denials },
      halts: [...this.halts],
      stops: [...this.stops],
      regimeCycles: { ...this.regimeCycles },
      regimeSwitches: [...this.regimeSwitches],
      strategySwitches: [...this.strategySwitches],
    };
  }
}
