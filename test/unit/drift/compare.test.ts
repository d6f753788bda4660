import { describe, expect, it } from 'vitest';
import {
  buildReferenceProfile as buildProfileFromTable,
  compareToReference as compareTable,
  tableFromRows,
  type DriftOptions,
  type FeatureDriftResult,
  type FeatureSpec,
  type ReferenceProfile,
} from '../../../src/drift';
import { draw, mulberry32, normalSampler } from './seeded-random';

type Row = Record<string, unknown>;

/** These tests speak in rows, as the feature store returns them. */
function table(rows: Row[]) {
  return tableFromRows(rows, [...new Set(rows.flatMap((row) => Object.keys(row)))]);
}
function buildReferenceProfile(specs: FeatureSpec[], rows: Row[]): ReferenceProfile {
  return buildProfileFromTable(specs, table(rows));
}
function compareToReference(profile: ReferenceProfile, specs: FeatureSpec[], rows: Row[], options: Partial<DriftOptions> = {}) {
  return compareTable(profile, specs, table(rows), options);
}

// Explicit tests: the 'auto' choice has its own tests below.
const income: FeatureSpec = { name: 'income', kind: 'numeric', drift: { test: 'ks' } };
const segment: FeatureSpec = { name: 'segment', kind: 'categorical', drift: { test: 'psi' } };
const SEGMENTS = ['retail', 'sme', 'corporate'];

/** Rows with a normal `income` (mean 50 + shift, sd 10) and a uniformly drawn `segment`. */
function makeRows(count: number, seed: number, incomeShift = 0, segments = SEGMENTS): Row[] {
  const normal = normalSampler(seed, 50 + incomeShift, 10);
  const uniform = mulberry32(seed + 1000);
  return Array.from({ length: count }, () => ({
    income: normal(),
    segment: segments[Math.floor(uniform() * segments.length)],
  }));
}

const referenceProfile: ReferenceProfile = buildReferenceProfile([income, segment], makeRows(5000, 1));

function only(results: FeatureDriftResult[]): FeatureDriftResult {
  expect(results).toHaveLength(1);
  return results[0] as FeatureDriftResult;
}

function expectNoNonFiniteNumbers(results: FeatureDriftResult[]): void {
  for (const result of results) {
    for (const value of Object.values(result)) {
      if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
    }
  }
}

describe('compareToReference on healthy data', () => {
  it('finds no drift in a window drawn from the reference distribution', () => {
    const [numeric, categorical] = compareToReference(referenceProfile, [income, segment], makeRows(1000, 2));
    expect(numeric).toMatchObject({ feature: 'income', test: 'ks', scoreKind: 'p_value', threshold: 0.05, status: 'ok', drifted: false });
    expect(numeric?.score).toBeGreaterThan(0.05);
    expect(numeric?.psi).toBeLessThan(0.1);
    expect(categorical).toMatchObject({ feature: 'segment', test: 'psi', scoreKind: 'distance', threshold: 0.2, status: 'ok', drifted: false });
    expect(categorical?.score).toBe(categorical?.psi);
    expect(categorical?.psi).toBeLessThan(0.1);
  });

  it('flags a shifted numeric feature with KS and still reports its PSI', () => {
    const result = only(compareToReference(referenceProfile, [income], makeRows(1000, 3, 10)));
    expect(result).toMatchObject({ status: 'ok', drifted: true });
    expect(result.score).toBeLessThan(1e-6);
    expect(result.psi).toBeGreaterThan(0.5);
    expect(result.statusDetail).toBeUndefined();
  });

  it('uses PSI as the score when the spec asks for it, with the spec threshold', () => {
    const spec: FeatureSpec = { ...income, drift: { test: 'psi', threshold: 5 } };
    const result = only(compareToReference(referenceProfile, [spec], makeRows(1000, 3, 10)));
    expect(result).toMatchObject({ test: 'psi', scoreKind: 'distance', threshold: 5, drifted: false });
    expect(result.score).toBe(result.psi);
  });

  it('flags categories the reference never saw through the unseen bin', () => {
    const rows = makeRows(1000, 4, 0, ['retail', 'sme', 'corporate', 'crypto', 'crypto']);
    const result = only(compareToReference(referenceProfile, [segment], rows));
    expect(result).toMatchObject({ status: 'unseen_categories', measured: true, drifted: true });
    expect(result.statusDetail).toContain('"crypto"');
  });

  it('reads numeric strings, as PostgreSQL returns numeric columns', () => {
    const rows = makeRows(200, 5).map((row) => ({ ...row, income: String(row.income) }));
    expect(only(compareToReference(referenceProfile, [income], rows))).toMatchObject({ status: 'ok', currentCount: 200 });
  });

  it('reports null rates and counts the non-null values in the window', () => {
    const profile = buildReferenceProfile([income], makeRows(100, 6).map((row, i) => (i < 25 ? { income: null } : row)));
    const rows = makeRows(100, 7).map((row, i) => (i < 10 ? { ...row, income: Number.NaN } : row));
    const result = only(compareToReference(profile, [income], rows));
    // A 15-point fall of the null rate is drift in itself (default nullRateShift 0.1), whatever KS says.
    expect(result).toMatchObject({ status: 'ok', currentCount: 90, referenceNullRate: 0.25, currentNullRate: 0.1, nullRateDrifted: true, drifted: true });
    expect(only(compareToReference(profile, [income], rows, { nullRateShift: null }))).toMatchObject({ nullRateDrifted: false });
  });

  it('counts values outside the reference range, and a share of them is drift in itself (a unit change)', () => {
    const profile = buildReferenceProfile([income], Array.from({ length: 500 }, (_, i) => ({ income: i / 50 })));
    // 85 values inside [0, 9.98], 15 far above it: a scaled feed for 15% of the window.
    const rows = Array.from({ length: 100 }, (_, i) => ({ income: i < 85 ? (i % 50) / 5 : 100 + i }));
    const lenient = { thresholds: { strategy: 'constant' as const }, effectSizeFloor: { ks: 0.5, chi_square: 0.5 } };
    const result = only(compareToReference(profile, [income], rows, lenient));
    expect(result).toMatchObject({ outOfRangeShare: 0.15, outOfRangeDrifted: true, drifted: true });
    expect(only(compareToReference(profile, [income], rows, { ...lenient, outOfRangeShare: 0.2 }))).toMatchObject({ outOfRangeDrifted: false, drifted: false });
    expect(only(compareToReference(profile, [income], rows, { ...lenient, outOfRangeShare: null })).drifted).toBe(false);
  });

  it('tests against a constant reference: values beyond it land in the outer bins', () => {
    const profile = buildReferenceProfile([income], Array.from({ length: 100 }, () => ({ income: 7 })));
    const same = only(compareToReference(profile, [income], Array.from({ length: 50 }, () => ({ income: 7 }))));
    expect(same).toMatchObject({ status: 'constant', measured: true, score: 1, psi: 0, drifted: false });
    const lower = only(compareToReference(profile, [income], Array.from({ length: 50 }, () => ({ income: 3 }))));
    expect(lower).toMatchObject({ status: 'constant', drifted: true });
    expect(lower.statusDetail).toContain('constant in both');
    expect(lower.psi).toBeGreaterThan(1);
  });
});

describe('compareToReference statuses', () => {
  function statusOf(spec: FeatureSpec, rows: Row[], profile = referenceProfile, minRows?: number): FeatureDriftResult {
    return only(compareToReference(profile, [spec], rows, minRows === undefined ? {} : { minRows }));
  }

  it('reports missing_column when no row has the feature', () => {
    const result = statusOf(income, makeRows(100, 8).map(({ segment: s }) => ({ segment: s })));
    expect(result).toMatchObject({ status: 'missing_column', score: null, psi: null, drifted: false, currentCount: 0, currentNullRate: 1 });
    expect(result.statusDetail).toContain("'income'");
  });

  it('reports missing_column when the reference profile lacks the feature', () => {
    const result = statusOf({ name: 'tenure', kind: 'numeric' }, makeRows(100, 8).map((row) => ({ ...row, tenure: 3 })));
    expect(result).toMatchObject({ status: 'missing_column', referenceNullRate: 0 });
    expect(result.statusDetail).toMatch(/'tenure'.*reference profile/);
  });

  it('reports all_null when the column is there but every value is null, NaN or empty', () => {
    const rows = [null, undefined, Number.NaN, ''].flatMap((value) => Array.from({ length: 10 }, () => ({ income: value })));
    expect(statusOf(income, rows)).toMatchObject({ status: 'all_null', score: null, currentCount: 0, currentNullRate: 1 });
  });

  it('reports insufficient_data below minRows (default 30) and accepts a custom minimum', () => {
    const rows = makeRows(29, 9);
    const result = statusOf(income, rows);
    expect(result).toMatchObject({ status: 'insufficient_data', score: null, drifted: false, currentCount: 29 });
    expect(result.statusDetail).toContain('29');
    expect(statusOf(income, rows, referenceProfile, 10).status).toBe('ok');
    expect(statusOf(income, makeRows(30, 9)).status).toBe('ok');
  });

  it('reports insufficient_data for an empty window', () => {
    expect(statusOf(income, [])).toMatchObject({ status: 'insufficient_data', currentCount: 0, currentNullRate: 0 });
  });

  it('reports insufficient_data when the reference has no values for the feature', () => {
    const profile = buildReferenceProfile([income], Array.from({ length: 50 }, () => ({ income: null })));
    const result = statusOf(income, makeRows(100, 10), profile);
    expect(result).toMatchObject({ status: 'insufficient_data', referenceNullRate: 1 });
    expect(result.statusDetail).toContain('reference');
  });

  it('reports type_mismatch naming the feature and an example when numeric values are not finite numbers', () => {
    const rows = makeRows(100, 11).map((row, i) => (i === 40 ? { ...row, income: 'abc' } : row));
    const result = statusOf(income, rows);
    expect(result).toMatchObject({ status: 'type_mismatch', score: null, psi: null, drifted: false });
    expect(result.statusDetail).toContain("'income'");
    expect(result.statusDetail).toContain("'abc'");
    expect(result.statusDetail).toContain('1 of 100');
  });

  it('reports type_mismatch for Infinity in a numeric feature', () => {
    const rows = makeRows(100, 12).map((row, i) => (i % 2 === 0 ? { ...row, income: -Infinity } : row));
    expect(statusOf(income, rows).statusDetail).toContain('-Infinity');
  });

  it('reports type_mismatch for objects in a categorical feature', () => {
    const rows = makeRows(100, 13).map((row, i) => (i === 0 ? { ...row, segment: { nested: true } } : row));
    expect(statusOf(segment, rows).status).toBe('type_mismatch');
  });

  it('reports type_mismatch when the spec and the reference profile disagree on the kind', () => {
    const result = statusOf({ name: 'income', kind: 'categorical', drift: { test: 'psi' } }, makeRows(100, 14));
    expect(result).toMatchObject({ status: 'type_mismatch', test: 'psi' });
    expect(result.statusDetail).toContain('numeric');
  });

  it('reports type_mismatch when a spec asks for KS on a categorical feature', () => {
    const result = statusOf({ ...segment, drift: { test: 'ks' } }, makeRows(100, 15));
    expect(result).toMatchObject({ status: 'type_mismatch', test: 'ks', scoreKind: 'p_value', threshold: 0.05 });
    expect(result.statusDetail).toContain("'ks'");
  });

  it('tests a categorical feature against a single-category reference like any other', () => {
    const profile = buildReferenceProfile([segment], Array.from({ length: 40 }, () => ({ segment: 'retail' })));
    expect(statusOf(segment, makeRows(100, 16), profile)).toMatchObject({ status: 'unseen_categories', drifted: true });
  });
});

describe('compareToReference robustness', () => {
  it('keeps testing the other features when one is broken, in spec order', () => {
    const specs: FeatureSpec[] = [{ name: 'ghost', kind: 'numeric' }, income, { name: 'income', kind: 'categorical', drift: { test: 'ks' } }, segment];
    const statuses = compareToReference(referenceProfile, specs, makeRows(200, 17)).map((r) => [r.feature, r.status]);
    expect(statuses).toEqual([
      ['ghost', 'missing_column'],
      ['income', 'ok'],
      ['income', 'type_mismatch'],
      ['segment', 'ok'],
    ]);
  });

  it('never produces NaN or Infinity from mixed NaN, Infinity and null inputs', () => {
    const uniform = mulberry32(18);
    const oddValues = [Number.NaN, Infinity, -Infinity, null, undefined, '', 'NaN', '1e999', 0, -0, 1e308, -1e308];
    const rows = Array.from({ length: 400 }, () => ({
      income: oddValues[Math.floor(uniform() * oddValues.length)],
      segment: oddValues[Math.floor(uniform() * oddValues.length)],
      clean: uniform(),
      halfNull: uniform() < 0.5 ? Number.NaN : uniform() * 1e308,
    }));
    const specs: FeatureSpec[] = [
      income,
      segment,
      { name: 'clean', kind: 'numeric' },
      { name: 'clean', kind: 'numeric', drift: { test: 'psi' } },
      { name: 'halfNull', kind: 'numeric' },
    ];
    const profile = buildReferenceProfile(specs, rows);
    expect(JSON.parse(JSON.stringify(profile))).toStrictEqual(profile);
    const results = compareToReference(profile, specs, rows);
    expectNoNonFiniteNumbers(results);
    expect(results.map((r) => r.status)).toEqual(['type_mismatch', 'ok', 'ok', 'ok', 'ok']);
    const window = rows.map((row) => ({ ...row, clean: row.clean * 2 }));
    expectNoNonFiniteNumbers(compareToReference(profile, specs, window));
  });

  it('does not read inherited properties as feature values', () => {
    const spec: FeatureSpec = { name: 'constructor', kind: 'numeric' };
    const profile = buildReferenceProfile([spec], draw(100, mulberry32(19)).map((x) => ({ constructor: x })));
    expect(only(compareToReference(profile, [spec], makeRows(100, 20))).status).toBe('missing_column');
  });
});

describe("the 'auto' test choice, thresholds and corrections", () => {
  const auto = (name: string, kind: FeatureSpec['kind']): FeatureSpec => ({ name, kind });

  it('uses KS and chi-square on small references, Wasserstein and Jensen-Shannon on large ones (as Evidently)', () => {
    const small = buildReferenceProfile([auto('income', 'numeric'), auto('segment', 'categorical')], makeRows(800, 30));
    const large = referenceProfile;
    const window = makeRows(500, 31);
    expect(compareToReference(small, [auto('income', 'numeric'), auto('segment', 'categorical')], window).map((r) => r.test))
      .toEqual(['ks', 'chi_square']);
    expect(compareToReference(large, [auto('income', 'numeric'), auto('segment', 'categorical')], window).map((r) => r.test))
      .toEqual(['wasserstein', 'jensen_shannon']);
  });

  it('tests a numeric feature with few distinct values like a category', () => {
    const rows = Array.from({ length: 600 }, (_, i) => ({ stars: (i % 4) + 1 }));
    const profile = buildReferenceProfile([auto('stars', 'numeric')], rows);
    const result = only(compareToReference(profile, [auto('stars', 'numeric')], rows));
    expect(result).toMatchObject({ test: 'chi_square', status: 'ok', drifted: false });
    expect(result.score).toBeCloseTo(1, 12);
  });

  it('learns a distance threshold from reference chunks (mean + k·std) when asked', () => {
    const spec: FeatureSpec = { name: 'income', kind: 'numeric', drift: { test: 'wasserstein' } };
    const learned = only(compareToReference(referenceProfile, [spec], makeRows(500, 32), { thresholds: { strategy: 'reference_chunks', k: 3 } }));
    expect(learned.thresholdSource).toBe('reference_chunks');
    const scores = referenceProfile.features.income!.chunkScores.wasserstein!;
    expect(scores).toHaveLength(10);
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    expect(learned.threshold).toBeGreaterThan(mean);
    const constant = only(compareToReference(referenceProfile, [spec], makeRows(500, 32)));
    expect(constant).toMatchObject({ thresholdSource: 'default', threshold: 0.1 });
  });

  it('corrects p-value thresholds across features: Bonferroni divides by m, Benjamini-Hochberg by rank', () => {
    const specs: FeatureSpec[] = ['a', 'b', 'c', 'd'].map((name) => ({ name, kind: 'numeric', drift: { test: 'ks' } }));
    const normal = normalSampler(40, 0, 1);
    const reference = Array.from({ length: 400 }, () => ({ a: normal(), b: normal(), c: normal(), d: normal() }));
    const profile = buildReferenceProfile(specs, reference);
    const window = Array.from({ length: 400 }, () => ({ a: normal() + 0.3, b: normal() + 0.15, c: normal(), d: normal() }));
    // Without the effect-size floor, so that the verdicts are the corrected p-values' alone.
    const noFloor = { effectSizeFloor: { ks: 0, chi_square: 0 } };
    const plain = compareToReference(profile, specs, window, noFloor);
    const bonferroni = compareToReference(profile, specs, window, { ...noFloor, correction: 'bonferroni' });
    const bh = compareToReference(profile, specs, window, { ...noFloor, correction: 'benjamini_hochberg' });
    expect(bonferroni.map((r) => r.threshold)).toEqual([0.0125, 0.0125, 0.0125, 0.0125]);
    for (const result of bonferroni) expect(result.drifted).toBe(result.score! < 0.0125);
    // The floor still holds after a correction: a significant but small shift stays undrifted.
    const floored = compareToReference(profile, specs, window, { correction: 'bonferroni' });
    for (const result of floored) expect(result.drifted).toBe(result.score! < 0.0125 && result.effectSize! >= 0.1);
    // BH never flags fewer features than Bonferroni, nor more than the uncorrected tests.
    const count = (results: FeatureDriftResult[]) => results.filter((r) => r.drifted).length;
    expect(count(bh)).toBeGreaterThanOrEqual(count(bonferroni));
    expect(count(bh)).toBeLessThanOrEqual(count(plain));
    expect(plain[0]!.drifted).toBe(true);
  });
});

describe('scores that would not be storable', () => {
  it('reports an undefined p-value as insufficient data, and an unbounded PSI as the largest double', () => {
    const spec: FeatureSpec = { name: 'x', kind: 'numeric', drift: { test: 'ks' } };
    const profile = buildReferenceProfile([spec], [{ x: 1 }]);
    const tiny = only(compareToReference(profile, [spec], [{ x: 2 }], { minRows: 1, ksMethod: 'asymp' }));
    expect(tiny).toMatchObject({ measured: false, status: 'insufficient_data', score: null });
    const psiSpec: FeatureSpec = { name: 'x', kind: 'numeric', drift: { test: 'psi' } };
    const wide = buildReferenceProfile([psiSpec], Array.from({ length: 100 }, (_, i) => ({ x: i })));
    const unbounded = only(compareToReference(wide, [psiSpec], Array.from({ length: 100 }, () => ({ x: 1000 })), { smoothing: { kind: 'none' } }));
    expect(unbounded).toMatchObject({ measured: true, score: Number.MAX_VALUE, drifted: true });
    expect(JSON.parse(JSON.stringify(unbounded)).score).toBe(Number.MAX_VALUE);
  });
});
