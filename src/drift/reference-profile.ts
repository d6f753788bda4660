import { mean, standardDeviation } from 'simple-statistics';
import { inspect } from 'node:util';
import { numericBinShares } from './psi';
import type {
  CategoricalReference,
  FeatureKind,
  FeatureReference,
  FeatureSpec,
  NumericReference,
  ReferenceProfile,
} from './types';

/**
 * Largest reference sample kept for KS. Evenly spaced order statistics keep the sample's empirical CDF
 * within about 1/REFERENCE_SAMPLE_LIMIT of the full reference's, so D barely moves while the JSONB stays
 * small; the p-value then counts the reference as this many values, which errs on the conservative side.
 */
export const REFERENCE_SAMPLE_LIMIT = 10_000;

/** Number of PSI bins for numeric features: reference deciles. */
export const PSI_BINS = 10;

type Row = Readonly<Record<string, unknown>>;

export function buildReferenceProfile(specs: FeatureSpec[], rows: ReadonlyArray<Row>): ReferenceProfile {
  return {
    formatVersion: 1,
    rowCount: rows.length,
    features: Object.fromEntries(specs.map((spec) => [spec.name, buildFeatureReference(spec, rows)])),
  };
}

function buildFeatureReference(spec: FeatureSpec, rows: ReadonlyArray<Row>): FeatureReference {
  const { nullCount } = surveyColumn(rows, spec.name);
  return spec.kind === 'numeric'
    ? buildNumericReference(readValues(rows, spec.name, 'numeric').values, nullCount)
    : buildCategoricalReference(readValues(rows, spec.name, 'categorical').values, nullCount);
}

function buildNumericReference(values: number[], nullCount: number): NumericReference {
  const sorted = Float64Array.from(values).sort();
  const binEdges = decileEdges(sorted);
  const hasValues = sorted.length > 0;
  return {
    kind: 'numeric',
    count: sorted.length,
    nullCount,
    sample: evenlySpacedSubsample(sorted, REFERENCE_SAMPLE_LIMIT),
    binEdges,
    binShares: numericBinShares(binEdges, sorted),
    mean: hasValues ? finiteOrNull(mean(values)) : null,
    std: hasValues ? finiteOrNull(standardDeviation(values)) : null,
    min: sorted[0] ?? null,
    max: sorted[sorted.length - 1] ?? null,
  };
}

/**
 * Edge k (k = 1..PSI_BINS−1) is the smallest reference value with at least k/PSI_BINS of the reference
 * strictly below it (sorted index ⌊n·k/PSI_BINS⌋). With left-closed bins [edge_{k−1}, edge_k) each bin
 * then holds a tenth of the reference when there are no ties; ties merge edges, hence the deduplication.
 * Edges are actual data values, so they stay finite and exact through JSON.
 */
function decileEdges(sorted: Float64Array): number[] {
  const edges: number[] = [];
  if (sorted.length === 0) return edges;
  for (let k = 1; k < PSI_BINS; k++) {
    const edge = sorted[Math.floor((sorted.length * k) / PSI_BINS)] as number;
    if (edges[edges.length - 1] !== edge) edges.push(edge);
  }
  return edges;
}

/** All values when they fit, otherwise `limit` order statistics at evenly spaced ranks, always keeping min and max. */
function evenlySpacedSubsample(sorted: Float64Array, limit: number): number[] {
  if (sorted.length <= limit) return Array.from(sorted);
  const step = (sorted.length - 1) / (limit - 1);
  return Array.from({ length: limit }, (_, k) => sorted[Math.round(k * step)] as number);
}

function buildCategoricalReference(categories: string[], nullCount: number): CategoricalReference {
  const counts = new Map<string, number>();
  for (const category of categories) counts.set(category, (counts.get(category) ?? 0) + 1);
  return {
    kind: 'categorical',
    count: categories.length,
    nullCount,
    // Object.fromEntries defines own properties, so a category such as '__proto__' is stored like any other.
    shares: Object.fromEntries([...counts].map(([category, count]) => [category, count / categories.length])),
  };
}

/** Mean and std of huge finite values can overflow; the profile must stay plain JSON. */
function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

// Reading feature values from rows is defined once, here, so reference and window are read identically.

/** null, undefined, NaN and '' all mean "no value". */
export function isNullValue(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (typeof value === 'number' && Number.isNaN(value));
}

export interface ColumnSurvey {
  /** Whether any row has the feature as a key at all (a null value still counts as present). */
  present: boolean;
  nullCount: number;
}

export function surveyColumn(rows: ReadonlyArray<Row>, name: string): ColumnSurvey {
  let present = false;
  let nullCount = 0;
  for (const row of rows) {
    if (Object.hasOwn(row, name)) present = true;
    if (isNullValue(ownValue(row, name))) nullCount++;
  }
  return { present, nullCount };
}

export interface ColumnValues<T> {
  /** The non-null values that could be read as the feature's kind. */
  values: T[];
  /** Non-null values that could not, e.g. 'abc' or Infinity for a numeric feature. */
  invalidCount: number;
  /** Printable form of the first invalid value, for status details. */
  invalidExample?: string;
}

export function readValues(rows: ReadonlyArray<Row>, name: string, kind: 'numeric'): ColumnValues<number>;
export function readValues(rows: ReadonlyArray<Row>, name: string, kind: 'categorical'): ColumnValues<string>;
export function readValues(rows: ReadonlyArray<Row>, name: string, kind: FeatureKind): ColumnValues<number | string> {
  const read = kind === 'numeric' ? toFiniteNumber : toCategory;
  const column: ColumnValues<number | string> = { values: [], invalidCount: 0 };
  for (const row of rows) {
    const raw = ownValue(row, name);
    if (isNullValue(raw)) continue;
    const value = read(raw);
    if (value !== undefined) {
      column.values.push(value);
    } else {
      column.invalidCount++;
      column.invalidExample ??= inspect(raw, { depth: 0, breakLength: Infinity, maxStringLength: 40 });
    }
  }
  return column;
}

/** Only the row's own keys are features: a feature named 'constructor' must not read Object.prototype. */
function ownValue(row: Row, name: string): unknown {
  return Object.hasOwn(row, name) ? row[name] : undefined;
}

/** Numbers and numeric strings (as PostgreSQL returns numeric and bigint columns); anything not finite is invalid. */
function toFiniteNumber(value: unknown): number | undefined {
  let number: number;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'bigint') number = Number(value);
  else if (typeof value === 'string' && value.trim() !== '') number = Number(value);
  else return undefined;
  if (!Number.isFinite(number)) return undefined;
  // −0 would come back from JSON as 0; normalising keeps the stored profile identical after a round trip.
  return number === 0 ? 0 : number;
}

/** Categories are strings; numbers, bigints and booleans are categories by their string form. */
function toCategory(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return undefined;
}
