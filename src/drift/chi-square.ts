/**
 * Pearson chi-square tests on counts, matching SciPy: the goodness-of-fit test of scipy.stats.chisquare
 * and the test of homogeneity of scipy.stats.chi2_contingency (scipy/stats/_stats_py.py
 * `_power_divergence` with lambda_ = 1, scipy/stats/contingency.py `chi2_contingency` and
 * `expected_freq`). The p-value is the chi-squared survival function at the statistic (chdtrc).
 */
import { chiSquaredSurvival } from './gamma';

export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  degreesOfFreedom: number;
}

/**
 * SciPy's tolerance for observed and expected totals (`_power_divergence`: rtol = √eps): the test
 * compares two distributions of the same number of observations, so the caller rescales expected.
 */
const TOTALS_RELATIVE_TOLERANCE = Math.sqrt(Number.EPSILON);

/**
 * scipy.stats.chisquare(observed, expected): statistic Σ (o − e)² / e over k categories, k − 1 degrees
 * of freedom. Differences from SciPy, where it returns NaN:
 * - a category with expected 0 and observed 0 is left out (of the sum and of k): under the null
 *   hypothesis it cannot occur, so it carries no information (SciPy's term would be 0/0);
 * - with a single informative category (no degree of freedom) the p-value is 1 (SciPy: chi2.sf(·, 0) is
 *   NaN), as chi2_contingency gives for its degenerate table; the statistic is then 0 up to rounding.
 * Throws RangeError for different lengths, negative or non-finite counts, an expected 0 with observed
 * counts (an infinite statistic: the caller smooths or adds an unseen bucket first), totals that differ
 * by more than SciPy's tolerance, or no counts at all.
 */
export function chiSquareGoodnessOfFit(observed: ArrayLike<number>, expected: ArrayLike<number>): ChiSquareResult {
  if (observed.length !== expected.length) {
    throw new RangeError(`chi-square needs as many expected as observed counts, got ${expected.length} and ${observed.length}`);
  }
  let observedTotal = 0;
  let expectedTotal = 0;
  let statistic = 0;
  let informativeCategories = 0;
  for (let i = 0; i < observed.length; i++) {
    const o = observed[i]!;
    const e = expected[i]!;
    assertCount(o, 'observed');
    assertCount(e, 'expected');
    if (e === 0) {
      if (o !== 0) throw new RangeError(`chi-square: category ${i} has observed count ${o} but expected 0`);
      continue;
    }
    observedTotal += o;
    expectedTotal += e;
    statistic += squaredDifferenceOver(o, e);
    informativeCategories++;
  }
  if (informativeCategories === 0) throw new RangeError('chi-square needs at least one non-zero count');
  if (Math.abs(observedTotal - expectedTotal) / Math.min(observedTotal, expectedTotal) > TOTALS_RELATIVE_TOLERANCE) {
    throw new RangeError(`chi-square needs equal totals, got ${observedTotal} observed and ${expectedTotal} expected`);
  }
  return withPValue(statistic, informativeCategories - 1);
}

/**
 * scipy.stats.chi2_contingency(table, correction=yatesCorrection): test of homogeneity of the rows
 * (here the reference and current counts per category). Expected counts are row total × column total
 * / grand total (`expected_freq`), degrees of freedom (rows − 1)(columns − 1). With exactly one degree
 * of freedom (a 2×2 table) and the correction on, each observed count moves towards its expected count
 * by min(0.5, |e − o|) (Yates 1934; the cap is SciPy's fix for gh-13875). With no degree of freedom the
 * statistic is 0 and the p-value 1, as in SciPy.
 *
 * Columns that are zero in every row are dropped HERE (SciPy raises on the zero expected counts they
 * cause): a category neither sample has says nothing about homogeneity. A row without counts still
 * throws RangeError, as do ragged rows and negative or non-finite counts.
 */
export function chiSquareContingency(table: ReadonlyArray<ArrayLike<number>>, yatesCorrection = true): ChiSquareResult {
  const columnCount = table[0]?.length ?? 0;
  if (table.length === 0 || columnCount === 0) throw new RangeError('chi-square contingency needs a non-empty table');
  const columnTotals = new Float64Array(columnCount);
  const rowTotals = table.map((row, r) => {
    if (row.length !== columnCount) {
      throw new RangeError(`chi-square contingency: row ${r} has ${row.length} columns, row 0 has ${columnCount}`);
    }
    let total = 0;
    for (let c = 0; c < columnCount; c++) {
      const count = row[c]!;
      assertCount(count, 'table');
      total += count;
      columnTotals[c] = columnTotals[c]! + count;
    }
    if (total === 0) throw new RangeError(`chi-square contingency: row ${r} has no counts`);
    return total;
  });
  const keptColumns: number[] = [];
  for (let c = 0; c < columnCount; c++) if (columnTotals[c]! > 0) keptColumns.push(c);
  const grandTotal = rowTotals.reduce((sum, total) => sum + total, 0);

  const degreesOfFreedom = (table.length - 1) * (keptColumns.length - 1);
  if (degreesOfFreedom === 0) return { statistic: 0, pValue: 1, degreesOfFreedom: 0 };
  const correct = yatesCorrection && degreesOfFreedom === 1;
  let statistic = 0;
  table.forEach((row, r) => {
    for (const c of keptColumns) {
      const expected = expectedCount(rowTotals[r]!, columnTotals[c]!, grandTotal);
      let observed = row[c]!;
      if (correct) observed += Math.sign(expected - observed) * Math.min(0.5, Math.abs(expected - observed));
      statistic += squaredDifferenceOver(observed, expected);
    }
  });
  return withPValue(statistic, degreesOfFreedom);
}

function withPValue(statistic: number, degreesOfFreedom: number): ChiSquareResult {
  const pValue = degreesOfFreedom === 0 ? 1 : chiSquaredSurvival(statistic, degreesOfFreedom);
  return { statistic, pValue, degreesOfFreedom };
}

/**
 * Row total × column total / grand total in SciPy's order of operations (`expected_freq`), reordered
 * only when the product overflows (totals beyond 1e154), where SciPy's would be Infinity.
 */
function expectedCount(rowTotal: number, columnTotal: number, grandTotal: number): number {
  const product = rowTotal * columnTotal;
  return Number.isFinite(product) ? product / grandTotal : rowTotal * (columnTotal / grandTotal);
}

/** (o − e)² / e, written (o − e) · ((o − e) / e) so counts beyond 1e154 do not overflow the square. */
function squaredDifferenceOver(observed: number, expected: number): number {
  const difference = observed - expected;
  return difference * (difference / expected);
}

function assertCount(count: number, what: string): void {
  if (!(count >= 0 && Number.isFinite(count))) {
    throw new RangeError(`chi-square ${what} counts must be finite and non-negative, got ${count}`);
  }
}
