import { z } from 'zod';
import { ConclaveError } from '../domain/errors.js';
import { BREAKOUT_DEFAULTS, BreakoutStrategy } from './breakout.js';
import { MEAN_REVERSION_DEFAULTS, MeanReversionStrategy } from './mean-reversion.js';
import { type ClassifierModel, ML_CLASSIFIER_DESCRIPTION, MlClassifierStrategy } from './ml-classifier.js';
import { SMA_CROSS_DEFAULTS, SmaCrossStrategy } from './sma-cross.js';
import type { Strategy, StrategyParams } from './strategy.js';

export const STRATEGY_NAMES = ['ml-classifier', 'sma-cross', 'breakout', 'mean-reversion'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** What factories may need beyond their parameters. */
export interface StrategyDeps {
  /** The current trained model (ml-classifier). */
  readonly model?: () => ClassifierModel;
}

export interface StrategySpec {
  readonly name: StrategyName;
  readonly description: string;
  readonly defaults: StrategyParams;
  /** Meaning and unit of each parameter. */
  readonly paramDocs: Readonly<Record<string, string>>;
  create(params: Partial<Record<string, number>>, deps: StrategyDeps): Strategy;
}

const period = z.number().int().min(2).max(1000);

const smaCross = z
  .object({ fast: period, slow: period })
  .refine((p) => p.fast < p.slow, { message: 'fast must be smaller than slow', path: ['fast'] });
const breakout = z.object({ period, exitPeriod: period });
const meanReversion = z
  .object({
    period,
    k: z.number().positive().max(10),
    rsiPeriod: period,
    oversold: z.number().min(0).max(100),
    overbought: z.number().min(0).max(100),
  })
  .refine((p) => p.oversold < p.overbought, { message: 'oversold must be below overbought', path: ['oversold'] });
const mlClassifier = z.object({ minConfidence: z.number().min(0).max(1) });

function parse<T>(schema: z.ZodType<T>, name: string, params: unknown): T {
  const parsed = schema.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConclaveError('VALIDATION_ERROR', `strategy ${name}: ${issue.path.join('.') || 'params'}: ${issue.message}`, {
      field: issue.path.join('.'),
      strategy: name,
    });
  }
  return parsed.data;
}

/** Every bundled strategy: name -> validated factory. None has a proven edge. */
export const STRATEGIES: Readonly<Record<StrategyName, StrategySpec>> = {
  'ml-classifier': {
    name: 'ml-classifier',
    description: ML_CLASSIFIER_DESCRIPTION,
    defaults: { minConfidence: 0 },
    paramDocs: { minConfidence: 'BUY/SELL below this model confidence (0..1) become HOLD' },
    create(params, deps) {
      if (!deps.model)
        throw new ConclaveError('VALIDATION_ERROR', 'strategy ml-classifier needs the trained model', { strategy: 'ml-classifier' });
      return new MlClassifierStrategy(deps.model, parse(mlClassifier, 'ml-classifier', { ...this.defaults, ...params }));
    },
  },
  'sma-cross': {
    name: 'sma-cross',
    description: new SmaCrossStrategy().description,
    defaults: { ...SMA_CROSS_DEFAULTS },
    paramDocs: { fast: 'fast SMA period, bars', slow: 'slow SMA period, bars (> fast)' },
    create: (params) => new SmaCrossStrategy(parse(smaCross, 'sma-cross', { ...SMA_CROSS_DEFAULTS, ...params })),
  },
  breakout: {
    name: 'breakout',
    description: new BreakoutStrategy().description,
    defaults: { ...BREAKOUT_DEFAULTS },
    paramDocs: { period: 'entry channel: previous N bars high, bars', exitPeriod: 'exit channel: previous M bars low, bars' },
    create: (params) => new BreakoutStrategy(parse(breakout, 'breakout', { ...BREAKOUT_DEFAULTS, ...params })),
  },
  'mean-reversion': {
    name: 'mean-reversion',
    description: new MeanReversionStrategy().description,
    defaults: { ...MEAN_REVERSION_DEFAULTS },
    paramDocs: {
      period: 'Bollinger period, bars',
      k: 'band width, standard deviations',
      rsiPeriod: 'RSI period, bars',
      oversold: 'BUY needs RSI below this (0..100)',
      overbought: 'SELL when RSI above this (0..100)',
    },
    create: (params) => new MeanReversionStrategy(parse(meanReversion, 'mean-reversion', { ...MEAN_REVERSION_DEFAULTS, ...params })),
  },
};

export function isStrategyName(name: string): name is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(name);
}

/**
 * A strategy by name with validated parameters (defaults fill the rest).
 * @throws ConclaveError VALIDATION_ERROR for an unknown name or invalid parameters.
 */
export function createStrategy(name: string, params: Partial<Record<string, number>> = {}, deps: StrategyDeps = {}): Strategy {
  if (!isStrategyName(name)) {
    throw new ConclaveError('VALIDATION_ERROR', `unknown strategy "${name}": expected one of ${STRATEGY_NAMES.join(', ')}`, {
      field: 'strategy',
      strategy: name,
    });
  }
  return STRATEGIES[name].create(params, deps);
}

/**
 * Checks a request's parameters for `name` before anything runs or is stored: only the strategy's own
 * parameter names are accepted, with valid values (ml-classifier takes none: MIN_CONFIDENCE is a setting).
 * @throws ConclaveError VALIDATION_ERROR naming the field (`params.<key>`).
 */
export function checkStrategyParams(name: StrategyName, params: Readonly<Record<string, number>>): void {
  const allowed = name === 'ml-classifier' ? [] : Object.keys(STRATEGIES[name].defaults);
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) {
      const expected = allowed.length > 0 ? `expected one of ${allowed.join(', ')}` : 'it takes no parameters';
      throw new ConclaveError('VALIDATION_ERROR', `params.${key}: unknown parameter of strategy ${name}; ${expected}`, {
        field: `params.${key}`,
        strategy: name,
      });
    }
  }
  if (allowed.length > 0) STRATEGIES[name].create(params, {});
}
