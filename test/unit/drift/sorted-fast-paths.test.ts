/**
 * The drift scores check sortedness once per comparison and then use variants of the statistics that
 * trust their input (ksTwoSampleSorted, numericBinsSorted, binSharesSorted, wassersteinDistanceSorted).
 * These tests pin them to straightforward implementations of the same definitions, bit for bit, and
 * check that the public functions still validate and that a corrupt stored reference is still refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildReferenceProfile, compareToReference, type FeatureSpec } from '../../../src/drift';
import { binShares, binSharesSorted, numericBins, numericBinsSorted, type NumericBins } from '../../../src/drift/binning';
import { decodeFloat64, encodeFloat64, readNumericColumn } from '../../../src/drift/columns';
import { ksTwoSample, ksTwoSampleSorted } from '../../../src/drift/ks';
import { wassersteinDistance, wassersteinDistanceSorted } from '../../../src/drift/wasserstein';
import { mulberry32, normalSampler } from './seeded-random';

/** D by the plain merge: evaluate i/n_a − j/n_b after every distinct pooled value (all its copies taken). */
function plainKsStatistic(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let largest = 0;
  let smallest = 0;
  while (i < a.length && j < b.length) {
    const value = Math.min(a[i]!, b[j]!);
    while (i < a.length && a[i]! <= value) i++;
    while (j < b.length && b[j]! <= value) j++;
    const difference = i / a.length - j / b.length;
    if (difference > largest) largest = difference;
    else if (difference < smallest) smallest = difference;
  }
  return -smallest > largest ? -smallest : largest;
}

/** Bin counts by walking every value, as numpy.histogram defines the bins (see NumericBins). */
function plainCounts(sorted: Float64Array, bins: NumericBins): number[] {
  if (bins.kind === 'values') return bins.values.map((v) => sorted.filter((x) => x === v).length);
  const counts = new Array<number>(bins.edges.length + 1 + (bins.outOfRange ? 2 : 0)).fill(0);
  const offset = bins.outOfRange ? 1 : 0;
  for (const x of sorted) {
    if (x < bins.lower) {
      if (bins.outOfRange) counts[0]!++;
    } else if (x > bins.upper) {
      if (bins.outOfRange) counts[counts.length - 1]!++;
    } else {
      let bin = 0;
      while (bin < bins.edges.length && x >= bins.edges[bin]!) bin++;
      counts[offset + bin]!++;
    }
  }
  return counts;
}

const sorted = (values: number[]): Float64Array => Float64Array.from(values).sort();
const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
/** Samples with many ties (values drawn from a small pool) or none. */
const sample = fc.oneof(
  fc.array(finite, { minLength: 1, maxLength: 300 }),
  fc.tuple(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 300 }), fc.integer())
    .map(([pool, size, seed]) => {
      const random = mulberry32(seed);
      return Array.from({ length: size }, () => pool[Math.floor(random() * pool.length)]! / 2);
    }),
).map(sorted);

describe('KS statistic: the branch-free merge gives the plain merge’s D, bit for bit', () => {
  it('on random samples with and without ties, both orders (fast-check)', () => {
    fc.assert(fc.property(sample, sample, (a, b) => {
      const expected = plainKsStatistic(a, b);
      // 'asymp' leaves D as the merge found it ('exact' snaps it to a multiple of 1/lcm).
      expect(Object.is(ksTwoSampleSorted(a, b, 'asymp').statistic, expected)).toBe(true);
      expect(Object.is(ksTwoSampleSorted(b, a, 'asymp').statistic, plainKsStatistic(b, a))).toBe(true);
      expect(ksTwoSampleSorted(a, b)).toEqual(ksTwoSample(a, b));
    }), { numRuns: 300 });
  });

  it('on large continuous samples of different sizes', () => {
    const a = sorted(Array.from({ length: 40_000 }, normalSampler(1)));
    const b = sorted(Array.from({ length: 25_000 }, normalSampler(2, 0.02)));
    expect(Object.is(ksTwoSampleSorted(a, b, 'asymp').statistic, plainKsStatistic(a, b))).toBe(true);
  });

  it('still refuses empty samples; the public function still refuses unsorted ones', () => {
    expect(() => ksTwoSampleSorted([], [1])).toThrow(RangeError);
    expect(() => ksTwoSampleSorted([1], [])).toThrow(RangeError);
    expect(() => ksTwoSample([2, 1], [1])).toThrow(/sorted/);
  });
});

describe('bin shares by binary search: the counts of a walk over every value', () => {
  const strategies = [
    { strategy: 'quantile', bins: 10 },
    { strategy: 'quantile', bins: 3 },
    { strategy: 'equal_width', bins: 7 },
    { strategy: 'evidently', bins: 10 },
  ] as const;

  it('for every binning strategy, current values inside and outside the reference range (fast-check)', () => {
    fc.assert(fc.property(sample, sample, fc.constantFrom(...strategies), (reference, current, options) => {
      const bins = numericBinsSorted(reference, current, options);
      expect(bins).toEqual(numericBins(reference, current, options));
      for (const values of [reference, current]) {
        const shares = binSharesSorted(values, bins);
        expect(shares).toEqual(binShares(values, bins));
        expect(shares).toEqual(plainCounts(values, bins).map((count) => count / values.length));
      }
    }), { numRuns: 300 });
  });

  it('gives all-zero shares for no values', () => {
    const bins = numericBins([1, 2, 3], null, { strategy: 'quantile', bins: 2 });
    expect(binSharesSorted([], bins)).toEqual([0, 0, 0, 0]);
  });

  it('the O(1) checks stay in the trusting variants, the full ones in the public functions', () => {
    expect(() => numericBinsSorted([], null, { strategy: 'quantile', bins: 10 })).toThrow(RangeError);
    expect(() => numericBinsSorted([1, Infinity], null, { strategy: 'quantile', bins: 10 })).toThrow(RangeError);
    expect(() => numericBinsSorted([1, 2], null, { strategy: 'quantile', bins: 0 })).toThrow(RangeError);
    expect(() => numericBins([2, 1], null, { strategy: 'quantile', bins: 10 })).toThrow(/sorted/);
    expect(() => binShares([2, 1], { kind: 'values', values: [1, 2] })).toThrow(/sorted/);
  });
});

describe('Wasserstein distance on trusted input', () => {
  it('equals the checked function (fast-check)', () => {
    fc.assert(fc.property(sample, sample, (a, b) => {
      expect(Object.is(wassersteinDistanceSorted(a, b), wassersteinDistance(a, b))).toBe(true);
    }), { numRuns: 100 });
    expect(() => wassersteinDistanceSorted([], [1])).toThrow(RangeError);
  });
});

describe('compareToReference checks the stored reference once', () => {
  const spec: FeatureSpec = { name: 'x', kind: 'numeric', drift: { test: 'ks' } };
  const values = Float64Array.from({ length: 200 }, normalSampler(3));
  const window = { rowCount: values.length, columns: { x: values } };

  it.each([
    ['unsorted', Float64Array.of(1, 3, 2)],
    ['NaN', Float64Array.of(1, Number.NaN, 2)],
    ['infinite', Float64Array.of(1, 2, Infinity)],
    ['empty', new Float64Array(0)],
  ])('refuses %s stored values with a RangeError naming the feature', (_, stored) => {
    const profile = buildReferenceProfile([spec], window);
    const reference = profile.features.x!;
    if (reference.kind !== 'numeric') throw new Error('numeric reference expected');
    reference.sortedValues = encodeFloat64(stored);
    expect(() => compareToReference(profile, [spec], window)).toThrow(/reference profile.*'x'/);
  });

  it('does not change the window table it was given', () => {
    const before = Float64Array.from(values);
    const array = Array.from(values);
    const profile = buildReferenceProfile([spec], window);
    compareToReference(profile, [spec], window);
    compareToReference(profile, [spec], { rowCount: array.length, columns: { x: array } });
    expect(values).toEqual(before);
    expect(array).toEqual(Array.from(before));
  });

  it('gives the same results from stored values read as a Float64Array and from a window it was given up, which it may overwrite', () => {
    const profile = buildReferenceProfile([spec], window);
    const expected = compareToReference(profile, [spec], window);
    const reference = profile.features.x!;
    if (reference.kind !== 'numeric') throw new Error('numeric reference expected');
    const read = { ...profile, features: { x: { ...reference, sortedValues: decodeFloat64(reference.sortedValues) } } };
    const withGaps = Float64Array.from([Number.NaN, ...values, Number.NaN]);
    const givenUp = { rowCount: withGaps.length, columns: { x: withGaps }, givenUp: true };
    const kept = compareToReference(read, [spec], { ...givenUp, columns: { x: Float64Array.from(withGaps) }, givenUp: false });
    expect(compareToReference(read, [spec], givenUp)).toEqual(kept);
    expect(kept[0]).toMatchObject({ score: expected[0]!.score, psi: expected[0]!.psi, currentCount: values.length });
    // Compacted and sorted where it was: the given-up buffer now starts with the window's values in order.
    expect(Array.from(withGaps.subarray(0, values.length))).toEqual(Array.from(values).sort((a, b) => a - b));
  });
});

describe('readNumericColumn on plain arrays', () => {
  it('reads finite numbers directly and everything else as before', () => {
    const column = readNumericColumn([1.5, -0, Number.NaN, null, undefined, '', '2', 3n, Infinity, 'abc', -7]);
    expect(Array.from(column.values)).toEqual([1.5, 0, 2, 3, -7]);
    expect(Object.is(column.values[1], 0)).toBe(true);
    expect(column.nullCount).toBe(4);
    expect(column.invalidCount).toBe(2);
    expect(column.invalidExample).toBe('Infinity');
  });
});

describe('decodeFloat64', () => {
  it('gives back what encodeFloat64 wrote, bit for bit, at any length', () => {
    const random = mulberry32(11);
    for (const length of [0, 1, 2, 3, 7, 1000]) {
      const values = Float64Array.from({ length }, (_, i) => (i % 5 === 0 ? -0 : (random() - 0.5) * 10 ** (40 * random())));
      const decoded = decodeFloat64(encodeFloat64(values));
      expect(decoded.length).toBe(length);
      decoded.forEach((value, i) => expect(Object.is(value, values[i])).toBe(true));
    }
  });

  it('reads base64 with line breaks as Buffer does, and refuses a length that is not whole float64s', () => {
    const values = Float64Array.of(1.5, -2, 3e100);
    const encoded = encodeFloat64(values);
    const wrapped = `${encoded.slice(0, 10)}\n${encoded.slice(10)}`;
    expect(Array.from(decodeFloat64(wrapped))).toEqual([1.5, -2, 3e100]);
    expect(() => decodeFloat64(Buffer.from([1, 2, 3]).toString('base64'))).toThrow(RangeError);
  });
});
