import { describe, expect, it } from 'vitest';
import { binCount, binShares, numericBins, smoothShares, type NumericBins } from '../../../src/drift/binning';
import { populationStabilityIndex } from '../../../src/drift/psi';
import { expectMatch, fixtures, readSortedSample } from './distance-fixtures';
import { draw, mulberry32, normalSampler, sortedCopy } from './seeded-random';

const oneToTen = Float64Array.from({ length: 10 }, (_, i) => i + 1);

describe("numericBins 'quantile'", () => {
  it('puts edges at sorted[⌊n·k/bins⌋] and adds out-of-range bins around [min, max]', () => {
    const bins = numericBins(oneToTen, null, { strategy: 'quantile', bins: 5 });
    expect(bins).toEqual({ kind: 'intervals', lower: 1, upper: 10, edges: [3, 5, 7, 9], outOfRange: true });
    expect(binCount(bins)).toBe(7);
    expect(binShares(oneToTen, bins)).toEqual([0, 0.2, 0.2, 0.2, 0.2, 0.2, 0]);
  });

  it('merges tied edges and drops an edge at the minimum, and binCount reports the smaller count', () => {
    const tied = Float64Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 2);
    const bins = numericBins(tied, null, { strategy: 'quantile', bins: 10 });
    expect(bins).toMatchObject({ edges: [1, 2], lower: 0, upper: 2 });
    expect(binCount(bins)).toBe(5);
    // [0, 1) holds the eight zeros, [1, 2) the 1, [2, 2] the maximum.
    expect(binShares(tied, bins)).toEqual([0, 0.8, 0.1, 0.1, 0]);
  });

  it('gives a constant reference one in-range bin, so a window off the constant is not PSI 0', () => {
    const constant = new Float64Array(100).fill(3);
    const bins = numericBins(constant, null, { strategy: 'quantile', bins: 10 });
    expect(bins).toEqual({ kind: 'intervals', lower: 3, upper: 3, edges: [], outOfRange: true });
    const reference = binShares(constant, bins);
    expect(reference).toEqual([0, 1, 0]);
    const shifted = binShares(Float64Array.of(2.9, 3, 3, 3.1), bins);
    expect(shifted).toEqual([0.25, 0.5, 0.25]);
    expect(populationStabilityIndex(reference, shifted)).toBeGreaterThan(1);
  });

  it('handles a one-row reference', () => {
    const bins = numericBins(Float64Array.of(7), null, { strategy: 'quantile', bins: 10 });
    expect(binCount(bins)).toBe(3);
    expect(binShares(Float64Array.of(6, 7, 8, 9), bins)).toEqual([0.25, 0.25, 0.5]);
  });

  it(`reproduces the numpy re-implementation of driftwatch's quantile PSI on ${fixtures.numeric.length} fixture pairs`, () => {
    for (const fixture of fixtures.numeric) {
      const reference = readSortedSample(fixture.ref);
      const bins = numericBins(reference, null, { strategy: 'quantile', bins: 10 });
      expect(binCount(bins), fixture.name).toBe(fixture.driftwatch.quantile_bins);
      const psi = populationStabilityIndex(binShares(reference, bins), binShares(readSortedSample(fixture.cur), bins));
      expectMatch(psi, fixture.driftwatch.quantile_psi, `${fixture.name} quantile PSI`);
    }
  });
});

describe("numericBins 'equal_width'", () => {
  it('splits [min, max] of the reference into equal bins plus out-of-range bins', () => {
    const bins = numericBins(Float64Array.of(0, 3, 10), null, { strategy: 'equal_width', bins: 5 });
    expect(bins).toEqual({ kind: 'intervals', lower: 0, upper: 10, edges: [2, 4, 6, 8], outOfRange: true });
    expect(binShares(Float64Array.of(-1, 0, 2, 9.99, 10, 10.01), bins)).toEqual([1, 1, 1, 0, 0, 2, 1].map((c) => c / 6));
  });

  it('gives a constant reference the single bin [c, c] (numpy would widen it to c ± 0.5)', () => {
    const bins = numericBins(Float64Array.of(2, 2, 2), null, { strategy: 'equal_width', bins: 10 });
    expect(bins).toEqual({ kind: 'intervals', lower: 2, upper: 2, edges: [], outOfRange: true });
  });

  it('keeps finite edges when max − min overflows', () => {
    const bins = numericBins(Float64Array.of(-1e308, 1e308), null, { strategy: 'equal_width', bins: 4 });
    expect(bins).toMatchObject({ edges: [-5e307, 0, 5e307] });
  });

  it(`reproduces np.histogram_bin_edges-based PSI (numpy re-implementation) on ${fixtures.numeric.length} fixture pairs`, () => {
    for (const fixture of fixtures.numeric) {
      const reference = readSortedSample(fixture.ref);
      const bins = numericBins(reference, null, { strategy: 'equal_width', bins: 10 });
      expect(binCount(bins), fixture.name).toBe(fixture.driftwatch.equal_width_bins);
      const psi = populationStabilityIndex(binShares(reference, bins), binShares(readSortedSample(fixture.cur), bins));
      expectMatch(psi, fixture.driftwatch.equal_width_psi, `${fixture.name} equal-width PSI`);
    }
  });
});

describe("numericBins 'evidently'", () => {
  it('treats a reference with at most 20 distinct values as categories: one bin per value of either sample', () => {
    const reference = Float64Array.of(1, 1, 2, 3);
    const current = Float64Array.of(2, 4, 4);
    const bins = numericBins(reference, current, { strategy: 'evidently', bins: 10 });
    expect(bins).toEqual({ kind: 'values', values: [1, 2, 3, 4] });
    expect(binShares(reference, bins)).toEqual([0.5, 0.25, 0.25, 0]);
    expect(binShares(current, bins)).toEqual([0, 1 / 3, 0, 2 / 3]);
  });

  it('uses Sturges bins over the pooled range for more than 20 distinct values, with no out-of-range bins', () => {
    // 21 + 11 = 32 pooled values: log2(32) + 1 = 6 bins of width 5 over [0, 30].
    const reference = Float64Array.from({ length: 21 }, (_, i) => i);
    const current = Float64Array.from({ length: 11 }, (_, i) => 20 + i);
    const bins = numericBins(reference, current, { strategy: 'evidently', bins: 10 });
    expect(bins).toEqual({ kind: 'intervals', lower: 0, upper: 30, edges: [5, 10, 15, 20, 25], outOfRange: false });
    // numpy.histogram: left-closed bins, the last also closed on the right (30 is in [25, 30]).
    expect(binShares(current, bins)).toEqual([0, 0, 0, 0, 5 / 11, 6 / 11]);
  });

  it('ignores the bin count and needs the current sample', () => {
    const reference = Float64Array.from({ length: 30 }, (_, i) => i);
    expect(numericBins(reference, reference, { strategy: 'evidently', bins: 3 })).toEqual(
      numericBins(reference, reference, { strategy: 'evidently', bins: 50 }),
    );
    expect(() => numericBins(reference, null, { strategy: 'evidently', bins: 10 })).toThrow(RangeError);
    expect(() => numericBins(reference, new Float64Array(0), { strategy: 'evidently', bins: 10 })).toThrow(RangeError);
  });

  it('throws where numpy raises: a pooled range that overflows', () => {
    const reference = Float64Array.from({ length: 30 }, (_, i) => (i - 15) * 1e307);
    expect(() => numericBins(reference, reference, { strategy: 'evidently', bins: 10 })).toThrow(/overflows/);
  });

  it(`gives Evidently's bin count and kind on ${fixtures.numeric.length} fixture pairs`, () => {
    for (const fixture of fixtures.numeric) {
      const bins = numericBins(readSortedSample(fixture.ref), readSortedSample(fixture.cur), {
        strategy: 'evidently',
        bins: 10,
      });
      expect(bins.kind, fixture.name).toBe(fixture.evidently.binning === 'values' ? 'values' : 'intervals');
      expect(binCount(bins), fixture.name).toBe(fixture.evidently.bins);
    }
  });
});

describe('binShares', () => {
  it('agrees with a per-value classification on random data (boundaries included)', () => {
    const uniform = mulberry32(21);
    for (let trial = 0; trial < 100; trial++) {
      // Rounded values so that many of them sit exactly on edges.
      const reference = sortedCopy(draw(1 + Math.floor(uniform() * 200), () => Math.round(uniform() * 20) / 2));
      const current = sortedCopy(draw(1 + Math.floor(uniform() * 200), () => Math.round(uniform() * 24 - 2) / 2));
      for (const strategy of ['quantile', 'equal_width', 'evidently'] as const) {
        const bins = numericBins(reference, current, { strategy, bins: 1 + Math.floor(uniform() * 12) });
        expect(binShares(current, bins)).toEqual(naiveShares(current, bins));
      }
    }
  });

  it('gives all-zero shares for no values, and rejects unsorted or NaN input', () => {
    const bins = numericBins(oneToTen, null, { strategy: 'quantile', bins: 5 });
    expect(binShares([], bins)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(() => binShares([2, 1], bins)).toThrow(/sorted/);
    expect(() => binShares([1, Number.NaN], bins)).toThrow(RangeError);
  });

  it('puts ±Infinity in the out-of-range bins', () => {
    const bins = numericBins(oneToTen, null, { strategy: 'quantile', bins: 2 });
    expect(binShares([-Infinity, 5, Infinity], bins)).toEqual([1 / 3, 1 / 3, 0, 1 / 3]);
  });
});

describe('numericBins validation', () => {
  it('rejects an empty, unsorted or non-finite reference and a bad bin count', () => {
    const options = { strategy: 'quantile', bins: 10 } as const;
    expect(() => numericBins([], null, options)).toThrow(RangeError);
    expect(() => numericBins([2, 1], null, options)).toThrow(/sorted/);
    expect(() => numericBins([1, Number.NaN], null, options)).toThrow(RangeError);
    expect(() => numericBins([1, Infinity], null, options)).toThrow(RangeError);
    expect(() => numericBins([1, 2], null, { strategy: 'quantile', bins: 0 })).toThrow(RangeError);
    expect(() => numericBins([1, 2], null, { strategy: 'equal_width', bins: 2.5 })).toThrow(RangeError);
  });
});

describe('smoothShares', () => {
  it("'constant': empty bins get epsilon, then the shares are renormalised", () => {
    const smoothed = smoothShares([0.5, 0.5, 0], { kind: 'constant', epsilon: 0.01 });
    expect(smoothed).toEqual([0.5 / 1.01, 0.5 / 1.01, 0.01 / 1.01]);
  });

  it("'evidently': 1e-4, or the smallest share / 1e6 when that is ≤ 1e-4, without renormalising", () => {
    expect(smoothShares([0.5, 0.5, 0], { kind: 'evidently' })).toEqual([0.5, 0.5, 1e-4]);
    expect(smoothShares([1 - 1e-4, 1e-4, 0], { kind: 'evidently' })).toEqual([1 - 1e-4, 1e-4, 1e-4 / 1e6]);
    expect(smoothShares([1 - 5e-5, 5e-5, 0], { kind: 'evidently' })).toEqual([1 - 5e-5, 5e-5, 5e-5 / 1e6]);
    expect(() => smoothShares([0, 0], { kind: 'evidently' })).toThrow(RangeError);
  });

  it("'none' leaves the shares alone", () => {
    const shares = [0.25, 0, 0.75];
    const smoothed = smoothShares(shares, { kind: 'none' });
    expect(smoothed).toEqual(shares);
    expect(smoothed).not.toBe(shares);
  });

  it('rejects bad shares and epsilons', () => {
    expect(() => smoothShares([-0.1, 1.1], { kind: 'none' })).toThrow(RangeError);
    expect(() => smoothShares([Number.NaN], { kind: 'none' })).toThrow(RangeError);
    expect(() => smoothShares([1], { kind: 'constant', epsilon: 0 })).toThrow(RangeError);
    expect(() => smoothShares([1], { kind: 'constant', epsilon: 2 })).toThrow(RangeError);
  });
});

describe('binned PSI on drawn samples', () => {
  it('is small for the same distribution and large for a shift, under every strategy', () => {
    const reference = sortedCopy(draw(5000, normalSampler(1)));
    const same = sortedCopy(draw(5000, normalSampler(2)));
    const shifted = sortedCopy(draw(5000, normalSampler(3, 1)));
    for (const strategy of ['quantile', 'equal_width', 'evidently'] as const) {
      const psiAgainst = (current: Float64Array) => {
        const bins = numericBins(reference, current, { strategy, bins: 10 });
        return populationStabilityIndex(binShares(reference, bins), binShares(current, bins));
      };
      expect(psiAgainst(same), strategy).toBeLessThan(0.05);
      expect(psiAgainst(shifted), strategy).toBeGreaterThan(0.5);
    }
  });
});

/** Bin of each value found independently of binShares' merge walk. */
function naiveShares(values: ArrayLike<number>, bins: NumericBins): number[] {
  const counts = new Array<number>(binCount(bins)).fill(0);
  for (let i = 0; i < values.length; i++) {
    const bin = naiveBin(values[i]!, bins);
    if (bin !== null) counts[bin]!++;
  }
  return counts.map((count) => count / values.length);
}

function naiveBin(value: number, bins: NumericBins): number | null {
  if (bins.kind === 'values') {
    const index = bins.values.indexOf(value);
    return index === -1 ? null : index;
  }
  const offset = bins.outOfRange ? 1 : 0;
  if (value < bins.lower) return bins.outOfRange ? 0 : null;
  if (value > bins.upper) return bins.outOfRange ? bins.edges.length + 2 : null;
  const edgesAtOrBelow = bins.edges.filter((edge) => edge <= value).length;
  return offset + edgesAtOrBelow;
}
