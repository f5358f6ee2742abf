import { ConclaveError } from '../domain/errors.js';

/** A value a trial may give a parameter. */
export type ParamValue = number | string | boolean;
export type ParamSet = Readonly<Record<string, ParamValue>>;

/**
 * One searchable parameter: its type, the range a search may draw from and the default a run uses when it is
 * not searched. `int` and `float` are inclusive ranges (`log`: sampled uniformly in log space, for scales such
 * as tree counts or thresholds); `step` is the grid spacing (default: 5 points across the range).
 */
export type ParamSpec =
  | {
      readonly type: 'int';
      readonly min: number;
      readonly max: number;
      readonly step?: number;
      readonly log?: boolean;
      readonly default: number;
      readonly doc: string;
    }
  | {
      readonly type: 'float';
      readonly min: number;
      readonly max: number;
      readonly step?: number;
      readonly log?: boolean;
      readonly default: number;
      readonly doc: string;
    }
  | { readonly type: 'choice'; readonly values: readonly ParamValue[]; readonly default: ParamValue; readonly doc: string };

/** Parameter name -> spec, plus the cross-parameter rule a set must satisfy (fast < slow, ...). */
export interface SearchSpace {
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** null when the set is valid, else why not (a search skips such sets; they are never traded). */
  readonly invalid?: (p: ParamSet) => string | null;
}

const int = (min: number, max: number, dflt: number, doc: string, extra: { step?: number; log?: boolean } = {}): ParamSpec => ({
  type: 'int',
  min,
  max,
  default: dflt,
  doc,
  ...extra,
});
const float = (min: number, max: number, dflt: number, doc: string, extra: { step?: number; log?: boolean } = {}): ParamSpec => ({
  type: 'float',
  min,
  max,
  default: dflt,
  doc,
  ...extra,
});

/**
 * The parameters of each bundled strategy that a research campaign searches, with their ranges. The
 * strategies honour every one (tests/unit/strategies/search-space.test.ts changes each and sees a decision
 * change). ml-classifier's trees, depth and label threshold shape the model a trial trains; its confidence
 * gate filters the model's decisions.
 */
export const STRATEGY_SPACES: Readonly<Record<'sma-cross' | 'breakout' | 'mean-reversion' | 'ml-classifier', SearchSpace>> = {
  'sma-cross': {
    params: {
      fast: int(2, 50, 10, 'fast SMA period, bars', { step: 4 }),
      slow: int(10, 200, 50, 'slow SMA period, bars (> fast)', { step: 10 }),
    },
    invalid: (p) => (Number(p.fast) < Number(p.slow) ? null : 'fast must be smaller than slow'),
  },
  breakout: {
    params: {
      period: int(5, 100, 20, 'entry channel: previous N bars high, bars', { step: 5 }),
      exitPeriod: int(2, 50, 10, 'exit channel: previous M bars low, bars', { step: 4 }),
    },
  },
  'mean-reversion': {
    params: {
      period: int(5, 100, 20, 'Bollinger period, bars', { step: 5 }),
      k: float(0.5, 4, 2, 'band width, standard deviations', { step: 0.5 }),
      rsiPeriod: int(2, 50, 14, 'RSI period, bars', { step: 4 }),
      oversold: float(5, 50, 30, 'BUY needs RSI below this', { step: 5 }),
      overbought: float(50, 95, 70, 'SELL when RSI above this', { step: 5 }),
    },
    invalid: (p) => (Number(p.oversold) < Number(p.overbought) ? null : 'oversold must be below overbought'),
  },
  'ml-classifier': {
    params: {
      minConfidence: float(0, 0.9, 0, 'confidence gate: BUY/SELL below this model confidence become HOLD', { step: 0.15 }),
      trees: int(5, 200, 100, 'trees in the forest the trial trains', { log: true, step: 40 }),
      maxDepth: int(2, 16, 10, 'maximum depth of each tree', { step: 2 }),
      labelThreshold: float(0.0002, 0.01, 0.001, 'label rule: next-bar return beyond +-X is BUY/SELL', { log: true, step: 0.002 }),
    },
  },
};

/**
 * The risk settings worth searching, named as in the config table: a trial's value replaces the setting for
 * that trial's kernel (the governor, sizing and stops read it exactly as paper trading does).
 */
export const RISK_SPACE: SearchSpace = {
  params: {
    ATR_STOP_MULT: float(0, 6, 2, 'stop-loss distance in ATRs (0 = no stop)', { step: 1 }),
    TAKE_PROFIT_R: float(0, 6, 2, 'take-profit distance in R (0 = none)', { step: 1 }),
    ORDER_FRACTION: float(0.05, 1, 0.1, 'fixed sizing: share of equity per BUY', { step: 0.2 }),
    SIZING_MODE: { type: 'choice', values: ['fixed', 'risk'], default: 'fixed', doc: 'fixed fraction or risk-per-trade sizing' },
    RISK_PER_TRADE: float(0.002, 0.05, 0.01, 'risk sizing: equity lost at the stop', { step: 0.01 }),
  },
};

export type RiskParam = keyof typeof RISK_SPACE.params;
export const RISK_PARAMS = Object.keys(RISK_SPACE.params);

/**
 * The space one campaign searches: the strategy's parameters plus the named risk settings.
 * @throws ConclaveError VALIDATION_ERROR for an unknown strategy or risk setting.
 */
export function campaignSpace(strategy: string, risk: readonly string[] = []): SearchSpace {
  const own = (STRATEGY_SPACES as Record<string, SearchSpace | undefined>)[strategy];
  if (!own) {
    throw new ConclaveError(
      'VALIDATION_ERROR',
      `no search space for strategy "${strategy}": expected one of ${Object.keys(STRATEGY_SPACES).join(', ')}`,
      {
        field: 'strategy',
      },
    );
  }
  const params: Record<string, ParamSpec> = { ...own.params };
  for (const name of risk) {
    const spec = RISK_SPACE.params[name];
    if (!spec) {
      throw new ConclaveError('VALIDATION_ERROR', `risk setting "${name}" is not searchable: expected some of ${RISK_PARAMS.join(', ')}`, {
        field: 'risk',
      });
    }
    params[name] = spec;
  }
  return { params, invalid: own.invalid };
}

/** Splits a trial's set into the strategy's own parameters and config-table overrides (upper-case names). */
export function splitParams(p: ParamSet): { strategy: Record<string, number>; settings: Record<string, ParamValue> } {
  const strategy: Record<string, number> = {};
  const settings: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(p)) {
    if (Object.hasOwn(RISK_SPACE.params, k)) settings[k] = v;
    else strategy[k] = Number(v);
  }
  return { strategy, settings };
}

export interface ParamSpecJson {
  type: ParamSpec['type'];
  min?: number;
  max?: number;
  step?: number;
  log?: boolean;
  values?: ParamValue[];
  default: ParamValue;
  doc: string;
}

/** The space as JSON for GET /api/strategies and reports. */
export function spaceJson(space: SearchSpace): Record<string, ParamSpecJson> {
  const out: Record<string, ParamSpecJson> = {};
  for (const [name, s] of Object.entries(space.params)) out[name] = s.type === 'choice' ? { ...s, values: [...s.values] } : { ...s };
  return out;
}
