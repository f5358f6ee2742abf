import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../src/domain/candle.js';
import { isConclaveError } from '../../../src/domain/errors.js';
import { latestFeatures } from '../../../src/ml/features.js';
import { trainModel } from '../../../src/ml/model.js';
import { type LoadOrTrainOptions, loadModel, loadOrTrain, saveModel } from '../../../src/ml/model-loader.js';
import { referenceData } from './reference-data.js';

const { candles } = referenceData();
const training = candles.slice(0, 600);
const probe = latestFeatures(candles.slice(600, 700))!;

function setup(overrides: Partial<LoadOrTrainOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-model-'));
  const logs: string[] = [];
  let fetches = 0;
  const opts: LoadOrTrainOptions = {
    modelPath: join(dir, 'nested', 'model.json'),
    fetchCandles: async (): Promise<Candle[]> => {
      fetches++;
      return training;
    },
    symbol: 'BTCUSDT',
    interval: '1m',
    labelThreshold: 0.001,
    trees: 10,
    maxDepth: 6,
    seed: 1,
    log: (m) => logs.push(m),
    ...overrides,
  };
  return { dir, opts, logs, fetches: () => fetches };
}

describe('loadOrTrain', () => {
  it('trains and saves when there is no file, then loads the same model', async () => {
    const { dir, opts, fetches } = setup();
    const first = await loadOrTrain(opts);
    expect(first.source).toBe('trained');
    expect(fetches()).toBe(1);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['model.json']); // no temporary file left behind

    const second = await loadOrTrain(opts);
    expect(second.source).toBe('loaded');
    expect(fetches()).toBe(1);
    expect(second.model.version).toBe(first.model.version);
    expect(second.model.metrics).toEqual(first.model.metrics);
    expect(second.model.trainedOn).toEqual(first.model.trainedOn);
    expect(second.model.predictAction(probe)).toEqual(first.model.predictAction(probe));
  });

  it.each([
    ['labelThreshold', { labelThreshold: 0.002 }],
    ['symbol', { symbol: 'ETHUSDT' }],
    [
      'interval',
      {
        interval: '5m' as const,
        fetchCandles: async () => training.map((c, i) => ({ ...c, openTime: i * 300_000, closeTime: i * 300_000 + 299_999 })),
      },
    ],
    ['trees', { trees: 11 }],
  ])('retrains when the saved model differs in %s', async (key, change) => {
    const { opts, logs } = setup();
    await loadOrTrain(opts);
    const next = await loadOrTrain({ ...opts, ...change });
    expect(next.source).toBe('trained');
    expect(logs.some((l) => l.startsWith('MODEL_INCOMPATIBLE') && l.includes(key))).toBe(true);
    // The replacement was saved: a third start with the new options loads it.
    expect((await loadOrTrain({ ...opts, ...change })).source).toBe('loaded');
  });

  it('retrains when the file is corrupt, logging why', async () => {
    const { opts, logs } = setup();
    await loadOrTrain(opts);
    writeFileSync(opts.modelPath, '{"format": "conclave-trading-model", "formatVer');
    const next = await loadOrTrain(opts);
    expect(next.source).toBe('trained');
    expect(logs.some((l) => l.startsWith('MODEL_INCOMPATIBLE') && l.includes('not valid JSON'))).toBe(true);
  });
});

describe('loadModel', () => {
  async function saved(): Promise<{ path: string; json: Record<string, unknown> }> {
    const { opts } = setup();
    await saveModel(trainModel(training, { ...opts }), opts.modelPath);
    return { path: opts.modelPath, json: JSON.parse(readFileSync(opts.modelPath, 'utf8')) as Record<string, unknown> };
  }

  async function expectIncompatible(path: string, message: RegExp): Promise<void> {
    try {
      await loadModel(path);
      expect.unreachable('loadModel accepted an incompatible file');
    } catch (error) {
      expect(isConclaveError(error, 'MODEL_INCOMPATIBLE')).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
  }

  it('rejects another feature set, another format version and a damaged forest', async () => {
    const { path, json } = await saved();
    writeFileSync(path, JSON.stringify({ ...json, featureNames: ['sma10_rel', 'rsi_14'] }));
    await expectIncompatible(path, /features \[sma10_rel, rsi_14\], this build computes \[sma10_rel, sma50_rel/);
    writeFileSync(path, JSON.stringify({ ...json, formatVersion: 2 }));
    await expectIncompatible(path, /format version 2, this build reads version 1/);
    const forest = json.forest as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...json, forest: { ...forest, roots: [] } }));
    await expectIncompatible(path, /tree roots are missing/);
    writeFileSync(path, JSON.stringify({ hello: 'world' }));
    await expectIncompatible(path, /not a conclave-trading-model v1 file/);
  });

  it('throws NOT_FOUND for a missing file', async () => {
    await expect(loadModel(join(tmpdir(), 'no-such-dir-conclave', 'm.json'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
