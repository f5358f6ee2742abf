import type { Action } from '../../src/domain/action.js';
import type { FeatureVector } from '../../src/ml/features.js';
import type { Prediction, TradingModel } from '../../src/ml/model.js';

/** A model whose next answer the test sets, so BUY, SELL and HOLD paths are each exercised. */
export class ScriptedModel implements TradingModel {
  readonly version = 'scripted-v1';
  readonly featureNames = [];
  readonly trainedOn = { symbol: 'BTCUSDT', interval: '1h' as const, from: 0, to: 0, rows: 0, labelThreshold: 0.001 };
  readonly metrics = {
    trainAccuracy: 0,
    testAccuracy: 0,
    majorityBaseline: 0,
    macroF1: 0,
    edgePValue: 1,
    rowsBetterThanBaseline: 0,
    rowsWorseThanBaseline: 0,
  };
  next: Action = 'HOLD';
  predictAction(_features: FeatureVector): Prediction {
    const probabilities = { BUY: 0.1, SELL: 0.1, HOLD: 0.1, [this.next]: 0.8 } as Prediction['probabilities'];
    return { action: this.next, confidence: 0.8, probabilities, reason: `scripted ${this.next}` };
  }
}

/** A tiny HTTP client over fetch returning status and parsed JSON. */
export async function call(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies by path and assert on them
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json');
  return { status: res.status, body: json && text ? JSON.parse(text) : text };
}
