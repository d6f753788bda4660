// The median stopping rule (Google Vizier; Optuna's MedianPruner): stop a trial whose best
// intermediate validation loss so far is worse than the median of completed trials' best losses
// at the same epoch. Pure, so the rule is unit-tested apart from the database that feeds it.

export interface MedianRule {
  /** Epochs every trial runs before it can be pruned: early losses say little. */
  warmupEpochs: number;
  /** Completed trials needed before any trial is pruned, so the median means something. */
  minCompletedTrials: number;
}

export interface PruningVerdict {
  prune: boolean;
  /** Median of the completed trials' best losses up to this epoch; null while the rule is not in force. */
  median: number | null;
}

/**
 * `completedBestSoFar` holds, for each completed trial, its best loss over epochs 1..epoch. A trial
 * that early stopping ended before `epoch` contributes its final best: that is the loss it kept.
 * (Optuna compares values at exactly this step and skips trials that never reached it.)
 */
export function medianRuleVerdict(
  rule: MedianRule,
  epoch: number,
  trialBestSoFar: number,
  completedBestSoFar: readonly number[],
): PruningVerdict {
  if (epoch <= rule.warmupEpochs || completedBestSoFar.length < rule.minCompletedTrials) return { prune: false, median: null };
  const median = medianOf(completedBestSoFar);
  return { prune: trialBestSoFar > median, median };
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
