export const ACTIONS = ['BUY', 'SELL', 'HOLD'] as const;
export type Action = (typeof ACTIONS)[number];

/** Class index used by the model: BUY=0, SELL=1, HOLD=2 (the order of ACTIONS). */
export const ACTION_INDEX: Readonly<Record<Action, number>> = { BUY: 0, SELL: 1, HOLD: 2 };

export type ActionProbabilities = Readonly<Record<Action, number>>;
