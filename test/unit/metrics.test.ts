import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRICS_BY_TASK, type MetricName, type Task, higherIsBetter, scorePredictions, widenClassProbabilities } from '../../src/metrics';

/** Written by scripts/fixtures/metrics_fixtures.py, which documents the scikit-learn call behind each value. */
const fixtures = JSON.parse(readFileSync(join(__dirname, '../fixtures/metrics/cases.json'), 'utf8')) as {
  versions: Record<string, string>;
  cases: Array<{
    name: string;
    task: Task;
    labels: number[];
    predictions: number[];
    expected: Partial<Record<MetricName, number | null>>;
  }>;
};
// Sums run in a different order than numpy's pairwise summation, so agreement is to rounding, not bits.
const SKLEARN_TOLERANCE = 1e-12;

// Expected values were computed with scikit-learn 1.9.1 (numpy 2.4.6):
//   roc_auc_score(y, p), log_loss(y, p), accuracy_score(y, p >= 0.5), f1_score(y, p >= 0.5),
//   sqrt(mean_squared_error(t, q)), mean_absolute_error(t, q), r2_score(t, q)
// The scores contain ties (0.35 three times, 0.8 twice) and a probability of exactly 0.5.
const classificationLabels = [0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0];
const probabilities = [0.1, 0.35, 0.35, 0.8, 0.35, 0.9, 0.5, 0.8, 0.55, 0.2, 0.65, 0.7];
const regressionLabels = [3.0, -0.5, 2.0, 7.0, 4.2, 0.0, 1.5];
const regressionPredictions = [2.5, 0.0, 2.0, 8.0, 3.9, -0.3, 2.5];

describe('scorePredictions', () => {
  it('matches scikit-learn for binary classification', () => {
    const scores = scorePredictions('binary_classification', classificationLabels, probabilities);
    expect(scores.roc_auc).toBeCloseTo(0.8611111111111112, 12);
    expect(scores.log_loss).toBeCloseTo(0.4764399619729853, 12);
    expect(scores.accuracy).toBeCloseTo(0.75, 12);
    expect(scores.f1).toBeCloseTo(0.7692307692307693, 12);
    expect(Object.keys(scores).sort()).toEqual([...METRICS_BY_TASK.binary_classification].sort());
  });

  it('matches scikit-learn for regression', () => {
    const scores = scorePredictions('regression', regressionLabels, Float32Array.from(regressionPredictions));
    // Float32 predictions lose a little precision, hence 6 digits.
    expect(scores.rmse).toBeCloseTo(0.6187545093630776, 6);
    expect(scores.mae).toBeCloseTo(0.5142857142857143, 6);
    expect(scores.r2).toBeCloseTo(0.9327935802822956, 6);
    expect(Object.keys(scores).sort()).toEqual([...METRICS_BY_TASK.regression].sort());
  });

  it.each(fixtures.cases.map((fixture) => [fixture.name, fixture] as const))(
    'matches scikit-learn %s on the committed fixture',
    (_name, fixture) => {
      const scores = scorePredictions(fixture.task, fixture.labels, fixture.predictions);
      for (const metric of METRICS_BY_TASK[fixture.task]) {
        const expected = fixture.expected[metric];
        if (expected === null || expected === undefined) {
          // scikit-learn gives NaN or raises: driftwatch leaves the metric out.
          expect(scores).not.toHaveProperty(metric);
        } else {
          expect(Math.abs(scores[metric]! - expected), metric).toBeLessThan(SKLEARN_TOLERANCE);
        }
      }
    },
  );

  it('clips probabilities to [eps, 1 - eps] for log loss, eps being float64 machine epsilon', () => {
    // Both rows predict 0: the positive row costs -ln(eps), the negative row -ln(1 - eps) ≈ 0.
    const scores = scorePredictions('binary_classification', [1, 0], [0, 0]);
    expect(scores.log_loss).toBeCloseTo(-Math.log(Number.EPSILON) / 2, 9);
    const multiclass = scorePredictions('multiclass_classification', [2, 0], [1, 0, 0, 1, 0, 0]);
    expect(multiclass.log_loss).toBeCloseTo((-Math.log(Number.EPSILON) - Math.log(1 - Number.EPSILON)) / 2, 9);
  });

  it('scores multiclass rows by their most probable class, ties to the lowest index', () => {
    // Row-major probabilities of 3 rows × 3 classes; the last row ties classes 1 and 2.
    const scores = scorePredictions('multiclass_classification', [0, 1, 2], [0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.2, 0.4, 0.4]);
    expect(scores.accuracy).toBeCloseTo(2 / 3, 12);
    expect(scores.roc_auc).toBe(1);
    expect(Object.keys(scores).sort()).toEqual([...METRICS_BY_TASK.multiclass_classification].sort());
  });

  it('gives tied scores half credit in ROC AUC', () => {
    expect(scorePredictions('binary_classification', [0, 1], [0.4, 0.4]).roc_auc).toBe(0.5);
    expect(scorePredictions('binary_classification', [0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8]).roc_auc).toBe(1);
  });

  it('omits ROC AUC when only one class is present', () => {
    const scores = scorePredictions('binary_classification', [1, 1, 1], [0.2, 0.7, 0.9]);
    expect(scores).not.toHaveProperty('roc_auc');
    expect(scores.accuracy).toBeCloseTo(2 / 3, 12);
  });

  it('omits R² when the labels are constant', () => {
    expect(scorePredictions('regression', [2, 2, 2], [1, 2, 3])).not.toHaveProperty('r2');
  });

  it('rejects mismatched lengths, empty input, labels outside the classes and non-finite values', () => {
    expect(() => scorePredictions('regression', [1, 2], [1])).toThrow(/differ in length/);
    expect(() => scorePredictions('regression', [], [])).toThrow(/empty/);
    expect(() => scorePredictions('binary_classification', [0, 2], [0.1, 0.2])).toThrow(/0 or 1/);
    expect(() => scorePredictions('regression', [1, 2], [1, Number.NaN])).toThrow(/predictions must be finite/);
    expect(() => scorePredictions('multiclass_classification', [0, 1], [0.5, 0.5, 1])).toThrow(/K ≥ 2 class probabilities/);
    expect(() => scorePredictions('multiclass_classification', [0, 1], [0.5, 0.5])).toThrow(/K ≥ 2 class probabilities/);
    const halfLabel = () => scorePredictions('multiclass_classification', [0, 1.5], [0.5, 0.5, 0.5, 0.5]);
    expect(halfLabel).toThrow(/class indices 0\.\.1.*1\.5 at index 1/);
    expect(() => scorePredictions('multiclass_classification', [0, 2], [0.5, 0.5, 0.5, 0.5])).toThrow(/got 2 at index 1/);
  });
});

describe('higherIsBetter', () => {
  it('knows the direction of every metric', () => {
    expect(higherIsBetter('roc_auc')).toBe(true);
    expect(higherIsBetter('accuracy')).toBe(true);
    expect(higherIsBetter('f1')).toBe(true);
    expect(higherIsBetter('r2')).toBe(true);
    expect(higherIsBetter('log_loss')).toBe(false);
    expect(higherIsBetter('rmse')).toBe(false);
    expect(higherIsBetter('mae')).toBe(false);
  });
});

describe('widenClassProbabilities', () => {
  it('adds zero-probability columns for classes a model never saw, row by row', () => {
    const twoClasses = Float32Array.from([0.9, 0.1, 0.3, 0.7]);
    expect(Array.from(widenClassProbabilities(twoClasses, 2, 3))).toEqual([0.9, 0.1, 0, 0.3, 0.7, 0].map(Math.fround));
    expect(widenClassProbabilities(twoClasses, 2, 2)).toBe(twoClasses);
    // Scored against a label of the unseen class, the narrower model is penalised, not rejected.
    const scores = scorePredictions('multiclass_classification', [0, 2], widenClassProbabilities(twoClasses, 2, 3));
    expect(scores.accuracy).toBe(0.5);
  });

  it('refuses to narrow or to split rows', () => {
    expect(() => widenClassProbabilities(Float32Array.from([0.2, 0.3, 0.5]), 1, 2)).toThrow(RangeError);
    expect(() => widenClassProbabilities(Float32Array.from([0.2, 0.3, 0.5]), 2, 3)).toThrow(RangeError);
  });
});
