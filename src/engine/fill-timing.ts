import { AGENTS } from '../agents/base.js';
import { type CurrentBar, ExecutionAgent, type FillTiming } from '../agents/execution-agent.js';
import type { Interval } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import type { PaperBroker } from '../execution/paper-broker.js';
import { candleAt } from '../market/csv-candles.js';
import type { ReplaySource } from '../market/replay-source.js';
import type { Protocol } from './trading-engine.js';

/**
 * The one setting in which environments differ besides their adapters, chosen here and only here: live venues
 * (and the synthetic market) fill at the observed price plus slippage; recorded candles (backtests,
 * walk-forward, research, `MARKET_SOURCE=replay:`) at the next candle's open.
 */
export function fillTimingFor(recording: ReplaySource | null): FillTiming {
  return recording ? 'next-open' : 'observed-price';
}

/**
 * The protocol with its execution agent replaced by a next-open one that also becomes the entry: every cycle
 * first fills the orders of the previous candle at this candle's open, then hands over to the old entry.
 * @throws ConclaveError VALIDATION_ERROR when the protocol has no agent named `execution`.
 */
export function withNextOpenFills(protocol: Protocol, broker: PaperBroker, currentBar: CurrentBar): Protocol {
  if (!protocol.agents.has(AGENTS.execution)) {
    throw new ConclaveError('VALIDATION_ERROR', `protocol ${protocol.name} has no "${AGENTS.execution}" agent to fill orders`);
  }
  const execution = new ExecutionAgent(broker, { fillTiming: 'next-open', currentBar, next: protocol.entry });
  const agents = new Map(protocol.agents);
  agents.set(AGENTS.execution, execution);
  return { ...protocol, name: protocol.name, agents, entry: AGENTS.execution };
}

/** The newest closed candle of a symbol in the replay (what a next-open fill prices at). */
export function replayBar(source: ReplaySource, interval: Interval): CurrentBar {
  return (symbol) => {
    const { cols, visible } = source.visibleColumns(symbol, interval);
    return visible > 0 ? candleAt(cols, visible - 1) : null;
  };
}
