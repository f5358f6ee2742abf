import type { Decision } from '../domain/decision.js';
import type { Strategy, StrategyInput, StrategyParams } from './strategy.js';

/**
 * A strategy that follows the parameters the enable map gives it: a research promotion (or an operator) changes
 * them without a restart, and the next decision uses the new ones. Without an entry it is the strategy as built.
 */
export class ParamsFollowingStrategy implements Strategy {
  private current: Strategy;
  private key = '';

  constructor(
    private readonly base: Strategy,
    private readonly paramsOf: () => StrategyParams | undefined,
    private readonly build: (params: StrategyParams) => Strategy,
  ) {
    this.current = base;
  }

  get name(): string {
    return this.refresh().name;
  }
  get params(): StrategyParams {
    return this.refresh().params;
  }
  get warmup(): number {
    return this.refresh().warmup;
  }
  get description(): string {
    return this.refresh().description;
  }

  decide(input: StrategyInput): Decision {
    return this.refresh().decide(input);
  }

  private refresh(): Strategy {
    const params = this.paramsOf();
    const key = params ? JSON.stringify(params) : '';
    if (key !== this.key) {
      // Rebuilt only when the entry changes: a strategy keeps no state between decisions, so nothing is lost.
      this.current = params ? this.build(params) : this.base;
      this.key = key;
    }
    return this.current;
  }
}
