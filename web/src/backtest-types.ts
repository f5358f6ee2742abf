/** Shapes of the backtest API the research panel reads (GET /api/backtests, /:id/report). */

export type Metrics = Record<string, number | null>;

export interface BacktestRun {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  progress: number;
  params: {
    source?: string;
    command?: string;
    symbol?: string;
    venue?: string;
    strategy?: string;
    protocol?: string;
    interval?: string;
    from?: string;
    to?: string;
    settings?: Record<string, unknown>;
    [key: string]: unknown;
  };
  result: {
    metrics: Metrics;
    benchmark?: Metrics;
    settings?: Record<string, unknown>;
    trades: number;
    from: string;
    to: string;
  } | null;
  error: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface BacktestReport {
  id: string;
  title: string;
  from: string | null;
  to: string | null;
  metrics: Metrics;
  benchmark: Metrics | null;
  equity: { time: string; equity: number; buy_and_hold: number | null; drawdown: number }[];
  prices: { time: string; close: number }[];
  fills: { time: string; symbol: string; action: string; price: number; quantity: number }[];
  trades: {
    symbol: string;
    side: string;
    entry_time: string;
    exit_time: string;
    quantity: number;
    entry_price: number;
    exit_price: number;
    fees: number;
    pnl: number;
  }[];
  denied: { time: string; symbol: string; action: string; reason: string }[];
  denials: Record<string, number>;
  halts: { time: string; symbol: string; code: string; reason: string }[];
}

/** `backtest.progress` and `backtest.finished` on /ws. */
export interface BacktestEventData {
  id: string;
  status: string;
  progress: number;
}
