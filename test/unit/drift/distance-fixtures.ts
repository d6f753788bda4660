/**
 * The SciPy and Evidently reference values of scripts/fixtures/distance_fixtures.py
 * (test/fixtures/drift/distance), typed, with readers for the samples they name.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

const FIXTURE_DIR = path.join(__dirname, '../../fixtures/drift/distance');

export interface ChiSquareFixture {
  name: string;
  observed: number[];
  expected: number[];
  statistic: number;
  pvalue: number;
  dof: number;
}

export interface ContingencyFixture {
  name: string;
  /** As generated, all-zero columns included (SciPy's values are for the table without them). */
  table: number[][];
  correction: boolean;
  statistic: number;
  pvalue: number;
  dof: number;
}

export interface JensenShannonFixture {
  name: string;
  p: number[];
  q: number[];
  distance: number;
}

export interface NumericFixture {
  name: string;
  ref: string;
  cur: string;
  n_ref: number;
  n_cur: number;
  wasserstein: number;
  /** np.std(reference); null where it overflows. */
  reference_std: number | null;
  evidently: {
    binning: 'values' | 'sturges';
    bins: number;
    psi: number;
    jensenshannon: number;
    wasserstein_norm: number | null;
  };
  /** driftwatch's 'quantile' / 'equal_width' binning with 'constant' smoothing (1e-4), re-implemented in numpy. */
  driftwatch: { quantile_bins: number; quantile_psi: number; equal_width_bins: number; equal_width_psi: number };
}

export interface ContingencyResultFixture {
  statistic: number;
  pvalue: number;
  dof: number;
}

export interface CategoricalFixture {
  name: string;
  ref: string;
  cur: string;
  evidently: { psi: number; jensenshannon: number; chisquare_pvalue: number | null };
  contingency: { true: ContingencyResultFixture; false: ContingencyResultFixture };
}

export interface DistanceFixtures {
  versions: Record<string, string>;
  /** [a, x, scipy.special.gammaincc(a, x)] */
  gamma: Array<[number, number, number]>;
  /** [x, df, scipy.stats.chi2.sf(x, df)] */
  chi2_sf: Array<[number, number, number]>;
  chisquare: ChiSquareFixture[];
  contingency: ContingencyFixture[];
  jensenshannon: JensenShannonFixture[];
  numeric: NumericFixture[];
  categorical: CategoricalFixture[];
}

export const fixtures = JSON.parse(readFileSync(path.join(FIXTURE_DIR, 'cases.json'), 'utf8')) as DistanceFixtures;

/** A float64 sample file, sorted ascending. */
export function readSortedSample(file: string): Float64Array {
  const bytes = readFileSync(path.join(FIXTURE_DIR, file));
  // Copy into an aligned buffer (Buffer slices may start at any byte offset); the files are little-endian.
  const values = new Float64Array(bytes.length / 8);
  new Uint8Array(values.buffer).set(bytes);
  return values.sort();
}

export function readCategories(file: string): string[] {
  return JSON.parse(readFileSync(path.join(FIXTURE_DIR, file), 'utf8')) as string[];
}

/** Within 1e-9 of the reference value, absolutely or (for large values) relatively, as the fixtures promise. */
export function expectMatch(actual: number, expected: number, label: string, tolerance = 1e-9): void {
  const difference = Math.abs(actual - expected);
  const ok = difference <= tolerance || difference <= tolerance * Math.abs(expected);
  expect(ok, `${label}: got ${actual}, expected ${expected} (difference ${difference})`).toBe(true);
}
