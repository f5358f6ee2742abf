import { z } from 'zod';
import { intervalMs, isInterval } from '../../domain/candle.js';
import { ConclaveError } from '../../domain/errors.js';
import { type CsvRow, readReportTable } from '../../reports/run-report-reader.js';
import type { StoredBacktest } from '../../store/backtest.repository.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { BEARER } from '../platform-schemas.js';
import { userIdOf } from '../user.js';

export interface BacktestReportDeps {
  readonly backtests: { get(id: string, userId: number): Promise<StoredBacktest | null> };
  /** Stored candles: the price line the run's fills are drawn on (runs over stored candles name their venue). */
  readonly candles: {
    range(
      venue: string,
      symbol: string,
      interval: string,
      from: number,
      to: number,
      limit?: number,
    ): Promise<readonly { closeTime: number; close: number }[]>;
  };
}

/** Points kept of a long curve: enough for a chart as wide as a screen, small enough for a phone. */
const MAX_POINTS = 1_000;
const MAX_ROWS = 500;

const num = (s: string | undefined): number | null => (s === undefined || s === '' ? null : Number(s));

const EquityPointOut = z.object({
  time: z.string(),
  equity: z.number(),
  buy_and_hold: z.number().nullable(),
  drawdown: z.number().describe('Fall from the running peak of equity, fraction (0 at a new high)'),
});

export const BacktestReportOut = z
  .object({
    id: z.string(),
    title: z.string(),
    params: z.unknown(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    metrics: z.record(z.string(), z.number().nullable()),
    benchmark: z.record(z.string(), z.number().nullable()).nullable(),
    equity: z.array(EquityPointOut).describe(`The equity curve, at most ${MAX_POINTS} points evenly spaced; drawdown on the full curve`),
    prices: z
      .array(z.object({ time: z.string(), close: z.number() }))
      .describe('Closes of the stored candles the run traded (empty for CSV runs)'),
    fills: z.array(z.object({ time: z.string(), symbol: z.string(), action: z.string(), price: z.number(), quantity: z.number() })),
    trades: z.array(
      z.object({
        symbol: z.string(),
        side: z.string(),
        entry_time: z.string(),
        exit_time: z.string(),
        quantity: z.number(),
        entry_price: z.number(),
        exit_price: z.number(),
        fees: z.number(),
        pnl: z.number(),
      }),
    ),
    denied: z.array(z.object({ time: z.string(), symbol: z.string(), action: z.string(), reason: z.string() })),
    denials: z.record(z.string(), z.number()).describe('Orders denied, by reason code'),
    halts: z.array(z.object({ time: z.string(), symbol: z.string(), code: z.string(), reason: z.string() })),
  })
  .meta({ id: 'BacktestReport' });

type ReportOut = z.infer<typeof BacktestReportOut>;

interface StoredResult {
  metrics?: Record<string, number | null>;
  benchmark?: Record<string, number | null>;
  denials?: Record<string, number>;
  halt_events?: { time: number | string; symbol: string; code: string; reason: string }[];
  from?: string;
  to?: string;
  report?: unknown;
}

function equityOut(rows: readonly CsvRow[]): ReportOut['equity'] {
  let peak = Number.NEGATIVE_INFINITY;
  const all = rows.map((r) => {
    const equity = Number(r.equity);
    peak = Math.max(peak, equity);
    return { time: r.time, equity, buy_and_hold: num(r.buy_and_hold), drawdown: peak > 0 ? (peak - equity) / peak : 0 };
  });
  if (all.length <= MAX_POINTS) return all;
  const step = all.length / MAX_POINTS;
  const out: ReportOut['equity'] = [];
  for (let i = 0; i < MAX_POINTS; i++) out.push(all[Math.floor(i * step)]);
  // The last point carries the final equity the metrics describe.
  out[out.length - 1] = all[all.length - 1];
  return out;
}

const iso = (t: number | string) => (typeof t === 'number' ? new Date(t).toISOString() : t);

/**
 * `GET /api/backtests/:id/report`: what the dashboard draws of a finished run (equity against buy-and-hold with
 * its drawdown, the fills on the price line, the closed trades, denials and halts), read from the run's report
 * folder; the folder comes from the stored result, never from the request.
 */
export function registerBacktestReportRoutes(app: ApiApp, deps: BacktestReportDeps): void {
  app.get(
    '/api/backtests/:id/report',
    {
      config: { access: 'user', errors: ['NOT_FOUND'] },
      schema: {
        tags: ['backtests'],
        summary: 'A completed backtest as charts: equity vs buy-and-hold, drawdown, fills on the price, trades, denials and halts',
        security: BEARER,
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 200: BacktestReportOut, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const run = await deps.backtests.get(request.params.id, userIdOf(request));
      if (!run) throw new ConclaveError('NOT_FOUND', `backtest ${request.params.id}: no such run of yours`);
      const result = (run.result ?? {}) as StoredResult;
      if (typeof result.report !== 'string')
        throw new ConclaveError('NOT_FOUND', `backtest ${run.id}: status ${run.status}, no report yet`);
      const [equity, orders, trades] = await Promise.all([
        readReportTable(result.report, 'equity'),
        readReportTable(result.report, 'orders'),
        readReportTable(result.report, 'trades'),
      ]);
      if (!equity) throw new ConclaveError('NOT_FOUND', `backtest ${run.id}: its report ${result.report} is gone (rotated away?)`);
      const params = (run.params ?? {}) as {
        venue?: unknown;
        symbol?: unknown;
        interval?: unknown;
        strategy?: unknown;
        protocol?: unknown;
      };
      const filled = (orders ?? []).filter((o) => o.status === 'FILLED');
      const from = result.from ?? equity[0]?.time ?? null;
      const to = result.to ?? equity.at(-1)?.time ?? null;
      return {
        id: run.id,
        title: [params.protocol, params.strategy, params.symbol, params.interval].filter((x) => typeof x === 'string').join(' '),
        params: run.params,
        from,
        to,
        metrics: result.metrics ?? {},
        benchmark: result.benchmark ?? null,
        equity: equityOut(equity),
        prices: await prices(deps, params, from, to),
        fills: filled.slice(0, MAX_ROWS * 2).map((o) => ({
          time: o.time,
          symbol: o.symbol,
          action: o.action,
          price: num(o.execution_price) ?? Number(o.price),
          quantity: Number(o.quantity),
        })),
        trades: (trades ?? []).slice(0, MAX_ROWS).map((t) => ({
          symbol: t.symbol,
          side: t.side,
          entry_time: t.entry_time,
          exit_time: t.exit_time,
          quantity: Number(t.quantity),
          entry_price: Number(t.entry_price),
          exit_price: Number(t.exit_price),
          fees: Number(t.fees),
          pnl: Number(t.pnl),
        })),
        denied: (orders ?? [])
          .filter((o) => o.status === 'REJECTED')
          .slice(0, MAX_ROWS)
          .map((o) => ({ time: o.time, symbol: o.symbol, action: o.action, reason: o.reason })),
        denials: result.denials ?? {},
        halts: (result.halt_events ?? []).map((h) => ({ time: iso(h.time), symbol: h.symbol, code: h.code, reason: h.reason })),
      };
    },
  );
}

async function prices(
  deps: BacktestReportDeps,
  params: { venue?: unknown; symbol?: unknown; interval?: unknown },
  from: string | null,
  to: string | null,
): Promise<ReportOut['prices']> {
  const { venue, symbol, interval } = params;
  if (typeof venue !== 'string' || typeof symbol !== 'string' || typeof interval !== 'string' || !from || !to) return [];
  if (!isInterval(interval)) return [];
  const start = Date.parse(from);
  const candles = await deps.candles.range(venue, symbol, interval, start - intervalMs(interval), Date.parse(to));
  const kept = candles.filter((c) => c.closeTime >= start);
  const step = Math.max(1, Math.ceil(kept.length / MAX_POINTS));
  return kept.filter((_, i) => i % step === 0).map((c) => ({ time: new Date(c.closeTime).toISOString(), close: c.close }));
}
