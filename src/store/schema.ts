import type { Generated } from 'kysely';

/**
 * Row types of every table, as both dialects return them once the pg type parsers are set (int8 and numeric
 * become numbers). Times are UTC epoch milliseconds; JSON is stored as text; booleans are 0/1 integers so
 * SQLite and PostgreSQL read back the same values.
 */

/** A JSON document stored as text. */
type JsonText = string;
/** 0 or 1. */
type IntBool = number;

export interface UsersTable {
  id: Generated<number>;
  username: string;
  /** Null for the loopback user. */
  email: string | null;
  password_hash: string;
  created_at: number;
  /** Tokens carry it; bumping it revokes every token of the user. */
  token_version: Generated<number>;
  role: Generated<UserRole>;
}

/** `operator`s may change what every account shares (enable map, the shared scan). */
export type UserRole = 'user' | 'operator';

export interface RefreshTokensTable {
  id: string;
  user_id: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface SymbolsTable {
  id: Generated<number>;
  user_id: number;
  symbol: string;
  venue: string;
  asset_type: string;
  interval: string;
  active: IntBool;
  created_at: number;
}

export interface SequencesTable {
  name: string;
  value: number;
}

export interface CyclesTable {
  id: number;
  user_id: number;
  symbol: string;
  protocol: string;
  started_at: number;
  finished_at: number;
  action: string | null;
  confidence: number | null;
  execution_status: string | null;
  model_version: string | null;
  idempotency_key: string | null;
  response: JsonText;
}

export interface MessagesTable {
  id: string;
  cycle_id: number;
  seq: number;
  from_agent: string;
  to_agent: string;
  type: string;
  payload: JsonText;
  ts_event: number;
  ts_init: number;
}

export interface MarketSnapshotsTable {
  id: Generated<number>;
  cycle_id: number | null;
  /** The account whose cycle, refresh or advice took it; null only for rows older than migration 0003. */
  user_id: number | null;
  symbol: string;
  source: string;
  interval: string;
  price: number;
  sma_10: number | null;
  sma_50: number | null;
  rsi_14: number | null;
  features: JsonText | null;
  candle_time: number;
  observed_at: number;
}

export interface DecisionsTable {
  id: Generated<number>;
  cycle_id: number | null;
  user_id: number;
  symbol: string;
  action: string;
  confidence: number;
  reason: string;
  model_version: string;
  strategy: string;
  probabilities: JsonText;
  price: number;
  created_at: number;
}

export interface TradesTable {
  id: Generated<number>;
  order_id: string;
  cycle_id: number | null;
  user_id: number;
  symbol: string;
  action: 'BUY' | 'SELL';
  status: 'FILLED' | 'REJECTED';
  quantity: number;
  price: number;
  execution_price: number | null;
  fee: number;
  reason: string | null;
  model_version: string | null;
  strategy: string | null;
  timestamp: number;
}

export interface AccountsTable {
  user_id: number;
  starting_capital: number;
  cash: number;
  realized_pnl: number;
  fees_paid: number;
  updated_at: number;
}

export interface PositionsTable {
  user_id: number;
  symbol: string;
  quantity: number;
  avg_price: number;
  stop_loss: number | null;
  take_profit: number | null;
  /** Fills that opened or added to the position since it was flat (MAX_ENTRIES_PER_POSITION). */
  entries: Generated<number>;
  opened_at: number;
  updated_at: number;
}

export interface EquityPointsTable {
  id: Generated<number>;
  user_id: number;
  cycle_id: number | null;
  time: number;
  cash: number;
  equity: number;
  realized_pnl: number;
  unrealized_pnl: number;
}

export interface RiskStateTable {
  user_id: number;
  state: 'ACTIVE' | 'REDUCING' | 'HALTED';
  reason: string | null;
  halted_at: number | null;
  day: string;
  day_start_equity: number;
  peak_equity: number;
  updated_at: number;
}

export interface CandlesTable {
  venue: string;
  symbol: string;
  interval: string;
  open_time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  close_time: number;
}

export interface AgentStateTable {
  user_id: number;
  name: string;
  status: string;
  config: JsonText;
  last_run_at: number | null;
  last_error: string | null;
  updated_at: number;
}

export interface BacktestsTable {
  id: string;
  user_id: number;
  status: string;
  params: JsonText;
  progress: number;
  result: JsonText | null;
  error: string | null;
  created_at: number;
  finished_at: number | null;
}

/** One change to the desk made through the API (migration 0004). */
export interface AuditLogTable {
  id: Generated<number>;
  user_id: number;
  scope: string;
  action: string;
  target: string;
  old_value: JsonText | null;
  new_value: JsonText | null;
  created_at: number;
}

/** The whole database as Kysely sees it. */
export interface DatabaseSchema {
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
  symbols: SymbolsTable;
  sequences: SequencesTable;
  cycles: CyclesTable;
  messages: MessagesTable;
  market_snapshots: MarketSnapshotsTable;
  decisions: DecisionsTable;
  trades: TradesTable;
  accounts: AccountsTable;
  positions: PositionsTable;
  equity_points: EquityPointsTable;
  risk_state: RiskStateTable;
  candles: CandlesTable;
  agent_state: AgentStateTable;
  backtests: BacktestsTable;
  audit_log: AuditLogTable;
}
