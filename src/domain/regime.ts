/** Market regimes the regime agent tells apart (seed 003: Bullish, Bearish, Range, HighVol). */
export const REGIMES = ['BULL', 'BEAR', 'RANGE', 'HIGH_VOL'] as const;
export type Regime = (typeof REGIMES)[number];

export function isRegime(value: string): value is Regime {
  return (REGIMES as readonly string[]).includes(value);
}
