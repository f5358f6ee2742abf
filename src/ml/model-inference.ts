/**
 * One prediction with its explanation. The reason names the features that moved the chosen class's
 * probability most (Saabas path attribution, see RandomForest.explain), so a trader can see why.
 */
import { ACTION_INDEX, ACTIONS, type Action } from '../domain/action.js';
import { argmax } from './evaluation.js';
import { FEATURE_NAMES, type FeatureName, type FeatureVector, featureRow } from './features.js';
import type { ForestModel, Prediction } from './model.js';
import { EDGE_ALPHA } from './significance.js';

/** Features named in a reason. */
const REASON_FEATURES = 3;

// The forest's class index must be the ACTIONS position; fail at load, not with silently swapped actions.
for (const action of ACTIONS) {
  if (ACTIONS[ACTION_INDEX[action]] !== action) throw new Error(`ACTION_INDEX and ACTIONS disagree on ${action}`);
}

const PERCENT_FEATURES: ReadonlySet<FeatureName> = new Set(['sma10_rel', 'sma50_rel', 'ret_1', 'ret_5']);

/** Value as a trader reads it: returns and distances in %, RSI with one decimal, z-score with two. */
function formatFeature(name: FeatureName, value: number): string {
  if (PERCENT_FEATURES.has(name)) return `${(value * 100).toFixed(2)}%`;
  if (name === 'rsi_14') return value.toFixed(1);
  return value.toFixed(2);
}

/** A p-value as a reader compares it with alpha: 3 significant digits, scientific below 0.001. */
export function formatP(p: number): string {
  return p >= 0.001 ? p.toPrecision(3) : p.toExponential(2);
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : '-'}${Math.abs(value).toFixed(3)}`;
}

/**
 * Predicts an action for one feature vector. confidence = the top class probability (the share of trees'
 * leaf mass; it is not calibrated and says nothing about out-of-sample skill - see model.metrics).
 * The reason lists the top features by absolute contribution to the chosen class, e.g.
 * `Model predicted BUY (p=0.62): rsi_14=28.1 pushed +0.120, ret_5=-0.41% pushed +0.050`, and says "no measured
 * edge" (with the exact McNemar p-value) in every reason until the held-out rows show the model beating the
 * majority-class baseline at EDGE_ALPHA.
 */
export function predictAction(model: ForestModel, features: FeatureVector): Prediction {
  const row = featureRow(features, model.scratchRow);
  const proba = model.forest.predictProba(row);
  const cls = argmax(proba);
  const action: Action = ACTIONS[cls];
  const contributions = model.forest.explain(row, cls);

  const order = FEATURE_NAMES.map((_, f) => f).sort((a, b) => Math.abs(contributions[b]) - Math.abs(contributions[a]));
  const drivers: string[] = [];
  for (const f of order.slice(0, REASON_FEATURES)) {
    if (contributions[f] === 0) break;
    const name = FEATURE_NAMES[f];
    drivers.push(`${name}=${formatFeature(name, features[name])} pushed ${signed(contributions[f])}`);
  }
  const { testAccuracy, majorityBaseline, edgePValue } = model.metrics;
  const edge = model.hasMeasuredEdge
    ? ''
    : ` (no measured edge: held-out accuracy ${testAccuracy.toFixed(3)} vs majority baseline ${majorityBaseline.toFixed(3)}, exact McNemar p=${formatP(edgePValue)} >= ${EDGE_ALPHA})`;
  const because = drivers.length > 0 ? drivers.join(', ') : 'every tree answered from its root (no split applied)';
  return {
    action,
    confidence: proba[cls],
    probabilities: { BUY: proba[ACTION_INDEX.BUY], SELL: proba[ACTION_INDEX.SELL], HOLD: proba[ACTION_INDEX.HOLD] },
    reason: `Model predicted ${action} (p=${proba[cls].toFixed(2)}): ${because}${edge}`,
  };
}
