import { describe, expect, it } from 'vitest';
import {
  buildReferenceProfile,
  REFERENCE_SAMPLE_LIMIT,
  type CategoricalReference,
  type FeatureSpec,
  type NumericReference,
} from '../../../src/drift';
import { draw, normalSampler } from './seeded-random';

const numeric = (name: string): FeatureSpec => ({ name, kind: 'numeric' });
const categorical = (name: string): FeatureSpec => ({ name, kind: 'categorical' });

function numericReference(values: unknown[]): NumericReference {
  return buildReferenceProfile([numeric('x')], values.map((x) => ({ x }))).features.x as NumericReference;
}

describe('buildReferenceProfile, numeric features', () => {
  it('summarises 1..10 into decile bins holding a tenth each', () => {
    const reference = numericReference([7, 3, 10, 1, 5, 2, 9, 4, 8, 6]);
    expect(reference).toEqual({
      kind: 'numeric',
      count: 10,
      nullCount: 0,
      sample: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      binEdges: [2, 3, 4, 5, 6, 7, 8, 9, 10],
      binShares: Array(10).fill(0.1),
      mean: 5.5,
      std: Math.sqrt(8.25), // population variance of 1..10 is (10² − 1)/12
      min: 1,
      max: 10,
    });
  });

  it('merges tied deciles, leaving binEdges.length + 1 shares that sum to 1', () => {
    const reference = numericReference([0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
    expect(reference.binEdges).toEqual([0, 1, 2, 3]);
    expect(reference.binShares).toEqual([0, 0.7, 0.1, 0.1, 0.1]);
  });

  it('keeps a constant reference as one edge with everything in the upper bin', () => {
    const reference = numericReference(Array(50).fill(4.2));
    expect(reference).toMatchObject({ binEdges: [4.2], binShares: [0, 1], std: 0, min: 4.2, max: 4.2 });
  });

  it('keeps at most REFERENCE_SAMPLE_LIMIT sorted values, spread evenly over the ranks, with min and max', () => {
    const values = draw(25_000, normalSampler(11));
    const sorted = [...values].sort((a, b) => a - b);
    const reference = numericReference(values);
    expect(reference.count).toBe(25_000);
    expect(reference.sample).toHaveLength(REFERENCE_SAMPLE_LIMIT);
    expect(reference.sample[0]).toBe(sorted[0]);
    expect(reference.sample[REFERENCE_SAMPLE_LIMIT - 1]).toBe(sorted[24_999]);
    expect(reference.sample[5000]).toBe(sorted[Math.round((5000 * 24_999) / (REFERENCE_SAMPLE_LIMIT - 1))]);
    expect(reference.sample.every((x, i) => i === 0 || (reference.sample[i - 1] as number) <= x)).toBe(true);
  });

  it('counts null, undefined, NaN, empty strings and absent keys as nulls and reads numeric strings', () => {
    const profile = buildReferenceProfile(
      [numeric('x')],
      [{ x: null }, { x: undefined }, { x: Number.NaN }, { x: '' }, {}, { x: ' 2.5 ' }, { x: 1 }, { x: 10n }],
    );
    expect(profile.rowCount).toBe(8);
    expect(profile.features.x).toMatchObject({ count: 3, nullCount: 5, sample: [1, 2.5, 10] });
  });

  it('leaves out values that are not finite numbers, so count + nullCount can fall short of rowCount', () => {
    const profile = buildReferenceProfile([numeric('x')], [{ x: 'abc' }, { x: Infinity }, { x: true }, { x: 3 }, { x: null }]);
    expect(profile.features.x).toMatchObject({ count: 1, nullCount: 1, sample: [3] });
  });

  it('describes an all-null column with empty arrays and null statistics', () => {
    expect(numericReference([null, undefined, Number.NaN])).toEqual({
      kind: 'numeric',
      count: 0,
      nullCount: 3,
      sample: [],
      binEdges: [],
      binShares: [0],
      mean: null,
      std: null,
      min: null,
      max: null,
    });
  });

  it('stores null rather than Infinity when the mean of huge values overflows', () => {
    const reference = numericReference([1e308, 1.5e308, 1.7e308]);
    expect(reference.mean).toBeNull();
    expect(reference.max).toBe(1.7e308);
  });
});

describe('buildReferenceProfile, categorical features', () => {
  it('stores the share of each category, with numbers and booleans read as their string form', () => {
    const rows = [{ c: 'a' }, { c: 'a' }, { c: 1 }, { c: '1' }, { c: true }, { c: null }, { c: '' }];
    const reference = buildReferenceProfile([categorical('c')], rows).features.c as CategoricalReference;
    expect(reference).toEqual({ kind: 'categorical', count: 5, nullCount: 2, shares: { a: 0.4, '1': 0.4, true: 0.2 } });
  });

  it('stores a category called __proto__ as an ordinary key', () => {
    const reference = buildReferenceProfile([categorical('c')], [{ c: '__proto__' }, { c: 'x' }]).features.c as CategoricalReference;
    expect(Object.keys(reference.shares)).toEqual(['__proto__', 'x']);
    expect(JSON.parse(JSON.stringify(reference))).toEqual(reference);
  });
});

describe('reference profile as JSON', () => {
  it('round-trips through JSON.stringify / JSON.parse unchanged', () => {
    const normal = normalSampler(12, 50, 10);
    const rows = Array.from({ length: 12_000 }, (_, i) => ({
      income: i % 17 === 0 ? null : normal(),
      zero: i % 2 === 0 ? -0 : 0,
      huge: i % 3 === 0 ? 1e308 : 1.7e308,
      age: i % 5 === 0 ? 'not a number' : String(20 + (i % 50)),
      segment: ['retail', 'sme', 'corporate', 7][i % 4],
      empty: undefined,
    }));
    const specs: FeatureSpec[] = [
      numeric('income'),
      numeric('zero'),
      numeric('huge'),
      numeric('age'),
      categorical('segment'),
      numeric('empty'),
      categorical('absent'),
    ];
    const profile = buildReferenceProfile(specs, rows);
    expect(JSON.parse(JSON.stringify(profile))).toStrictEqual(profile);
  });
});
