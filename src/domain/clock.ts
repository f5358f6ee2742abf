/** The only source of "now" for agents, risk and the engine: the wall clock live, a SimClock in backtests and tests. */
export interface Clock {
  /** Current time, epoch milliseconds UTC. */
  now(): number;
}
