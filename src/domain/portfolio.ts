export interface Position {
  readonly symbol: string;
  /** Base-asset quantity; positive long, negative short (only when shorting is enabled). */
  readonly quantity: number;
  readonly avgPrice: number;
  readonly stopLoss?: number | null;
  readonly takeProfit?: number | null;
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
