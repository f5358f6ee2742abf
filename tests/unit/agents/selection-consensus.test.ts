import { describe, expect, it } from 'vitest';
import { tallyVotes, VoterScoreboard } from '../../../src/agents/consensus-tally.js';
import { StrategySelector } from '../../../src/agents/strategy-selection.js';
import type { EnableMap } from '../../../src/strategies/enable-map.js';

const MAP: EnableMap = {
  cooldownBars: 3,
  regimes: { BULL: ['sma-cross', 'breakout'], BEAR: ['ml-classifier'], RANGE: ['mean-reversion'], HIGH_VOL: [] },
};
const H = 3_600_000;

describe('StrategySelector cooldowns', () => {
  it('applies the first regime at once, then waits cooldownBars bars before switching a strategy again', () => {
    const s = new StrategySelector();
    expect(s.select('BULL', 1 * H, MAP).enabled).toEqual(['breakout', 'sma-cross']);
    const early = s.select('RANGE', 2 * H, MAP);
    // mean-reversion was never switched: it comes on at once; the BULL pair must wait 3 bars from bar 0
    expect(early.enabled).toEqual(['breakout', 'mean-reversion', 'sma-cross']);
    expect(early.switchedOn).toEqual(['mean-reversion']);
    expect(early.waiting).toEqual(
      expect.arrayContaining([
        { strategy: 'sma-cross', want: 'off', barsLeft: 2 },
        { strategy: 'breakout', want: 'off', barsLeft: 2 },
      ]),
    );
    // several cycles on one candle do not count as bars
    expect(s.select('RANGE', 2 * H, MAP).waiting.find((w) => w.strategy === 'sma-cross')?.barsLeft).toBe(2);
    s.select('RANGE', 3 * H, MAP);
    const later = s.select('RANGE', 4 * H, MAP);
    expect(later.enabled).toEqual(['mean-reversion']);
    expect([...later.switchedOff].sort()).toEqual(['breakout', 'sma-cross']);
  });

  it('a strategy switched on stays on through a one-bar flicker of the regime', () => {
    const s = new StrategySelector();
    s.select('RANGE', 1 * H, MAP);
    s.select('RANGE', 5 * H, MAP);
    const on = s.select('BULL', 6 * H, MAP);
    expect([...on.switchedOn].sort()).toEqual(['breakout', 'sma-cross']);
    const flicker = s.select('RANGE', 7 * H, MAP);
    expect(flicker.enabled).toContain('sma-cross');
    expect(flicker.waiting.find((w) => w.strategy === 'sma-cross')).toEqual({ strategy: 'sma-cross', want: 'off', barsLeft: 2 });
  });
});

describe('consensus tally', () => {
  const ballot = (voter: string, action: 'BUY' | 'SELL' | 'HOLD', confidence: number, weight = 1) => ({
    voter,
    action,
    confidence,
    weight,
  });

  it('weighted by weight x confidence: BUY 0.8 + 0.6 = 1.4 vs SELL 0.9 -> BUY with 1.4 / 2.3 = 60.9%', () => {
    const r = tallyVotes([ballot('a', 'BUY', 0.8), ballot('b', 'BUY', 0.6), ballot('c', 'SELL', 0.9)], 0.5);
    expect(r.action).toBe('BUY');
    expect(r.agreement).toBeCloseTo(1.4 / 2.3, 12);
  });
  it('a heavier voter outweighs two light ones: SELL 0.9 x 2 = 1.8 beats BUY 1.4', () => {
    expect(tallyVotes([ballot('a', 'BUY', 0.8), ballot('b', 'BUY', 0.6), ballot('c', 'SELL', 0.9, 2)], 0.5).action).toBe('SELL');
  });
  it('ties hold', () => {
    const r = tallyVotes([ballot('a', 'BUY', 0.7), ballot('b', 'SELL', 0.7)], 0);
    expect(r.action).toBe('HOLD');
    expect(r.reason).toMatch(/tie/);
  });
  it('low agreement holds: BUY 0.5 vs SELL 0.3 + HOLD 0.3 -> 45% <= 50%', () => {
    const r = tallyVotes([ballot('a', 'BUY', 0.5), ballot('b', 'SELL', 0.3), ballot('c', 'HOLD', 0.3)], 0.5);
    expect(r.action).toBe('HOLD');
    expect(r.agreement).toBeCloseTo(0.5 / 1.1, 12);
  });
  it('no votes or only zero weights hold', () => {
    expect(tallyVotes([], 0.5).action).toBe('HOLD');
    expect(tallyVotes([ballot('a', 'BUY', 1, 0)], 0.5).action).toBe('HOLD');
  });
  it('scoreboard: Laplace weight (hits + 1) / (n + 2) from BUY/SELL votes scored against the next price', () => {
    const s = new VoterScoreboard(10);
    expect(s.weight('a')).toBe(0.5);
    s.observe('a', 'X', 'BUY', 100);
    s.observe('a', 'X', 'BUY', 110); // hit
    s.observe('a', 'X', 'SELL', 120); // previous BUY hit again
    s.observe('a', 'X', 'HOLD', 130); // SELL missed
    s.observe('a', 'X', 'BUY', 90); // HOLD not scored
    // 2 hits of 3 -> (2 + 1) / (3 + 2)
    expect(s.weight('a')).toBeCloseTo(0.6, 12);
  });
});
