/**
 * The promotion decision: pure and deterministic, so the retrain workflow computes it itself and
 * the decision is part of the workflow's history.
 */
import { higherIsBetter, type MetricName } from '../metrics';

export interface PromotionRule { metric: MetricName; minImprovement: number }

export type ModelMetrics = Partial<Record<MetricName, number>>;

export interface Evaluation { holdoutRows: number; challenger: ModelMetrics; champion: ModelMetrics | null }

export interface PromotionDecision {
  promote: boolean;
  metric: MetricName;
  challengerScore: number | null;
  championScore: number | null;
  /** Positive when the challenger is better, in the metric's own units and better direction. */
  improvement: number | null;
  minImprovement: number;
  reasons: string[];
}

export function decidePromotion(rule: PromotionRule, evaluation: Evaluation): PromotionDecision {
  const challengerScore = evaluation.challenger[rule.metric] ?? null;
  const championScore = evaluation.champion?.[rule.metric] ?? null;
  const base = { metric: rule.metric, challengerScore, championScore, minImprovement: rule.minImprovement };
  if (challengerScore === null) {
    return { ...base, promote: false, improvement: null, reasons: [`${rule.metric} could not be computed for the challenger on ${evaluation.holdoutRows} holdout rows`] };
  }
  if (evaluation.champion === null) {
    return { ...base, promote: true, improvement: null, reasons: ['no champion yet: the first trained model becomes champion'] };
  }
  if (championScore === null) {
    return { ...base, promote: false, improvement: null, reasons: [`${rule.metric} could not be computed for the champion on the holdout; refusing to compare`] };
  }
  const improvement = higherIsBetter(rule.metric) ? challengerScore - championScore : championScore - challengerScore;
  const better = improvement > 0 && improvement >= rule.minImprovement;
  const comparison = `${rule.metric}: challenger ${challengerScore.toFixed(4)} vs champion ${championScore.toFixed(4)} on the same ${evaluation.holdoutRows} holdout rows`;
  return {
    ...base,
    promote: better,
    improvement,
    reasons: [
      better
        ? `${comparison}; improvement ${improvement.toFixed(4)} ≥ required ${rule.minImprovement}`
        : `${comparison}; improvement ${improvement.toFixed(4)} does not reach the required ${rule.minImprovement}${improvement <= 0 ? ' (not better)' : ''}`,
    ],
  };
}
