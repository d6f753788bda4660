import { describe, expect, it } from 'vitest';
import { chiSquareContingency, chiSquareGoodnessOfFit } from '../../../src/drift/chi-square';
import { expectMatch, fixtures } from './distance-fixtures';

describe('chiSquareGoodnessOfFit', () => {
  it(`matches scipy.stats.chisquare on ${fixtures.chisquare.length} fixture cases`, () => {
    for (const fixture of fixtures.chisquare) {
      const result = chiSquareGoodnessOfFit(fixture.observed, fixture.expected);
      expectMatch(result.statistic, fixture.statistic, `${fixture.name} statistic`);
      expectMatch(result.pValue, fixture.pvalue, `${fixture.name} p-value`);
      expect(result.degreesOfFreedom, fixture.name).toBe(fixture.dof);
    }
  });

  it('matches a hand computation: (10, 20, 30) against 20 each gives 200/20 = 10 on 2 degrees of freedom', () => {
    const result = chiSquareGoodnessOfFit([10, 20, 30], [20, 20, 20]);
    expect(result.statistic).toBe(10);
    expect(result.degreesOfFreedom).toBe(2);
    expect(result.pValue).toBeCloseTo(Math.exp(-5), 15); // chi2.sf(x, 2) = e^(−x/2)
  });

  it('accepts typed arrays', () => {
    const result = chiSquareGoodnessOfFit(Float64Array.of(10, 20, 30), Float64Array.of(20, 20, 20));
    expect(result.statistic).toBe(10);
  });

  it('leaves out categories with expected and observed 0, and gives p = 1 when one category remains', () => {
    const withEmpty = chiSquareGoodnessOfFit([10, 0, 20, 30], [20, 0, 20, 20]);
    expect(withEmpty).toEqual(chiSquareGoodnessOfFit([10, 20, 30], [20, 20, 20]));
    expect(chiSquareGoodnessOfFit([7, 0], [7, 0])).toEqual({ statistic: 0, pValue: 1, degreesOfFreedom: 0 });
  });

  it('rejects what SciPy cannot test: mismatched lengths, bad counts, an expected 0 with observations, unequal totals', () => {
    expect(() => chiSquareGoodnessOfFit([1, 2], [3])).toThrow(RangeError);
    expect(() => chiSquareGoodnessOfFit([1, -2], [1, -2])).toThrow(RangeError);
    expect(() => chiSquareGoodnessOfFit([1, Number.NaN], [1, 1])).toThrow(RangeError);
    expect(() => chiSquareGoodnessOfFit([1, Infinity], [1, 1])).toThrow(RangeError);
    expect(() => chiSquareGoodnessOfFit([5, 5], [10, 0])).toThrow(/expected 0/);
    expect(() => chiSquareGoodnessOfFit([5, 5], [5, 6])).toThrow(/equal totals/);
    expect(() => chiSquareGoodnessOfFit([], [])).toThrow(RangeError);
    expect(() => chiSquareGoodnessOfFit([0, 0], [0, 0])).toThrow(RangeError);
  });

  it('accepts totals within SciPy’s relative tolerance √eps', () => {
    expect(() => chiSquareGoodnessOfFit([5, 5], [5, 5 + 1e-8])).not.toThrow();
  });
});

describe('chiSquareContingency', () => {
  it(`matches scipy.stats.chi2_contingency on ${fixtures.contingency.length} fixture cases, dropping all-zero columns itself`, () => {
    for (const fixture of fixtures.contingency) {
      const result = chiSquareContingency(fixture.table, fixture.correction);
      const label = `${fixture.name} (correction ${fixture.correction})`;
      expectMatch(result.statistic, fixture.statistic, `${label} statistic`);
      expectMatch(result.pValue, fixture.pvalue, `${label} p-value`);
      expect(result.degreesOfFreedom, label).toBe(fixture.dof);
    }
  });

  it("matches a hand computation of a 2×2 table with and without Yates' correction", () => {
    // Row totals 30, 70; column totals 40, 60; grand total 100: expected 12, 18, 28, 42, |o − e| = 2 everywhere.
    const table = [
      [10, 20],
      [30, 40],
    ];
    const inverseExpected = 1 / 12 + 1 / 18 + 1 / 28 + 1 / 42;
    const plain = chiSquareContingency(table, false);
    expect(plain.statistic).toBeCloseTo(4 * inverseExpected, 14);
    expect(plain.degreesOfFreedom).toBe(1);
    const corrected = chiSquareContingency(table);
    expect(corrected.statistic).toBeCloseTo(1.5 ** 2 * inverseExpected, 14);
    expect(corrected.pValue).toBeGreaterThan(plain.pValue);
  });

  it('caps the Yates correction at |e − o| (SciPy gh-13875), so an exact fit stays at 0', () => {
    const independent = chiSquareContingency([
      [10, 20],
      [20, 40],
    ]);
    expect(independent.statistic).toBe(0);
    expect(independent.pValue).toBe(1);
  });

  it('applies no correction beyond one degree of freedom', () => {
    const table = [
      [10, 20, 5],
      [30, 40, 9],
    ];
    expect(chiSquareContingency(table, true)).toEqual(chiSquareContingency(table, false));
  });

  it('drops columns that are zero in every row; a table left with one column has no degree of freedom', () => {
    expect(chiSquareContingency([[10, 0, 5], [7, 0, 9]])).toEqual(chiSquareContingency([[10, 5], [7, 9]]));
    expect(chiSquareContingency([[0, 12], [0, 8]])).toEqual({ statistic: 0, pValue: 1, degreesOfFreedom: 0 });
    expect(chiSquareContingency([[3, 4, 5]])).toEqual({ statistic: 0, pValue: 1, degreesOfFreedom: 0 });
  });

  it('accepts typed-array rows', () => {
    const rows = [Float64Array.of(10, 20, 5), Float64Array.of(30, 40, 9)];
    expect(chiSquareContingency(rows)).toEqual(chiSquareContingency(rows.map((row) => Array.from(row))));
  });

  it('rejects empty or ragged tables, rows without counts and bad counts', () => {
    expect(() => chiSquareContingency([])).toThrow(RangeError);
    expect(() => chiSquareContingency([[]])).toThrow(RangeError);
    expect(() => chiSquareContingency([[1, 2], [3]])).toThrow(RangeError);
    expect(() => chiSquareContingency([[1, 2], [0, 0]])).toThrow(/no counts/);
    expect(() => chiSquareContingency([[1, -2], [3, 4]])).toThrow(RangeError);
    expect(() => chiSquareContingency([[1, Number.NaN], [3, 4]])).toThrow(RangeError);
  });

  it('stays finite for counts near 1e300 (the square is never formed)', () => {
    const result = chiSquareContingency([[1e300, 2e300], [2e300, 1e300]]);
    expect(Number.isFinite(result.statistic)).toBe(true);
    expect(result.pValue).toBe(0);
  });
});
