import type { Decision } from '../domain/decision.js';
import type { DenialCode } from '../domain/denials.js';
import type { OrderIntent } from '../domain/order.js';
import type { Portfolio } from '../execution/portfolio.js';

/** What a risk rule sees for one proposed order. */
export interface RiskInput {
  readonly decision: Decision;
  readonly intent: OrderIntent;
  readonly book: Portfolio;
  readonly marks: ReadonlyMap<string, number>;
  readonly userId: number;
  readonly now: number;
}

/** A denial: a stable reason code (`MAX_EXPOSURE`, `NO_POSITION`, ...) and a sentence for people. */
export interface RiskDenial {
  readonly reasonCode: DenialCode;
  readonly reason: string;
}

/**
 * One check in the command path. Returns null to pass or a denial; never throws for a breach, because a
 * denial is an event (`OrderDenied`), not an exception.
 */
export interface RiskRule {
  readonly name: string;
  check(input: RiskInput): RiskDenial | null | Promise<RiskDenial | null>;
}
