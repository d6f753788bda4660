import { describe, expect, it } from 'vitest';
import {
  buildReferenceProfile,
  compareToReference,
  type FeatureDriftResult,
  type FeatureSpec,
  type ReferenceProfile,
} from '../../../src/drift';
import { draw, mulberry32, normalSampler } from './seeded-random';

type Row = Record<string, unknown>;

const income: FeatureSpec = { name: 'income', kind: 'numeric' };
const segment: FeatureSpec = { name: 'segment', kind: 'categorical' };
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
    expect(only(compareToReference(referenceProfile, [segment], rows))).toMatchObject({ status: 'ok', drifted: true });
  });

  it('reads numeric strings, as PostgreSQL returns numeric columns', () => {
    const rows = makeRows(200, 5).map((row) => ({ ...row, income: String(row.income) }));
    expect(only(compareToReference(referenceProfile, [income], rows))).toMatchObject({ status: 'ok', currentCount: 200 });
  });

  it('reports null rates and counts the non-null values in the window', () => {
    const profile = buildReferenceProfile([income], makeRows(100, 6).map((row, i) => (i < 25 ? { income: null } : row)));
    const rows = makeRows(100, 7).map((row, i) => (i < 10 ? { ...row, income: Number.NaN } : row));
    const result = only(compareToReference(profile, [income], rows));
    expect(result).toMatchObject({ status: 'ok', currentCount: 90, referenceNullRate: 0.25, currentNullRate: 0.1 });
  });

  it('tests against a constant reference: values beyond it land in the outer bins', () => {
    const profile = buildReferenceProfile([income], Array.from({ length: 100 }, () => ({ income: 7 })));
    const same = only(compareToReference(profile, [income], Array.from({ length: 50 }, () => ({ income: 7 }))));
    expect(same).toMatchObject({ status: 'ok', score: 1, psi: 0, drifted: false });
    const lower = only(compareToReference(profile, [income], Array.from({ length: 50 }, () => ({ income: 3 }))));
    expect(lower).toMatchObject({ status: 'ok', drifted: true });
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
    const result = statusOf({ name: 'income', kind: 'categorical' }, makeRows(100, 14));
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
    expect(statusOf(segment, makeRows(100, 16), profile)).toMatchObject({ status: 'ok', drifted: true });
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
