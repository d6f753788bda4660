import { describe, expect, it } from 'vitest';
import { ksTwoSample } from '../../../src/drift';
import { categoryShares, ecdf, sharedBins } from '../../../src/pages/distributions';

const sorted = (values: number[]) => Float64Array.from(values).sort();

describe('sharedBins', () => {
  it('cuts the pooled range into equal bins and gives each side its shares, the top edge included', () => {
    const bins = sharedBins(sorted([0, 1, 2, 3]), sorted([2, 4, 4, 4]), 4);
    expect(bins.map((b) => [b.start, b.end])).toEqual([[0, 1], [1, 2], [2, 3], [3, 4]]);
    expect(bins.map((b) => b.reference)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(bins.map((b) => b.window)).toEqual([0, 0, 0.25, 0.75]);
  });

  it('puts every value of a constant feature in one bin', () => {
    expect(sharedBins(sorted([5, 5]), sorted([5]), 20)).toEqual([{ start: 5, end: 6, reference: 1, window: 1 }]);
  });

  it('draws a side without values as zero shares', () => {
    const bins = sharedBins(sorted([1, 2, 3]), new Float64Array(0), 2);
    expect(bins.map((b) => b.window)).toEqual([0, 0]);
    expect(bins.reduce((sum, b) => sum + b.reference, 0)).toBeCloseTo(1);
  });
});

describe('categoryShares', () => {
  it('lists every category of either side, the largest first', () => {
    const shares = categoryShares({ a: 3, b: 1 }, new Map([['a', 1], ['c', 3]]));
    expect(shares).toEqual([
      { category: 'a', reference: 0.75, window: 0.25 },
      { category: 'c', reference: 0, window: 0.75 },
      { category: 'b', reference: 0.25, window: 0 },
    ]);
  });

  it('gathers the categories past the limit into one row', () => {
    const reference = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 30 - i]));
    const shares = categoryShares(reference, new Map([['k0', 1]]), 5);
    expect(shares).toHaveLength(5);
    expect(shares[4]).toMatchObject({ category: '26 other categories', other: true });
    expect(shares.reduce((sum, s) => sum + s.reference, 0)).toBeCloseTo(1);
  });

  it('takes a category named like an Object.prototype key as any other', () => {
    expect(categoryShares({ __proto__x: 1, constructor: 1 }, new Map([['toString', 2]])).map((s) => s.category).sort())
      .toEqual(['__proto__x', 'constructor', 'toString']);
  });
});

describe('ecdf', () => {
  it('puts the largest gap where the KS statistic D is', () => {
    const reference = sorted(Array.from({ length: 400 }, (_, i) => Math.sin(i * 1.7) * 3));
    const window = sorted(Array.from({ length: 250 }, (_, i) => Math.cos(i * 2.3) * 3 + 0.8));
    const curves = ecdf(reference, window)!;
    const { statistic } = ksTwoSample(reference, window);
    expect(Math.abs(curves.largestGap.reference - curves.largestGap.window)).toBeCloseTo(statistic, 12);
  });

  it('thins each side to the point limit and ends both at 1', () => {
    const curves = ecdf(sorted(Array.from({ length: 1000 }, (_, i) => i)), sorted([1, 2, 3]), 50)!;
    expect(curves.reference).toHaveLength(50);
    expect(curves.window).toHaveLength(3);
    expect(curves.reference.at(-1)).toEqual({ value: 999, share: 1 });
    expect(curves.window.at(-1)).toEqual({ value: 3, share: 1 });
  });

  it('is null when a side has no values', () => {
    expect(ecdf(new Float64Array(0), sorted([1]))).toBeNull();
  });
});
