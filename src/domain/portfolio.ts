export interface Position {
  readonly symbol: string;
  /** Base-asset quantity; positive long, negative short (only when shorting is enabled). */
  readonly quantity: number;
  readonly avgPrice: number;
  readonly stopLoss?: number | null;
  readonly takeProfit?: number | null;
  /** Fills that opened or added to the position since it was flat (1 when unknown). */
  readonly entries?: number;
}

export interface PortfolioSnapshot {
  readonly cash: number;
  readonly equity: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  readonly feesPaid: number;
  readonly positions: readonly (Position & { readonly markPrice: number; readonly unrealizedPnl: number })[];
  readonly time: number;
}
