/**
 * The research verdict on a campaign's selected candidate: the seed's gate (src/backtest/gates.ts, applied as is)
 * plus the two overfitting criteria of issue 14. PASSED only when every gate criterion passes, the deflated
 * Sharpe ratio reaches RESEARCH_DSR_CONFIDENCE and the probability of backtest overfitting is below
 * RESEARCH_MAX_PBO. Every criterion is listed with its value, so a FAILED says exactly why.
 */
import { DEFAULT_GATE, evaluateGate, type GateInput, type GateThresholds } from '../backtest/gates.js';
import type { AppConfig } from '../config.js';
import type { Criterion, Verdict } from './types.js';

export interface ResearchThresholds {
  readonly gate: GateThresholds;
  /** The deflated Sharpe ratio (a probability) must be >= this. */
  readonly dsrConfidence: number;
  /** PBO must be < this. */
  readonly maxPbo: number;
}

export const DEFAULT_RESEARCH_THRESHOLDS: ResearchThresholds = { gate: DEFAULT_GATE, dsrConfidence: 0.95, maxPbo: 0.5 };

/** The thresholds the settings ask for (the gate's own thresholds keep their defaults unless given). */
export function researchThresholds(
  config: Pick<AppConfig, 'RESEARCH_DSR_CONFIDENCE' | 'RESEARCH_MAX_PBO'>,
  gate: GateThresholds = DEFAULT_GATE,
): ResearchThresholds {
  return { gate, dsrConfidence: config.RESEARCH_DSR_CONFIDENCE, maxPbo: config.RESEARCH_MAX_PBO };
}

export interface ResearchVerdictInput {
  readonly gate: GateInput;
  /** Deflated Sharpe ratio of the selected trial; null when it could not be computed (fails, with a note). */
  readonly dsr: number | null;
  /** Probability of backtest overfitting; null when it could not be computed (fails, with a note). */
  readonly pbo: number | null;
  /** Why dsr or pbo is null (e.g. "fewer than 2 completed trials"), shown in the criterion's note. */
  readonly dsrNote?: string;
  readonly pboNote?: string;
}

export function researchVerdict(input: ResearchVerdictInput, thresholds: ResearchThresholds = DEFAULT_RESEARCH_THRESHOLDS): Verdict {
  const gate = evaluateGate(input.gate, thresholds.gate);
  const criteria: Criterion[] = gate.criteria.map((c) => ({
    name: c.name,
    value: c.value,
    threshold: c.threshold,
    op: c.comparison,
    passed: c.passed,
    ...(c.note === undefined ? {} : { note: c.note }),
  }));
  criteria.push(
    input.dsr === null
      ? {
          name: 'deflated_sharpe_ratio',
          value: null,
          threshold: thresholds.dsrConfidence,
          op: '>=',
          passed: false,
          note: input.dsrNote ?? 'could not be computed',
        }
      : {
          name: 'deflated_sharpe_ratio',
          value: input.dsr,
          threshold: thresholds.dsrConfidence,
          op: '>=',
          passed: input.dsr >= thresholds.dsrConfidence,
        },
    input.pbo === null
      ? { name: 'pbo', value: null, threshold: thresholds.maxPbo, op: '<', passed: false, note: input.pboNote ?? 'could not be computed' }
      : { name: 'pbo', value: input.pbo, threshold: thresholds.maxPbo, op: '<', passed: input.pbo < thresholds.maxPbo },
  );
  return { verdict: criteria.every((c) => c.passed) ? 'PASSED' : 'FAILED', criteria };
}

/** The verdict as a Markdown table (summary.md, CLI). */
export function verdictTable(v: Verdict): string {
  const fmt = (x: number | null) => (x === null || Number.isNaN(x) ? 'n/a' : Number.isInteger(x) ? String(x) : x.toFixed(4));
  return [
    `Verdict: ${v.verdict}`,
    '',
    '| criterion | value | threshold | result | note |',
    '|---|---|---|---|---|',
    ...v.criteria.map(
      (c) => `| ${c.name} | ${fmt(c.value)} | ${c.op} ${fmt(c.threshold)} | ${c.passed ? 'PASS' : 'FAIL'} | ${c.note ?? ''} |`,
    ),
  ].join('\n');
}
