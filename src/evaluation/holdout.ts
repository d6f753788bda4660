/**
 * How many of the most recent labelled rows the holdout takes. A holdout of a fifth of one
 * season's rows (about 70 days of daily data) gives a bootstrap interval too wide to decide
 * anything, so it takes at least `minHoldoutRows` when that leaves the training minimum.
 */
export interface HoldoutSize { holdoutRows: number; trainingRows: number; note: string | null }

export function holdoutSize(
  labelledRows: number,
  rule: { holdoutFraction: number; minHoldoutRows: number; minTrainingRows: number },
): HoldoutSize {
  const byFraction = Math.round(labelledRows * rule.holdoutFraction);
  if (byFraction >= rule.minHoldoutRows) return { holdoutRows: byFraction, trainingRows: labelledRows - byFraction, note: null };
  const room = Math.max(0, labelledRows - rule.minTrainingRows);
  const holdoutRows = Math.max(byFraction, Math.min(rule.minHoldoutRows, room));
  const note = holdoutRows >= rule.minHoldoutRows
    ? null
    : `the holdout has ${holdoutRows} rows, fewer than promotion.minHoldoutRows ${rule.minHoldoutRows}: only ${labelledRows} labelled rows `
      + `exist in the training window and ${rule.minTrainingRows} are kept for training (retrain.minTrainingRows)`;
  return { holdoutRows, trainingRows: labelledRows - holdoutRows, note };
}
