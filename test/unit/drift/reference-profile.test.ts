import { describe, expect, it } from 'vitest';
import {
  buildReferenceProfile as buildFromTable,
  DEFAULT_REFERENCE_SAMPLE_LIMIT,
  tableFromRows,
  type CategoricalReference,
  type FeatureSpec,
  type NumericReference,
  type ProfileOptions,
} from '../../../src/drift';
import { decodeFloat64 } from '../../../src/drift/columns';
import { draw, normalSampler } from './seeded-random';

type Row = Record<string, unknown>;

const numeric = (name: string): FeatureSpec => ({ name, kind: 'numeric' });
const categorical = (name: string): FeatureSpec => ({ name, kind: 'categorical' });

function buildReferenceProfile(specs: FeatureSpec[], rows: Row[], options?: ProfileOptions) {
  return buildFromTable(specs, tableFromRows(rows, specs.map((s) => s.name)), options);
}

function numericReference(values: unknown[], options?: ProfileOptions): NumericReference {
  return buildReferenceProfile([numeric('x')], values.map((x) => ({ x })), options).features.x as NumericReference;
}

const valuesOf = (reference: NumericReference) => Array.from(decodeFloat64(reference.sortedValues));

describe('buildReferenceProfile, numeric features', () => {
  it('keeps the sorted values, moments and distinct count of 1..10', () => {
    const reference = numericReference([7, 3, 10, 1, 5, 2, 9, 4, 8, 6]);
    expect(reference).toMatchObject({
      kind: 'numeric', count: 10, nullCount: 0, complete: true, mean: 5.5,
      std: Math.sqrt(8.25), // population variance of 1..10 is (10² − 1)/12
      min: 1, max: 10, distinctCount: 10,
    });
    expect(valuesOf(reference)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('keeps at most the sample limit of sorted values, spread evenly over the ranks, with min and max', () => {
    const values = draw(25_000, normalSampler(11));
    const sorted = [...values].sort((a, b) => a - b);
    const limit = 10_000;
    const reference = numericReference(values, { sampleLimit: limit });
    const sample = valuesOf(reference);
    expect(reference).toMatchObject({ count: 25_000, complete: false });
    expect(sample).toHaveLength(limit);
    expect(sample[0]).toBe(sorted[0]);
    expect(sample[limit - 1]).toBe(sorted[24_999]);
    expect(sample.every((x, i) => i === 0 || sample[i - 1]! <= x)).toBe(true);
    expect(DEFAULT_REFERENCE_SAMPLE_LIMIT).toBe(1_000_000);
    expect(numericReference(values).complete).toBe(true);
  });

  it('counts null, undefined, NaN, empty strings and absent keys as nulls and reads numeric strings', () => {
    const profile = buildReferenceProfile(
      [numeric('x')],
      [{ x: null }, { x: undefined }, { x: Number.NaN }, { x: '' }, {}, { x: ' 2.5 ' }, { x: 1 }, { x: 10n }],
    );
    expect(profile.rowCount).toBe(8);
    expect(profile.features.x).toMatchObject({ count: 3, nullCount: 5 });
    expect(valuesOf(profile.features.x as NumericReference)).toEqual([1, 2.5, 10]);
  });

  it('leaves out values that are not finite numbers, so count + nullCount can fall short of rowCount', () => {
    const profile = buildReferenceProfile([numeric('x')], [{ x: 'abc' }, { x: Infinity }, { x: true }, { x: 3 }, { x: null }]);
    expect(profile.features.x).toMatchObject({ count: 1, nullCount: 1 });
  });

  it('describes an all-null column with no values and null statistics', () => {
    expect(numericReference([null, undefined, Number.NaN])).toMatchObject({
      count: 0, nullCount: 3, sortedValues: '', mean: null, std: null, min: null, max: null, distinctCount: 0, chunkScores: {},
    });
  });

  it('stores null rather than Infinity when the mean of huge values overflows', () => {
    const reference = numericReference([1e308, 1.5e308, 1.7e308]);
    expect(reference.mean).toBeNull();
    expect(reference.max).toBe(1.7e308);
  });

  it('counts distinct values only as far as the default test choice needs', () => {
    expect(numericReference([1, 1, 2, 2, 3]).distinctCount).toBe(3);
    expect(numericReference(draw(1000, normalSampler(3))).distinctCount).toBe(21);
  });

  it('scores reference chunks in row order for learned thresholds, and none when chunks are too small', () => {
    const drifting = Array.from({ length: 1000 }, (_, i) => i / 100 + (i % 7));
    const reference = numericReference(drifting);
    expect(reference.chunkScores.psi).toHaveLength(10);
    expect(reference.chunkScores.wasserstein).toHaveLength(10);
    expect(reference.chunkScores.jensen_shannon).toHaveLength(10);
    // The first and last chunks are furthest from the whole.
    const w = reference.chunkScores.wasserstein!;
    expect(w[0]!).toBeGreaterThan(w[5]!);
    expect(numericReference(drifting.slice(0, 200)).chunkScores).toEqual({});
  });
});

describe('buildReferenceProfile, categorical features', () => {
  it('stores the count of each category, with numbers and booleans read as their string form', () => {
    const rows = [{ c: 'a' }, { c: 'a' }, { c: 1 }, { c: '1' }, { c: true }, { c: null }, { c: '' }];
    const reference = buildReferenceProfile([categorical('c')], rows).features.c as CategoricalReference;
    expect(reference).toEqual({ kind: 'categorical', count: 5, nullCount: 2, counts: { a: 2, '1': 2, true: 1 }, chunkScores: {}, chunkEffectSizes: {} });
  });

  it('stores a category called __proto__ as an ordinary key', () => {
    const reference = buildReferenceProfile([categorical('c')], [{ c: '__proto__' }, { c: 'x' }]).features.c as CategoricalReference;
    expect(Object.keys(reference.counts)).toEqual(['__proto__', 'x']);
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
      numeric('income'), numeric('zero'), numeric('huge'), numeric('age'), categorical('segment'), numeric('empty'), categorical('absent'),
    ];
    const profile = buildReferenceProfile(specs, rows);
    expect(JSON.parse(JSON.stringify(profile))).toStrictEqual(profile);
  });
});
