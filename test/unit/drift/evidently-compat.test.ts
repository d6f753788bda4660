/**
 * driftwatch reproduces Evidently's legacy stat tests (evidently/legacy/calculations/stattests: psi.py,
 * jensenshannon.py, wasserstein_distance_norm.py, chisquare_stattest.py) when configured like Evidently:
 * binning strategy 'evidently' and smoothing 'evidently' for PSI, no smoothing for Jensen-Shannon.
 */
import { standardDeviation } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { binShares, numericBins } from '../../../src/drift/binning';
import { chiSquareContingency, chiSquareGoodnessOfFit } from '../../../src/drift/chi-square';
import { jensenShannonDistance } from '../../../src/drift/jensen-shannon';
import { populationStabilityIndex } from '../../../src/drift/psi';
import { normalizedWasserstein } from '../../../src/drift/wasserstein';
import { expectMatch, fixtures, readCategories, readSortedSample } from './distance-fixtures';

describe('Evidently on numeric features', () => {
  for (const fixture of fixtures.numeric) {
    it(`${fixture.name} (${fixture.n_ref} vs ${fixture.n_cur}, ${fixture.evidently.binning})`, () => {
      const reference = readSortedSample(fixture.ref);
      const current = readSortedSample(fixture.cur);
      const bins = numericBins(reference, current, { strategy: 'evidently', bins: 10 });
      const referenceShares = binShares(reference, bins);
      const currentShares = binShares(current, bins);
      expectMatch(populationStabilityIndex(referenceShares, currentShares, { kind: 'evidently' }), fixture.evidently.psi, 'PSI');
      expectMatch(jensenShannonDistance(referenceShares, currentShares), fixture.evidently.jensenshannon, 'Jensen-Shannon');
      if (fixture.evidently.wasserstein_norm !== null) {
        const std = standardDeviation(Array.from(reference));
        expectMatch(normalizedWasserstein(reference, current, std), fixture.evidently.wasserstein_norm, 'normed Wasserstein');
      }
    });
  }
});

/** Shares per category over the union of both samples' categories, as Evidently's get_binned_data builds them. */
function categoryShares(reference: readonly string[], current: readonly string[]) {
  const referenceCounts = countCategories(reference);
  const currentCounts = countCategories(current);
  const categories = [...new Set([...referenceCounts.keys(), ...currentCounts.keys()])];
  const countsOf = (counts: Map<string, number>) => categories.map((category) => counts.get(category) ?? 0);
  return { categories, referenceCounts: countsOf(referenceCounts), currentCounts: countsOf(currentCounts) };
}

function countCategories(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

describe('Evidently on categorical features', () => {
  for (const fixture of fixtures.categorical) {
    it(fixture.name, () => {
      const reference = readCategories(fixture.ref);
      const current = readCategories(fixture.cur);
      const { referenceCounts, currentCounts } = categoryShares(reference, current);
      const referenceShares = referenceCounts.map((count) => count / reference.length);
      const currentShares = currentCounts.map((count) => count / current.length);
      expectMatch(populationStabilityIndex(referenceShares, currentShares, { kind: 'evidently' }), fixture.evidently.psi, 'PSI');
      expectMatch(jensenShannonDistance(referenceShares, currentShares), fixture.evidently.jensenshannon, 'Jensen-Shannon');

      // Evidently's chi-square: current counts against reference counts rescaled to the current total.
      const scale = current.length / reference.length;
      const expected = referenceCounts.map((count) => count * scale);
      const hasUnseen = referenceCounts.some((count) => count === 0);
      if (hasUnseen) {
        expect(() => chiSquareGoodnessOfFit(currentCounts, expected)).toThrow(RangeError);
      } else if (fixture.evidently.chisquare_pvalue === null) {
        // A single category: SciPy's p-value is NaN (0 degrees of freedom); driftwatch says 1.
        expect(chiSquareGoodnessOfFit(currentCounts, expected).pValue).toBe(1);
      } else {
        expectMatch(chiSquareGoodnessOfFit(currentCounts, expected).pValue, fixture.evidently.chisquare_pvalue, 'chi-square p');
      }

      for (const correction of [true, false]) {
        const scipy = fixture.contingency[correction ? 'true' : 'false'];
        const result = chiSquareContingency([referenceCounts, currentCounts], correction);
        expectMatch(result.statistic, scipy.statistic, `contingency statistic (correction ${correction})`);
        expectMatch(result.pValue, scipy.pvalue, `contingency p (correction ${correction})`);
        expect(result.degreesOfFreedom).toBe(scipy.dof);
      }
    });
  }
});
