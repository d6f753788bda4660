import { describe, expect, it } from 'vitest';
import { DRIFT_TESTS, chooseDefaultTest, isDrifted, type NumericReference } from '../../../src/drift';

const numericWith = (count: number, distinctCount: number): NumericReference => ({
  kind: 'numeric', count, nullCount: 0, sortedValues: '', complete: true, mean: 0, std: 1, min: 0, max: 1, distinctCount, chunkScores: {},
});

describe('drift test registry', () => {
  it('keys each descriptor by its own name', () => {
    for (const [key, descriptor] of Object.entries(DRIFT_TESTS)) expect(descriptor.name).toBe(key);
  });

  it('declares kinds, score kinds and default thresholds', () => {
    expect(DRIFT_TESTS.psi).toMatchObject({ kinds: ['numeric', 'categorical'], scoreKind: 'distance', defaultThreshold: 0.2 });
    expect(DRIFT_TESTS.ks).toMatchObject({ kinds: ['numeric'], scoreKind: 'p_value', defaultThreshold: 0.05 });
    expect(DRIFT_TESTS.wasserstein).toMatchObject({ kinds: ['numeric'], scoreKind: 'distance', defaultThreshold: 0.1 });
    expect(DRIFT_TESTS.jensen_shannon).toMatchObject({ scoreKind: 'distance', defaultThreshold: 0.1 });
    expect(DRIFT_TESTS.chi_square).toMatchObject({ scoreKind: 'p_value', defaultThreshold: 0.05 });
  });

  it("chooses the 'auto' test by kind, reference size and distinct values, as Evidently does", () => {
    expect(chooseDefaultTest('numeric', numericWith(1000, 21))).toBe('ks');
    expect(chooseDefaultTest('numeric', numericWith(1001, 21))).toBe('wasserstein');
    expect(chooseDefaultTest('numeric', numericWith(500, 5))).toBe('chi_square');
    expect(chooseDefaultTest('numeric', numericWith(5000, 3))).toBe('jensen_shannon');
    const categories = { kind: 'categorical' as const, count: 200, nullCount: 0, counts: {}, chunkScores: {} };
    expect(chooseDefaultTest('categorical', categories)).toBe('chi_square');
    expect(chooseDefaultTest('categorical', { ...categories, count: 50_000 })).toBe('jensen_shannon');
  });

  it('treats a p-value as drift only strictly below the threshold', () => {
    expect(isDrifted('p_value', 0.049, 0.05)).toBe(true);
    expect(isDrifted('p_value', 0.05, 0.05)).toBe(false);
    expect(isDrifted('p_value', 0.9, 0.05)).toBe(false);
  });

  it('treats a distance as drift from the threshold upwards', () => {
    expect(isDrifted('distance', 0.2, 0.2)).toBe(true);
    expect(isDrifted('distance', 1.5, 0.2)).toBe(true);
    expect(isDrifted('distance', 0.19, 0.2)).toBe(false);
  });
});
