import { describe, expect, it } from 'vitest';
import type { FeatureDriftResult } from '../../../src/drift';
import { FEATURES_NAMED_IN_REASONS, evaluateDatasetDrift } from '../../../src/policy/dataset-drift';

function feature(name: string, drifted: boolean, overrides: Partial<FeatureDriftResult> = {}): FeatureDriftResult {
  return {
    feature: name, kind: 'numeric', test: 'ks', scoreKind: 'p_value', measured: true, score: drifted ? 0.001 : 0.5, threshold: 0.05,
    thresholdSource: 'default', drifted, status: 'ok', psi: 0.05, details: {}, currentCount: 100, referenceNullRate: 0,
    currentNullRate: 0, nullRateDrifted: false, ...overrides,
  };
}

describe('evaluateDatasetDrift', () => {
  const rule = { minDriftedShare: 0.5, anyPsiAtLeast: 0.25 };

  it('drifts when the drifted share reaches the rule', () => {
    const verdict = evaluateDatasetDrift([feature('a', true), feature('b', false)], rule);
    expect(verdict).toMatchObject({ datasetDrift: true, driftedShare: 0.5 });
    expect(verdict.reasons[0]).toMatch(/1 of 2 features drifted .*: a/);
  });

  it('does not drift below the share, unless one feature’s PSI reaches the PSI rule', () => {
    expect(evaluateDatasetDrift([feature('a', true), feature('b', false), feature('c', false)], rule).datasetDrift).toBe(false);
    const psi = evaluateDatasetDrift([feature('a', false, { psi: 0.3 }), feature('b', false), feature('c', false)], rule);
    expect(psi.datasetDrift).toBe(true);
    expect(psi.reasons).toContain('a: PSI 0.300 ≥ 0.25');
    expect(evaluateDatasetDrift([feature('a', false, { psi: 0.3 })], { ...rule, anyPsiAtLeast: null }).datasetDrift).toBe(false);
  });

  it('leaves unmeasured features out of the share and names them, never reading them as "no drift"', () => {
    const verdict = evaluateDatasetDrift(
      [feature('a', true), feature('b', false, { measured: false, status: 'all_null', score: null, psi: null, drifted: false })],
      rule,
    );
    expect(verdict.driftedShare).toBe(1);
    expect(verdict.datasetDrift).toBe(true);
    expect(verdict.reasons[0]).toBe('b: not measured (all_null)');
  });

  it('weights features in the share and reports a null-rate shift', () => {
    const weighted = evaluateDatasetDrift([feature('a', true), feature('b', false), feature('c', false)], { ...rule, weights: { a: 2 } });
    expect(weighted.driftedShare).toBe(0.5);
    expect(weighted.datasetDrift).toBe(true);
    const nulls = evaluateDatasetDrift(
      [feature('a', true, { nullRateDrifted: true, referenceNullRate: 0.01, currentNullRate: 0.4 }), feature('b', false)],
      rule,
    );
    expect(nulls.reasons).toContain('a: null rate 1% → 40%');
  });

  it('with nothing measured there is no dataset drift, the verdict is not_measured, and the reasons say why', () => {
    const verdict = evaluateDatasetDrift([feature('a', false, { measured: false, status: 'missing_column', score: null, psi: null })], rule);
    expect(verdict).toMatchObject({ datasetDrift: false, driftedShare: 0, verdict: 'not_measured' });
    expect(verdict.reasons[0]).toBe('a: not measured (missing_column)');
  });

  it('says not_measured, not "no drift", when too little of the features\' weight was tested', () => {
    const unmeasured = { measured: false, status: 'insufficient_data' as const, score: null, psi: null, drifted: false };
    const blind = evaluateDatasetDrift([feature('a', false), feature('b', false, unmeasured), feature('c', false, unmeasured)], rule);
    expect(blind).toMatchObject({ verdict: 'not_measured', datasetDrift: false });
    expect(blind.measuredShare).toBeCloseTo(1 / 3, 12);
    expect(blind.reasons.at(-1)).toMatch(/^not measured: 1 of 3 features could be tested \(33% of their weight/);
    // Drift seen on the features that could be tested is still drift.
    expect(evaluateDatasetDrift([feature('a', true), feature('b', false, unmeasured), feature('c', false, unmeasured)], rule).verdict).toBe('drift');
    expect(evaluateDatasetDrift([feature('a', false), feature('b', false), feature('c', false, unmeasured)], rule).verdict).toBe('no_drift');
    expect(evaluateDatasetDrift([feature('a', false, unmeasured)], { ...rule, minMeasuredShare: 0.01 }).verdict).toBe('not_measured');
  });

  it('names at most FEATURES_NAMED_IN_REASONS features per kind of note on a model of 10,000 features', () => {
    const features = Array.from({ length: 10_000 }, (_, i) => (i % 2 === 0
      ? feature(`f${i}`, true, { psi: 0.4 })
      : feature(`f${i}`, false, { measured: false, status: 'insufficient_data', score: null })));
    const verdict = evaluateDatasetDrift(features, rule);
    expect(verdict.verdict).toBe('drift');
    expect(verdict.reasons).toHaveLength(2 * (FEATURES_NAMED_IN_REASONS + 1) + 1);
    expect(verdict.reasons[FEATURES_NAMED_IN_REASONS]).toBe("… and 4980 more such feature notes (every feature's result is in the drift report)");
    expect(verdict.reasons).toContain(`5000 of 5000 features drifted (100% ≥ 50%): ${Array.from({ length: 20 }, (_, i) => `f${2 * i}`).join(', ')} and 4980 more`);
    expect(JSON.stringify(verdict.reasons).length).toBeLessThan(5_000);
  });
});
