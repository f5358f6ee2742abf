import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { ConclaveError } from '../domain/errors.js';
import { REGIMES, type Regime } from '../domain/regime.js';
import { checkStrategyParams, STRATEGY_NAMES, type StrategyName } from './registry.js';

/** Which strategies run in each regime, and how long a strategy stays put after it was switched. */
export interface EnableMap {
  /** Bars (of the cycle's interval) a strategy must wait after being switched on or off before it can switch again. */
  readonly cooldownBars: number;
  readonly regimes: Readonly<Record<Regime, readonly StrategyName[]>>;
  /**
   * Parameters a strategy runs with instead of its defaults (set by a research promotion, or by hand); the brain
   * rebuilds a strategy from the next cycle on when its entry changes.
   */
  readonly params?: Readonly<Partial<Record<StrategyName, Readonly<Record<string, number>>>>>;
}

const strategyName = z.enum(STRATEGY_NAMES);

export const EnableMapSchema = z
  .object({
    cooldown_bars: z.number().int().min(0).max(10_000),
    regimes: z.object(
      Object.fromEntries(REGIMES.map((r) => [r, z.array(strategyName).max(STRATEGY_NAMES.length)])) as Record<
        Regime,
        z.ZodArray<typeof strategyName>
      >,
    ),
    strategy_params: z.partialRecord(strategyName, z.record(z.string().max(64), z.number())).optional(),
  })
  .strict();

export type EnableMapJson = z.infer<typeof EnableMapSchema>;

/** The shipped default (config/enable-map.yaml holds the same). */
export const DEFAULT_ENABLE_MAP: EnableMap = {
  cooldownBars: 5,
  regimes: {
    BULL: ['ml-classifier', 'sma-cross', 'breakout'],
    BEAR: ['ml-classifier'],
    RANGE: ['mean-reversion', 'ml-classifier'],
    HIGH_VOL: [],
  },
};

/**
 * Validates the snake_case form (YAML file, API body) into an EnableMap: every regime present, known strategy
 * names only, duplicates removed.
 * @throws ConclaveError VALIDATION_ERROR naming the offending field.
 */
export function enableMapFromJson(value: unknown, source = 'enable map'): EnableMap {
  const parsed = EnableMapSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.');
    throw new ConclaveError('VALIDATION_ERROR', `${source}: ${field || 'document'}: ${issue.message}`, { field });
  }
  const regimes = Object.fromEntries(REGIMES.map((r) => [r, [...new Set(parsed.data.regimes[r])]])) as Record<Regime, StrategyName[]>;
  const params = parsed.data.strategy_params;
  if (params) {
    for (const [name, p] of Object.entries(params)) {
      try {
        checkStrategyParams(name as StrategyName, p ?? {});
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new ConclaveError('VALIDATION_ERROR', `${source}: strategy_params.${name}: ${message}`, { field: `strategy_params.${name}` });
      }
    }
  }
  return params && Object.keys(params).length > 0
    ? { cooldownBars: parsed.data.cooldown_bars, regimes, params: params as EnableMap['params'] }
    : { cooldownBars: parsed.data.cooldown_bars, regimes };
}

export function enableMapToJson(map: EnableMap): EnableMapJson {
  return {
    cooldown_bars: map.cooldownBars,
    regimes: Object.fromEntries(REGIMES.map((r) => [r, [...map.regimes[r]]])) as EnableMapJson['regimes'],
    ...(map.params && Object.keys(map.params).length > 0
      ? { strategy_params: Object.fromEntries(Object.entries(map.params).map(([k, v]) => [k, { ...v }])) }
      : {}),
  };
}

/** @throws ConclaveError VALIDATION_ERROR for YAML that does not parse or validate. */
export function parseEnableMapYaml(text: string, source = 'enable map'): EnableMap {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new ConclaveError('VALIDATION_ERROR', `${source}: not valid YAML: ${(error as Error).message}`);
  }
  return enableMapFromJson(doc, source);
}

export function enableMapToYaml(map: EnableMap): string {
  const header =
    '# Regime -> strategies enabled by the brain protocol (StrategySelectionAgent).\n' +
    '# cooldown_bars: after a strategy is switched on or off it keeps that state for this many bars.\n' +
    '# None of these strategies has a proven edge; measure them with `conclave backtest` first.\n';
  return header + stringify(enableMapToJson(map));
}
