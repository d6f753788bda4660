/**
 * Reading feature values, defined once so the reference and every window are read identically.
 * Drift works on columns; rows (as stored in PostgreSQL JSONB) are turned into columns first.
 */
import { inspect } from 'node:util';
import { sortedFloat64Copy } from './sort';

/** Raw values of one feature in row order; a Float64Array is the fast path (NaN means null). */
export type RawColumn = ArrayLike<unknown>;

/**
 * The window (or the reference): row count and the raw column of each feature present in it. `givenUp`: the
 * caller never reads the columns again, so a numeric one that is a Float64Array is read and sorted where it
 * is instead of copied (a million-row feature spares 8 MB and a pass).
 */
export interface FeatureTable {
  rowCount: number;
  columns: Record<string, RawColumn>;
  givenUp?: boolean;
  /** Numeric columns already read and sorted, e.g. on another thread: compared as they are, in place of `columns`' own. */
  sorted?: Readonly<Record<string, SortedColumn>>;
}

/** A numeric column as readNumericColumn reads it, its values then sorted ascending, and how many rows the raw column had. */
export interface SortedColumn extends ReadColumn<Float64Array> { rows: number }

type Row = Readonly<Record<string, unknown>>;

/** A feature is present when any row has it as a key, even with a null value. */
export function tableFromRows(rows: ReadonlyArray<Row>, featureNames: readonly string[]): FeatureTable {
  const columns: Record<string, RawColumn> = {};
  for (const name of featureNames) {
    let present = false;
    const values = new Array<unknown>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      // Only the row's own keys are features: a feature named 'constructor' must not read Object.prototype.
      if (Object.hasOwn(row, name)) {
        present = true;
        values[i] = row[name];
      }
    }
    if (present) columns[name] = values;
  }
  return { rowCount: rows.length, columns };
}

/** A feature's column, if present; only own keys count, so a feature named 'constructor' is safe. */
export function columnOf(table: FeatureTable, name: string): RawColumn | undefined {
  return Object.hasOwn(table.columns, name) ? table.columns[name] : undefined;
}

export interface ReadColumn<T> {
  /**
   * In row order, nulls and invalid values left out. An array the caller owns (it may sort it in place): a new one,
   * or the raw Float64Array's own buffer when it was given up.
   */
  values: T;
  nullCount: number;
  /** Non-null values that could not be read as the feature's kind, e.g. 'abc' or Infinity for a numeric one. */
  invalidCount: number;
  /** Printable form of the first invalid value, for status details. */
  invalidExample?: string;
}

/** null, undefined, NaN and '' all mean "no value". */
export function isNullValue(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (typeof value === 'number' && Number.isNaN(value));
}

/**
 * The column's finite numbers, as a Float64Array that is a view of a buffer no one else holds, −0 read as 0: a new
 * one, or `raw`'s own when `givenUp` (its values are then overwritten).
 */
export function readNumericColumn(raw: RawColumn, givenUp = false): ReadColumn<Float64Array> {
  if (raw instanceof Float64Array) return readFloat64Column(raw, givenUp ? raw : new Float64Array(raw.length));
  const values = new Float64Array(raw.length);
  let count = 0;
  const column: ReadColumn<Float64Array> = { values, nullCount: 0, invalidCount: 0 };
  for (let i = 0; i < raw.length; i++) {
    const value = raw[i];
    // Fast path for the common case, a finite number (x − x is 0 only for finite x); the rest below.
    if (typeof value === 'number' && value - value === 0) {
      values[count++] = value === 0 ? 0 : value;
      continue;
    }
    if (isNullValue(value)) {
      column.nullCount++;
      continue;
    }
    const number = toFiniteNumber(value);
    if (number === undefined) {
      column.invalidCount++;
      column.invalidExample ??= printable(value);
    } else {
      values[count++] = number;
    }
  }
  column.values = values.subarray(0, count);
  return column;
}

/** `values` may be `raw` itself: each value is written at or before the position it was read from. */
function readFloat64Column(raw: Float64Array, values: Float64Array): ReadColumn<Float64Array> {
  let count = 0;
  const column: ReadColumn<Float64Array> = { values, nullCount: 0, invalidCount: 0 };
  for (let i = 0; i < raw.length; i++) {
    const value = raw[i]!;
    if (Number.isNaN(value)) column.nullCount++;
    else if (!Number.isFinite(value)) {
      column.invalidCount++;
      column.invalidExample ??= String(value);
    } else values[count++] = value === 0 ? 0 : value;
  }
  column.values = values.subarray(0, count);
  return column;
}

export function readCategoricalColumn(raw: RawColumn): ReadColumn<string[]> {
  const column: ReadColumn<string[]> = { values: [], nullCount: 0, invalidCount: 0 };
  for (let i = 0; i < raw.length; i++) {
    const value = raw[i];
    if (isNullValue(value)) {
      column.nullCount++;
      continue;
    }
    const category = toCategory(value);
    if (category === undefined) {
      column.invalidCount++;
      column.invalidExample ??= printable(value);
    } else {
      column.values.push(category);
    }
  }
  return column;
}

/** Numbers and numeric strings (as PostgreSQL returns numeric and bigint columns); anything not finite is invalid. */
function toFiniteNumber(value: unknown): number | undefined {
  let number: number;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'bigint') number = Number(value);
  else if (typeof value === 'string' && value.trim() !== '') number = Number(value);
  else return undefined;
  if (!Number.isFinite(number)) return undefined;
  // −0 would come back from JSON as 0; normalising keeps a stored profile identical after a round trip.
  return number === 0 ? 0 : number;
}

/** Categories are strings; numbers, bigints and booleans are categories by their string form. */
function toCategory(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return undefined;
}

function printable(value: unknown): string {
  return inspect(value, { depth: 0, breakLength: Infinity, maxStringLength: 40 });
}

/** Counts per category, as a Map (category names are data: '__proto__' must be an ordinary key). */
export function countCategories(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** Sorted copy of a numeric column, as every numeric test needs (see ./sort: a radix sort, in the built-in sort's order). */
export function sortedCopy(values: Float64Array): Float64Array {
  return sortedFloat64Copy(values);
}

export function encodeFloat64(values: Float64Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

/** A NumericReference's sortedValues as the bytes reference_values stores (float64 in the host's byte order). */
export function float64Bytes(sortedValues: string | Float64Array): Buffer {
  return typeof sortedValues === 'string'
    ? Buffer.from(sortedValues, 'base64')
    : Buffer.from(sortedValues.buffer, sortedValues.byteOffset, sortedValues.byteLength);
}

/** A NumericReference's sortedValues as numbers: base64 is decoded, values already read are returned as they are. */
export function decodeFloat64(encoded: string | Float64Array): Float64Array {
  if (typeof encoded !== 'string') return encoded;
  // Decoded straight into an aligned buffer when the length the string announces is what it holds
  // (always, for what encodeFloat64 wrote); anything else takes the general path below.
  const announced = Buffer.byteLength(encoded, 'base64');
  if (announced % 8 === 0) {
    const values = new Float64Array(announced / 8);
    if (Buffer.from(values.buffer).write(encoded, 'base64') === announced) return values;
  }
  const bytes = Buffer.from(encoded, 'base64');
  // Copy into an aligned buffer: Buffer slices may start at any byte offset.
  const values = new Float64Array(bytes.length / 8);
  new Uint8Array(values.buffer).set(bytes);
  return values;
}
