import { InvalidLabelsError } from '../errors';
import type { Task } from '../metrics';

/**
 * The most classes a multiclass model may have. K is the largest label + 1, so without a bound one
 * stray label sizes the output layer and the one-hot targets: a single 999999 among 401 rows asked
 * the WASM backend for 1.6 GB of targets and crashed it (issue 10). A thousand classes is far past
 * what a tabular model here is for.
 */
export const MAX_CLASS_COUNT = 1000;

/**
 * Regression trains on standardised labels but predicts in float32 (value · std + mean on the
 * backend), so the labels' mean and spread must stay inside float32's range (3.4e38); within ±1e38
 * the standard deviation of any set of labels stays below 2e38. A 1e308 label gave an infinite
 * scale, stored as null, and a version that could never predict.
 */
export const MAX_ABS_REGRESSION_LABEL = 1e38;

/** Checks every label against the task before any of them reaches a model; throws InvalidLabelsError naming the first bad row. */
export function validateLabels(task: Task, labels: Float64Array): void {
  labels.forEach((label, row) => {
    const rule = brokenLabelRule(task, label);
    if (rule !== undefined) throw new InvalidLabelsError(`${rule}, got ${label} at row ${row}`, row);
  });
}

/** K for classification labels that passed validateLabels: the largest label + 1. */
export function classCountOf(labels: Float64Array): number {
  return labels.reduce((largest, label) => Math.max(largest, label), 0) + 1;
}

function brokenLabelRule(task: Task, label: number): string | undefined {
  if (!Number.isFinite(label)) return 'labels must be finite numbers';
  switch (task) {
    case 'binary_classification':
      return label === 0 || label === 1 ? undefined : 'classification labels must be 0 or 1';
    case 'multiclass_classification':
      if (!(Number.isInteger(label) && label >= 0)) return 'multiclass labels must be class indices 0, 1, 2, ...';
      return label < MAX_CLASS_COUNT ? undefined : `multiclass labels must be below ${MAX_CLASS_COUNT} (at most ${MAX_CLASS_COUNT} classes)`;
    case 'regression':
      return Math.abs(label) <= MAX_ABS_REGRESSION_LABEL ? undefined : `regression labels must lie within ±${MAX_ABS_REGRESSION_LABEL} (models compute in float32)`;
  }
}
