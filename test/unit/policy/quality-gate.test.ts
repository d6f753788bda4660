import { describe, expect, it } from 'vitest';
import {
  type QualityGateInput,
  checkQualityGate,
  linearFallbackReason,
  summariseLabels,
  summarisePredictions,
} from '../../../src/policy/quality-gate';

// A fixed tolerance, so the numbers below do not move with the default.
const rule = { baselineTolerance: 0.05 };

/** 100 holdout rows, 30% positives; a challenger that ranks well and predicts both classes. */
function binaryInput(overrides: Partial<QualityGateInput> = {}): QualityGateInput {
  const labels = Array.from({ length: 100 }, (_, i) => (i < 30 ? 1 : 0));
  const probabilities = labels.map((label, i) => (label === 1 ? 0.55 + (i % 10) / 25 : 0.05 + (i % 10) / 25));
  return {
    task: 'binary_classification',
    primaryMetric: 'log_loss',
    challenger: { log_loss: 0.4, roc_auc: 0.9, accuracy: 0.85, f1: 0.7 },
    baselines: { linear: { log_loss: 0.41, roc_auc: 0.88 }, prior: { log_loss: 0.61, roc_auc: 0.5 } },
    predictions: summarisePredictions('binary_classification', probabilities, labels.length),
    holdoutLabels: summariseLabels('binary_classification', labels),
    rule,
    ...overrides,
  };
}

const check = (result: ReturnType<typeof checkQualityGate>, name: string) => result.checks.find((c) => c.name === name)!;

describe('summarisePredictions and summariseLabels', () => {
  it('counts the predicted class per row and the probability spread', () => {
    expect(summarisePredictions('binary_classification', [0.1, 0.5, 0.7, 0.2], 4)).toEqual({
      kind: 'classes',
      rows: 4,
      predictedClassCounts: [2, 2],
      probabilitySpread: 0.7 - 0.1,
    });
    // Row-major K = 3; the tie in the last row goes to the lower class, as in scorePredictions.
    const multiclass = summarisePredictions('multiclass_classification', [0.2, 0.5, 0.3, 0.6, 0.2, 0.2, 0.4, 0.4, 0.2], 3);
    expect(multiclass).toMatchObject({ predictedClassCounts: [2, 1, 0] });
    if (multiclass.kind !== 'classes') throw new Error('expected a class summary');
    expect(multiclass.probabilitySpread).toBeCloseTo(0.4, 12);
    expect(summarisePredictions('regression', [1, 3], 2)).toEqual({ kind: 'values', rows: 2, min: 1, max: 3, std: 1 });
    expect(() => summarisePredictions('multiclass_classification', [0.5, 0.5, 1], 2)).toThrow(/do not fit 2 rows/);
  });

  it('counts holdout classes up to K and the label spread', () => {
    expect(summariseLabels('binary_classification', [0, 0, 0])).toEqual({ kind: 'classes', rows: 3, classCounts: [3, 0] });
    expect(summariseLabels('multiclass_classification', [0, 2], 4)).toEqual({ kind: 'classes', rows: 2, classCounts: [1, 0, 1, 0] });
    expect(summariseLabels('regression', [1, 3])).toEqual({ kind: 'values', rows: 2, std: 1 });
  });
});

describe('checkQualityGate', () => {
  it('passes a challenger that beats the prior, is close to the linear baseline and ranks well', () => {
    const result = checkQualityGate(binaryInput());
    expect(result.passed).toBe(true);
    expect(result.reasons).toEqual([]);
    expect(result.checks.map((c) => [c.name, c.outcome])).toEqual([
      ['beats_prior', 'passed'],
      ['near_linear_baseline', 'passed'],
      ['not_constant', 'passed'],
      ['better_than_chance', 'passed'],
    ]);
    expect(check(result, 'beats_prior').detail).toBe('log_loss 0.4 vs prior baseline 0.61 (34.4% better)');
    expect(check(result, 'near_linear_baseline').detail).toBe('log_loss 0.4 vs linear baseline 0.41 (2.44% better); tolerance 5% worse');
  });

  it('fails a challenger that does not beat the prior', () => {
    const result = checkQualityGate(binaryInput({ challenger: { log_loss: 0.61, roc_auc: 0.7 } }));
    expect(result.passed).toBe(false);
    expect(check(result, 'beats_prior')).toMatchObject({ passed: false, detail: 'does not beat the prior baseline: log_loss 0.61 vs prior baseline 0.61 (equal)' });
    expect(result.reasons).toContain(check(result, 'beats_prior').detail);
  });

  it('fails a challenger worse than the linear baseline beyond the tolerance, and passes it within', () => {
    const worse = checkQualityGate(binaryInput({ challenger: { log_loss: 0.44, roc_auc: 0.85 } }));
    expect(worse.passed).toBe(false);
    expect(check(worse, 'near_linear_baseline').detail).toBe(
      'worse than the linear baseline beyond tolerance: log_loss 0.44 vs linear baseline 0.41 (7.32% worse); tolerance 5% worse',
    );
    expect(check(worse, 'beats_prior').passed).toBe(true);
    const within = checkQualityGate(binaryInput({ challenger: { log_loss: 0.43, roc_auc: 0.85 } }));
    expect(within.passed).toBe(true);
    expect(checkQualityGate(binaryInput({ challenger: { log_loss: 0.44, roc_auc: 0.85 }, rule: { baselineTolerance: 0.1 } })).passed).toBe(true);
  });

  it('fails a challenger that predicts the majority class for every row while the minority holds 30%', () => {
    const labels = Array.from({ length: 100 }, (_, i) => (i < 30 ? 1 : 0));
    const probabilities = labels.map((label, i) => (label === 1 ? 0.35 : 0.2) + (i % 5) / 100);
    const result = checkQualityGate(binaryInput({ predictions: summarisePredictions('binary_classification', probabilities, 100) }));
    expect(result.passed).toBe(false);
    expect(check(result, 'not_constant').detail).toBe(
      'predicts class 0 for all 100 rows while class 1 (30%) makes up at least 20% of the holdout (0: 70 (70%), 1: 30 (30%); probability spread 0.19)',
    );
  });

  it('passes a good ranker on heavily imbalanced data that never crosses 0.5', () => {
    const labels = Array.from({ length: 200 }, (_, i) => (i < 10 ? 1 : 0));
    const probabilities = labels.map((label, i) => (label === 1 ? 0.3 : 0.02) + (i % 7) / 100);
    const result = checkQualityGate(
      binaryInput({
        challenger: { log_loss: 0.12, roc_auc: 0.97 },
        baselines: { linear: { log_loss: 0.12 }, prior: { log_loss: 0.2 } },
        predictions: summarisePredictions('binary_classification', probabilities, 200),
        holdoutLabels: summariseLabels('binary_classification', labels),
      }),
    );
    expect(result.passed).toBe(true);
    expect(check(result, 'not_constant').detail).toMatch(/^predicted classes 0: 200 \(100%\); probability spread 0\.34/);
  });

  it('fails constant probabilities whatever the holdout composition', () => {
    const labels = Array.from({ length: 100 }, (_, i) => (i < 5 ? 1 : 0));
    const result = checkQualityGate(
      binaryInput({
        challenger: { log_loss: 0.19, roc_auc: 0.5 },
        baselines: { linear: { log_loss: 0.19 }, prior: { log_loss: 0.2 } },
        predictions: summarisePredictions('binary_classification', new Array<number>(100).fill(0.05), 100),
        holdoutLabels: summariseLabels('binary_classification', labels),
      }),
    );
    expect(result.passed).toBe(false);
    expect(check(result, 'not_constant').detail).toBe(
      'predicts the same probabilities for every row (probability spread 0) while the holdout holds 0: 95 (95%), 1: 5 (5%)',
    );
    expect(check(result, 'better_than_chance').detail).toBe('ranks no better than chance: roc_auc 0.5 (chance 0.5)');
  });

  it('fails a multiclass challenger with AUC below chance', () => {
    const labels = [0, 1, 2, 0, 1, 2];
    const probabilities = [0.2, 0.5, 0.3, 0.6, 0.2, 0.2, 0.3, 0.3, 0.4, 0.1, 0.1, 0.8, 0.5, 0.25, 0.25, 0.3, 0.4, 0.3];
    const result = checkQualityGate({
      task: 'multiclass_classification',
      primaryMetric: 'log_loss',
      challenger: { log_loss: 1.0, roc_auc: 0.476 },
      baselines: { linear: { log_loss: 1.02 }, prior: { log_loss: 1.09 } },
      predictions: summarisePredictions('multiclass_classification', probabilities, 6),
      holdoutLabels: summariseLabels('multiclass_classification', labels),
      rule,
    });
    expect(result.passed).toBe(false);
    expect(result.reasons).toEqual(['ranks no better than chance: roc_auc 0.476 (chance 0.5)']);
  });

  it('reports undefined metrics and fails on them, unless the holdout explains them', () => {
    const missing = checkQualityGate(binaryInput({ challenger: { log_loss: null, roc_auc: Number.NaN } }));
    expect(missing.passed).toBe(false);
    expect(check(missing, 'beats_prior').detail).toBe('log_loss is undefined for the challenger; cannot compare with the prior baseline');
    expect(check(missing, 'better_than_chance').detail).toBe('roc_auc is undefined although the holdout holds every class');
    const noLinear = checkQualityGate(binaryInput({ baselines: { linear: {}, prior: { log_loss: 0.61 } } }));
    expect(check(noLinear, 'near_linear_baseline')).toMatchObject({ outcome: 'failed', detail: expect.stringMatching(/undefined for the linear baseline/) });

    const oneClass = summariseLabels('binary_classification', new Array<number>(50).fill(0));
    const explained = checkQualityGate(
      binaryInput({
        challenger: { log_loss: 0.05 },
        baselines: { linear: { log_loss: 0.06 }, prior: { log_loss: 0.1 } },
        predictions: summarisePredictions('binary_classification', Array.from({ length: 50 }, (_, i) => 0.01 + i / 1000), 50),
        holdoutLabels: oneClass,
      }),
    );
    expect(explained.passed).toBe(true);
    expect(check(explained, 'better_than_chance')).toEqual({
      name: 'better_than_chance',
      passed: true,
      outcome: 'not_applicable',
      detail: 'roc_auc is undefined: the holdout has no rows of class 1',
    });
    expect(check(explained, 'not_constant').outcome).toBe('not_applicable');
  });

  it('judges regression by RMSE and fails a constant regressor', () => {
    const base: QualityGateInput = {
      task: 'regression',
      primaryMetric: 'rmse',
      challenger: { rmse: 10, r2: 0.8 },
      baselines: { linear: { rmse: 10.2 }, prior: { rmse: 22 } },
      predictions: summarisePredictions('regression', [90, 100, 120, 140], 4),
      holdoutLabels: summariseLabels('regression', [95, 105, 115, 135]),
      rule,
    };
    const good = checkQualityGate(base);
    expect(good.passed).toBe(true);
    expect(good.checks.map((c) => c.name)).toEqual(['beats_prior', 'near_linear_baseline', 'not_constant']);
    const constant = checkQualityGate({ ...base, challenger: { rmse: 21 }, predictions: summarisePredictions('regression', [112, 112, 112, 112], 4) });
    expect(constant.reasons).toEqual([
      'worse than the linear baseline beyond tolerance: rmse 21 vs linear baseline 10.2 (106% worse); tolerance 5% worse',
      'predicts a constant value: prediction std 0, holdout label std 14.79',
    ]);
  });

  it('rejects a primary metric of another task and a bad tolerance', () => {
    expect(() => checkQualityGate(binaryInput({ primaryMetric: 'rmse' }))).toThrow(/rmse is not a metric of binary_classification/);
    expect(() => checkQualityGate(binaryInput({ rule: { baselineTolerance: -0.1 } }))).toThrow(/baselineTolerance/);
  });
});

describe('linearFallbackReason', () => {
  const fallbackOf = (input: QualityGateInput) => linearFallbackReason({
    challengerVersion: 2, primaryMetric: input.primaryMetric, challenger: input.challenger, linearBaseline: input.baselines.linear,
    qualityGate: checkQualityGate(input),
  });

  it('keeps a challenger that passes the gate and is not below the linear baseline (a tie included)', () => {
    expect(fallbackOf(binaryInput())).toBeNull();
    expect(fallbackOf(binaryInput({ challenger: { log_loss: 0.41, roc_auc: 0.9 } }))).toBeNull();
  });

  it('falls back for a challenger below the linear baseline by any amount, within the tolerance too', () => {
    const input = binaryInput({ challenger: { log_loss: 0.411, roc_auc: 0.9 } });
    expect(checkQualityGate(input).passed).toBe(true);
    expect(fallbackOf(input)).toBe('challenger v2 scored below the linear baseline on log_loss (0.411 vs 0.41): the linear baseline was evaluated in its place');
  });

  it('falls back for a challenger that fails the gate, and names both findings', () => {
    const ranksBadly = binaryInput({ challenger: { log_loss: 0.405, roc_auc: 0.5 } });
    expect(fallbackOf(ranksBadly)).toBe(
      'challenger v2 failed the quality gate (ranks no better than chance: roc_auc 0.5 (chance 0.5)): the linear baseline was evaluated in its place',
    );
    const worse = binaryInput({ challenger: { log_loss: 0.549, roc_auc: 0.9 }, baselines: { linear: { log_loss: 0.427 }, prior: { log_loss: 0.7 } } });
    expect(fallbackOf(worse)).toMatch(
      /^challenger v2 scored below the linear baseline on log_loss \(0\.549 vs 0\.427\) and failed the quality gate \(worse than the linear baseline beyond tolerance: .*\): the linear baseline was evaluated in its place$/,
    );
  });

  it('compares RMSE for regression, and falls back through the gate when a score is undefined', () => {
    expect(linearFallbackReason({
      challengerVersion: 7, primaryMetric: 'rmse', challenger: { rmse: 10.5 }, linearBaseline: { rmse: 10.2 },
      qualityGate: { passed: true, checks: [], reasons: [] },
    })).toBe('challenger v7 scored below the linear baseline on rmse (10.5 vs 10.2): the linear baseline was evaluated in its place');
    const undefinedScore = binaryInput({ challenger: { log_loss: null, roc_auc: 0.9 } });
    expect(fallbackOf(undefinedScore)).toMatch(/^challenger v2 failed the quality gate \(log_loss is undefined for the challenger/);
  });
});
