import { describe, expect, it } from 'vitest';
import { isConclaveError } from '../../../src/domain/errors.js';
import { FEATURE_NAMES, latestFeatures } from '../../../src/ml/features.js';
import { ForestModel, trainModel } from '../../../src/ml/model.js';
import { referenceData } from './reference-data.js';

const OPTS = { symbol: 'BTCUSDT', interval: '1m', labelThreshold: 0.001, trees: 30, maxDepth: 10, seed: 42 } as const;

describe('trainModel on 1000 real BTCUSDT 1m candles', () => {
  const { candles } = referenceData();
  const window = candles.slice(0, 1000);
  const model = trainModel(window, OPTS);

  it('names its version and training window', () => {
    // 2021-03-26 03:00 UTC + 1000 minutes = 19:40.
    expect(model.version).toMatch(/^rf-v1-BTCUSDT-1m-20210326T0300-20210326T1940-[0-9a-f]{8}$/);
    expect(model.trainedOn).toEqual({
      symbol: 'BTCUSDT',
      interval: '1m',
      from: window[0].openTime,
      to: window[999].openTime + 60_000,
      rows: 1000 - 49 - 1,
      labelThreshold: 0.001,
    });
    expect(model.featureNames).toEqual(FEATURE_NAMES);
  });

  it('holds out the last 20% and reports metrics against the majority baseline', () => {
    expect(model.evaluation.testRows).toBe(190);
    expect(model.evaluation.trainRows).toBe(760);
    const { trainAccuracy, testAccuracy, majorityBaseline, macroF1 } = model.metrics;
    for (const v of [trainAccuracy, testAccuracy, majorityBaseline, macroF1]) expect(v >= 0 && v <= 1).toBe(true);
    const confusion = model.evaluation.confusion;
    const total = confusion.flat().reduce((a, b) => a + b, 0);
    expect(total).toBe(190);
    expect(testAccuracy).toBeCloseTo((confusion[0][0] + confusion[1][1] + confusion[2][2]) / 190, 12);
  });

  it('is deterministic: same candles and options give the same version and predictions', () => {
    const again = trainModel(window, OPTS);
    expect(again.version).toBe(model.version);
    const f = latestFeatures(candles.slice(1000, 1100))!;
    expect(again.predictAction(f)).toEqual(model.predictAction(f));
    expect(trainModel(window, { ...OPTS, seed: 7 }).version).not.toBe(model.version);
  });

  it('predicts an action with the top probability as confidence and a reason naming features', () => {
    for (let end = 1100; end < 1400; end += 37) {
      const f = latestFeatures(candles.slice(end - 100, end))!;
      const p = model.predictAction(f);
      const { BUY, SELL, HOLD } = p.probabilities;
      expect(BUY + SELL + HOLD).toBeCloseTo(1, 12);
      expect(p.confidence).toBe(Math.max(BUY, SELL, HOLD));
      expect(p.probabilities[p.action]).toBe(p.confidence);
      expect(p.reason).toMatch(
        new RegExp(`^Model predicted ${p.action} \\(p=\\d\\.\\d\\d\\): (sma10_rel|sma50_rel|rsi_14|ret_1|ret_5|vol_z)=`),
      );
      expect(p.reason).toMatch(/pushed [+-]\d\.\d{3}/);
    }
  });

  it('says "no measured edge" in the reason exactly when the exact McNemar p-value is not below 0.05', () => {
    const f = latestFeatures(candles.slice(1000, 1100))!;
    expect(model.predictAction(f).reason.includes('no measured edge')).toBe(!(model.metrics.edgePValue < 0.05));
  });

  it('counts the disagreeing held-out rows from the confusion matrix and the training majority', () => {
    // Rows only the model got right: its hits outside the majority class; rows only the baseline got right:
    // the majority class's rows the model called something else. HOLD (index 2) is the majority of 1m labels.
    const m = model.evaluation.confusion;
    const maj = 2;
    let better = 0;
    let worse = 0;
    for (let c = 0; c < 3; c++) {
      if (c !== maj) better += m[c][c];
      else worse += m[c][0] + m[c][1];
    }
    expect(model.metrics.rowsBetterThanBaseline).toBe(better);
    expect(model.metrics.rowsWorseThanBaseline).toBe(worse);
    expect(model.metrics.edgePValue).toBeGreaterThan(0);
    expect(model.metrics.edgePValue).toBeLessThanOrEqual(1);
  });

  it('keeps the warning when accuracy beats the baseline by a few rows that are not significant', () => {
    // 7 more rows right than the baseline out of 5,980 (the case the issue measured): 53 vs 46 disagreeing
    // rows gives p = 0.27; the warning must stay although testAccuracy > majorityBaseline.
    const metrics = {
      ...model.metrics,
      testAccuracy: 0.5012,
      majorityBaseline: 0.5,
      edgePValue: 0.27,
      rowsBetterThanBaseline: 53,
      rowsWorseThanBaseline: 46,
    };
    const lucky = new ForestModel(model.forest, { ...model, metrics });
    const f = latestFeatures(candles.slice(1000, 1100))!;
    expect(lucky.hasMeasuredEdge).toBe(false);
    expect(lucky.predictAction(f).reason).toMatch(/no measured edge: .*exact McNemar p=0\.270 >= 0\.05\)$/);
    const proven = new ForestModel(model.forest, { ...model, metrics: { ...metrics, edgePValue: 0.01 } });
    expect(proven.hasMeasuredEdge).toBe(true);
    expect(proven.predictAction(f).reason).not.toMatch(/no measured edge/);
  });

  it('refuses too few candles with INSUFFICIENT_DATA', () => {
    try {
      trainModel(candles.slice(0, 120), OPTS);
      expect.unreachable();
    } catch (error) {
      expect(isConclaveError(error, 'INSUFFICIENT_DATA')).toBe(true);
      expect((error as Error).message).toMatch(/at least 100 rows.*gave 70/);
    }
  });
});

describe('trainModel input checks', () => {
  it('refuses candles whose spacing is not the interval', () => {
    const { candles } = referenceData();
    expect(() => trainModel(candles.slice(0, 300), { ...OPTS, interval: '5m' })).toThrow(
      /must be 300000 ms apart; the closest two are 60000 ms/,
    );
  });
});
