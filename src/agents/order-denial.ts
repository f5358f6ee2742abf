import type { Decision } from '../domain/decision.js';
import type { OutgoingMessage } from '../domain/messages.js';
import type { ExecutionReport } from '../domain/order.js';
import type { RiskDenial, RiskInput, RiskRule } from '../risk/rules.js';
import { AGENTS, type CycleContext } from './base.js';

/** Runs the rules in order; the first denial wins. */
export async function firstDenial(rules: readonly RiskRule[], input: RiskInput): Promise<RiskDenial | null> {
  for (const rule of rules) {
    const denial = await rule.check(input);
    if (denial) return denial;
  }
  return null;
}

/**
 * The `OrderDenied` event a risk agent sends to the engine: a REJECTED report with its own order id and the
 * reason, shown as `execution.status: REJECTED` in the seed response. A denial is an event, never a throw.
 */
export function orderDenied(
  ctx: CycleContext,
  agent: string,
  decision: Decision,
  price: number,
  quantity: number,
  denial: RiskDenial,
): OutgoingMessage {
  const report: ExecutionReport = {
    executed: false,
    orderId: ctx.newOrderId(),
    status: 'REJECTED',
    action: decision.action,
    symbol: decision.symbol,
    price,
    executionPrice: null,
    quantity,
    fee: 0,
    time: ctx.clock.now(),
    reason: denial.reason,
  };
  ctx.log(agent, () => `Denied ${decision.action}: ${denial.reason}`);
  ctx.log(AGENTS.execution, () => `Order rejected by risk: ${denial.reason}`);
  return { to: AGENTS.engine, type: 'OrderDenied', payload: { reasonCode: denial.reasonCode, reason: denial.reason, report } };
}
