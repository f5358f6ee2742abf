import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ConclaveError } from '../../domain/errors.js';
import type { StoredBacktest } from '../../store/backtest.repository.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { BEARER } from '../platform-schemas.js';
import { userIdOf } from '../user.js';

export interface BacktestChartDeps {
  readonly backtests: { get(id: string, userId: number): Promise<StoredBacktest | null> };
}

/**
 * The equity-vs-buy-and-hold chart a finished backtest wrote into its report folder (`equity.svg`), for the
 * dashboard's backtests panel. The folder comes from the stored result, never from the request.
 */
export function registerBacktestChartRoutes(app: ApiApp, deps: BacktestChartDeps): void {
  app.get(
    '/api/backtests/:id/equity.svg',
    {
      config: { access: 'user', errors: ['NOT_FOUND'] },
      schema: {
        tags: ['backtests'],
        summary: 'Equity against buy-and-hold of a completed backtest, as SVG',
        security: BEARER,
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 200: z.string().describe('image/svg+xml'), 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const run = await deps.backtests.get(request.params.id, userIdOf(request));
      if (!run) throw new ConclaveError('NOT_FOUND', `backtest ${request.params.id}: no such run of yours`);
      const dir = (run.result as { report?: unknown } | null)?.report;
      if (typeof dir !== 'string') throw new ConclaveError('NOT_FOUND', `backtest ${run.id}: status ${run.status}, no report yet`);
      let svg: string;
      try {
        svg = await readFile(join(dir, 'equity.svg'), 'utf8');
      } catch {
        throw new ConclaveError('NOT_FOUND', `backtest ${run.id}: its report ${dir} has no equity.svg (rotated away?)`);
      }
      return reply.type('image/svg+xml').send(svg);
    },
  );
}
