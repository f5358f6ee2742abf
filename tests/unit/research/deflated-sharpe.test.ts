import { describe, expect, it } from 'vitest';
import { isConclaveError } from '../../../src/domain/errors.js';
import { deflatedSharpeRatio, expectedMaxSharpe, probabilisticSharpeRatio, sharpeVariance } from '../../../src/research/deflated-sharpe.js';
import { returnMoments, sharpeOf } from '../../../src/research/moments.js';
import { normalCdf, normalQuantile } from '../../../src/research/normal.js';

// Reference values of Φ and Φ⁻¹ from scipy.stats.norm (an outside implementation), written out as literals.
const Q_0_99 = 2.3263478740408408; // Φ⁻¹(1 - 1/100)
const Q_1_MINUS_1_OVER_100E = 2.6802104449668875; // Φ⁻¹(1 - 1/(100 e))
const Q_0_9 = 1.2815515655446004; // Φ⁻¹(1 - 1/10)
const Q_1_MINUS_1_OVER_10E = 1.7892417645816283; // Φ⁻¹(1 - 1/(10 e))
const GAMMA = 0.5772156649015329;

describe('standard normal', () => {
  it('matches scipy to 1e-12 in the body and relative 1e-9 in the tails', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(0.5)).toBeCloseTo(0.6914624612740131, 12);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316300933, 12);
    expect(normalCdf(-1.2827)).toBeCloseTo(0.09979859995745932, 12);
    expect(normalCdf(5)).toBeCloseTo(0.9999997133484281, 12);
    expect(normalCdf(-6) / 9.865876450376946e-10).toBeCloseTo(1, 9);
    expect(normalCdf(-8.5) / 9.47953482220325e-18).toBeCloseTo(1, 9);
    expect(normalQuantile(0.99)).toBeCloseTo(Q_0_99, 12);
    expect(normalQuantile(1 - 1 / (100 * Math.E))).toBeCloseTo(Q_1_MINUS_1_OVER_100E, 12);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 12);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 10);
    expect(normalQuantile(0.999999)).toBeCloseTo(4.753424308817087, 10);
    expect(() => normalQuantile(0)).toThrow(RangeError);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe('return moments', () => {
  it('computes population skewness and kurtosis by hand', () => {
    // x = [0.01, -0.02, 0.03, 0, 0.05, -0.01]: mean 0.01, deviations 0, -3, 2, -1, 4, -2 (x 0.01).
    // Σd² = 34e-4, Σd³ = 36e-6, Σd⁴ = 370e-8; skew = (36e-6/6)/(34e-4/6)^1.5, kurt = 370·6/34².
    const m = returnMoments([0.01, -0.02, 0.03, 0, 0.05, -0.01]);
    expect(m.mean).toBeCloseTo(0.01, 15);
    expect(m.sd).toBeCloseTo(Math.sqrt(34e-4 / 5), 15);
    expect(m.skewness).toBeCloseTo(6e-6 / (34e-4 / 6) ** 1.5, 12);
    expect(m.kurtosis).toBeCloseTo(2220 / 1156, 12);
    expect(sharpeOf([0.01, -0.02, 0.03, 0, 0.05, -0.01])).toBeCloseTo(0.01 / Math.sqrt(34e-4 / 5), 12);
  });

  it('treats a flat series as normal with Sharpe 0', () => {
    expect(returnMoments([0.01, 0.01, 0.01, 0.01])).toEqual({ n: 4, mean: 0.01, sd: 0, skewness: 0, kurtosis: 3 });
    expect(sharpeOf([0, 0, 0])).toBe(0);
  });
});

describe('deflated Sharpe ratio', () => {
  it('reproduces the numerical example of Bailey and López de Prado (2014)', () => {
    // The paper: 100 trials, annualised Sharpe variance 1/2, best annualised SR 2.5 over 5 years of daily
    // returns (T = 1250, 250 days a year), skewness -3, kurtosis 10; it reports SR0 ≈ 0.1132 and DSR ≈ 0.9004.
    const daily = 2.5 / Math.sqrt(250);
    const variance = 0.5 / 250;
    const r = deflatedSharpeRatio({ sharpe: daily, trials: 100, sharpeVariance: variance, observations: 1250, skewness: -3, kurtosis: 10 });
    expect(r.expectedMaxSharpe).toBeCloseTo(0.1132, 4);
    expect(r.dsr).toBeCloseTo(0.9004, 4);

    // The same by hand to 1e-6, from the quantile literals above.
    const sr0 = Math.sqrt(variance) * ((1 - GAMMA) * Q_0_99 + GAMMA * Q_1_MINUS_1_OVER_100E);
    const z = ((daily - sr0) * Math.sqrt(1249)) / Math.sqrt(1 + 3 * daily + (9 / 4) * daily * daily);
    expect(sr0).toBeCloseTo(0.11317200186513214, 12);
    expect(z).toBeCloseTo(1.2838160365336546, 10);
    expect(r.expectedMaxSharpe).toBeCloseTo(sr0, 9);
    expect(r.dsr).toBeCloseTo(0.9003968344493903, 6); // scipy: Φ(1.2838160365336546)
  });

  it('matches a hand computation with normal returns (10 trials, T = 101)', () => {
    // SR0 = √0.01 · ((1-γ)Φ⁻¹(0.9) + γΦ⁻¹(1 - 1/(10e))); z = (0.1 - SR0)·√100 / √(1 + 0.01/2).
    const sr0 = 0.1 * ((1 - GAMMA) * Q_0_9 + GAMMA * Q_1_MINUS_1_OVER_10E);
    expect(expectedMaxSharpe(10, 0.01)).toBeCloseTo(sr0, 9);
    const r = deflatedSharpeRatio({ sharpe: 0.1, trials: 10, sharpeVariance: 0.01, observations: 101, skewness: 0, kurtosis: 3 });
    expect(((0.1 - sr0) * 10) / Math.sqrt(1.005)).toBeCloseTo(-0.5731671701039728, 10);
    expect(r.dsr).toBeCloseTo(0.28326575536730336, 6); // scipy: Φ(-0.5731671701039728)
    // Undeflated: z = 0.1·10/√1.005 = 0.99750933...; Φ = 0.8407413278013518.
    expect(r.psr).toBeCloseTo(0.8407413278013518, 6);
  });

  it('PSR against a benchmark by hand', () => {
    // z = 0.15·√100/√(1 + 0.15²/2) = 1.5/√1.01125; scipy Φ(z) = 0.932102312908427.
    const psr = probabilisticSharpeRatio({ sharpe: 0.15, benchmark: 0, observations: 101, skewness: 0, kurtosis: 3 });
    expect(psr).toBeCloseTo(0.932102312908427, 6);
  });

  it('deflates more as trials grow, and one trial is no selection', () => {
    expect(expectedMaxSharpe(1, 0.04)).toBe(0);
    let last = 0;
    for (const n of [2, 10, 100, 1000, 10000]) {
      const e = expectedMaxSharpe(n, 0.04);
      expect(e).toBeGreaterThan(last);
      last = e;
    }
    const few = deflatedSharpeRatio({ sharpe: 0.1, trials: 5, sharpeVariance: 0.002, observations: 500, skewness: 0, kurtosis: 3 });
    const many = deflatedSharpeRatio({ sharpe: 0.1, trials: 500, sharpeVariance: 0.002, observations: 500, skewness: 0, kurtosis: 3 });
    expect(many.dsr).toBeLessThan(few.dsr);
    expect(many.psr).toBe(few.psr);
  });

  it('refuses impossible input with VALIDATION_ERROR', () => {
    const base = { sharpe: 0.1, trials: 10, sharpeVariance: 0.01, observations: 100, skewness: 0, kurtosis: 3 };
    for (const bad of [
      { trials: 0 },
      { trials: 2.5 },
      { sharpeVariance: -1 },
      { observations: 1 },
      { kurtosis: 0 },
      { sharpe: Number.NaN },
    ]) {
      let caught: unknown;
      try {
        deflatedSharpeRatio({ ...base, ...bad });
      } catch (e) {
        caught = e;
      }
      expect(isConclaveError(caught, 'VALIDATION_ERROR'), JSON.stringify(bad)).toBe(true);
    }
  });

  it('sample variance of the trials Sharpe ratios', () => {
    expect(sharpeVariance([0.1, 0.2, 0.3])).toBeCloseTo(0.01, 15);
    expect(sharpeVariance([0.1])).toBe(0);
  });
});
