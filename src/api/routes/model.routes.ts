import { z } from 'zod';
import { iso } from '../../engine/cycle-response.js';
import type { TradingModel } from '../../ml/model.js';
import { EDGE_ALPHA, hasEdge } from '../../ml/significance.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { BEARER } from '../platform-schemas.js';

const ModelOut = z
  .object({
    version: z.string(),
    trained_on: z.object({
      symbol: z.string(),
      interval: z.string(),
      from: z.string(),
      to: z.string(),
      rows: z.number().int(),
      label_threshold: z.number(),
    }),
    metrics: z.object({
      train_accuracy: z.number(),
      test_accuracy: z.number().describe('Accuracy on the held-out newest 20% of rows'),
      majority_baseline: z.number().describe('Accuracy of always answering the training majority class on the same rows'),
      macro_f1: z.number(),
    }),
    edge: z.object({
      test: z.literal('exact one-sided McNemar against the majority class'),
      p_value: z.number(),
      alpha: z.number(),
      has_edge: z.boolean().describe('p_value < alpha; until then every model decision says "no measured edge"'),
      rows_better_than_baseline: z.number().int(),
      rows_worse_than_baseline: z.number().int(),
    }),
  })
  .meta({ id: 'ModelInfo' });

/** The model in use: its training window, held-out metrics and the edge test beside the accuracy. */
export function registerModelRoutes(app: ApiApp, model: () => TradingModel): void {
  app.get(
    '/api/model',
    {
      config: { access: 'shared' },
      schema: {
        tags: ['decisions'],
        summary: 'The trading model: version, training window, held-out accuracy next to the majority baseline, and the edge test',
        security: BEARER,
        response: { 200: ModelOut, 401: ErrorBody },
      },
    },
    async () => {
      const m = model();
      const { metrics: x, trainedOn: t } = m;
      return {
        version: m.version,
        trained_on: {
          symbol: t.symbol,
          interval: t.interval,
          from: iso(t.from),
          to: iso(t.to),
          rows: t.rows,
          label_threshold: t.labelThreshold,
        },
        metrics: {
          train_accuracy: x.trainAccuracy,
          test_accuracy: x.testAccuracy,
          majority_baseline: x.majorityBaseline,
          macro_f1: x.macroF1,
        },
        edge: {
          test: 'exact one-sided McNemar against the majority class' as const,
          p_value: x.edgePValue,
          alpha: EDGE_ALPHA,
          has_edge: hasEdge(x.edgePValue),
          rows_better_than_baseline: x.rowsBetterThanBaseline,
          rows_worse_than_baseline: x.rowsWorseThanBaseline,
        },
      };
    },
  );
}
