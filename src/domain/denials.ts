/**
 * Reason codes of an `OrderDenied` event: the stable vocabulary of "why this order did not happen", counted
 * by reason in metrics and backtest summaries. Governor codes first (halts, REDUCING, limits), then sizing and
 * fill-time refusals.
 */
export const DENIAL_CODES = [
  'MAX_DAILY_LOSS',
  'MAX_DRAWDOWN',
  'MANUAL_HALT',
  'RISK_REDUCING',
  'MAX_EXPOSURE',
  'MAX_POSITION',
  'ORDER_RATE',
  'NO_POSITION',
  'INSUFFICIENT_CASH',
] as const;
export type DenialCode = (typeof DENIAL_CODES)[number];

/** Codes that halt trading (a `TradingHalted` event carries one of them). */
export const HALT_CODES = ['MAX_DAILY_LOSS', 'MAX_DRAWDOWN', 'MANUAL_HALT'] as const satisfies readonly DenialCode[];
export type HaltCode = (typeof HALT_CODES)[number];

export function isDenialCode(code: string | null | undefined): code is DenialCode {
  return (DENIAL_CODES as readonly string[]).includes(code ?? '');
}

export function isHaltCode(code: string | null | undefined): code is HaltCode {
  return (HALT_CODES as readonly string[]).includes(code ?? '');
}

/** The halt code a stored or parsed reason names; a halt without a known code was an operator's (MANUAL_HALT). */
export function haltCodeOf(code: string | null | undefined): HaltCode {
  return isHaltCode(code) ? code : 'MANUAL_HALT';
}
