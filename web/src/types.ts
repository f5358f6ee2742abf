/** The API bodies the dashboard reads (snake_case, as served; see /openapi.json). */

export type Action = 'BUY' | 'SELL' | 'HOLD';

export interface CandleJson {
  open_time: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  close_time: string;
}

export interface Candles {
  symbol: string;
  venue: string;
  interval: string;
  candles: CandleJson[];
}

export interface Trade {
  id: number;
  cycle_id: number;
  symbol: string;
  action: Action;
  status: string;
  quantity: number;
  price: number;
  execution_price: number | null;
  fee: number;
  timestamp: string;
  reason: string | null;
  model_version: string | null;
  strategy: string | null;
}

export interface Position {
  symbol: string;
  quantity: number;
  avg_price: number;
  mark_price: number;
  unrealized_pnl: number;
  market_value: number;
  stop_loss: number | null;
  take_profit: number | null;
}

export interface Portfolio {
  cash: number;
  equity: number;
  realized_pnl: number;
  unrealized_pnl: number;
  fees_paid: number;
  daily_pnl: number;
  positions: Position[];
  time: string;
}

export interface EquityPoint {
  time: string;
  cycle_id: number | null;
  cash: number;
  equity: number;
}

export interface RiskState {
  state: 'ACTIVE' | 'REDUCING' | 'HALTED';
  reason_code: string | null;
  reason: string | null;
  halted_at: string | null;
  equity: number;
  peak_equity: number;
  daily_pnl: number;
  daily_loss: number;
  drawdown: number;
  limits: { max_daily_loss: number; max_drawdown: number };
}

export interface Decision {
  id: number;
  cycle_id: number | null;
  symbol: string;
  action: Action;
  confidence: number;
  reason: string;
  model_version: string;
  strategy: string | null;
  price: number | null;
  created_at: string;
}

export interface Cycle {
  cycle_id: number;
  symbol: string;
  protocol: string;
  started_at: string;
  action: Action | null;
  confidence: number | null;
  execution_status: string | null;
  model_version: string | null;
}

export interface BusMessage {
  id: string;
  seq: number;
  from: string;
  to: string;
  type: string;
  payload: unknown;
  ts_event: string;
}

export interface MonitoringStatus {
  running: boolean;
  interval: string;
  symbols: string[];
  cycles_run: number;
  last_error: string | null;
}

export interface Agent {
  name: string;
  health: 'idle' | 'ok' | 'error';
  runs: number;
  errors: number;
  last_run_at: string | null;
  last_latency_ms: number | null;
  last_error: string | null;
  monitoring: MonitoringStatus | null;
}

export interface Regime {
  symbol: string;
  regime: string;
  source: string;
  since: string | null;
  trend: number;
  vol_percentile: number;
}

export interface Strategies {
  protocol: string;
  note: string;
  strategies: Array<{ name: string; description: string; enabled_in: string[] }>;
  selection: Array<{ symbol: string; regime: string; enabled: string[] }>;
  enable_map: { regimes: Record<string, string[]> };
}

export interface ScanOpportunity {
  rank: number | null;
  symbol: string;
  setup: string;
  reason: string;
  entry: number;
  stop: number;
  target: number;
  rr: number;
  confluence: number;
  probability: { estimate: number | null; sample: number };
}

export interface ScanReport {
  generated_at: string;
  venue: string;
  top: ScanOpportunity[];
  reason_fewer: string | null;
}

export interface SymbolRow {
  id: number;
  symbol: string;
  active: boolean;
}

/** A /ws message: `{type, seq, ts, dropped, data}`. */
export interface LiveMessage {
  type: string;
  seq: number;
  ts: string;
  dropped: number;
  data: Record<string, unknown>;
}
