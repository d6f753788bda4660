/**
 * Turns raw ingested rows (CSV records or JSON objects) into typed FeatureRows for one model.
 * Missing feature values are kept as null: they are data, and a rising null rate is itself drift.
 * A row with any unreadable field is rejected whole, with one rejection per bad field, so the
 * caller can report everything wrong with a file at once.
 */
import type { ModelConfig } from '../config';

export interface FeatureRow {
  /** ISO 8601 UTC, e.g. '2012-01-01T00:00:00.000Z'. */
  eventTime: string;
  features: Record<string, number | string | null>;
  label: number | null;
}

export interface RowRejection {
  /** 1-based data row number in the source, header excluded. */
  rowNumber: number;
  field: string;
  reason: string;
  /** The offending value as text; absent when the row has no such column. */
  value?: string;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const MISSING_MARKERS = new Set(['', 'NA']);
const NUMBER_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// Date, optional time (with 'T' or a space), optional zone; a timestamp without a zone is read as UTC.
const TIMESTAMP_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const TIMESTAMP_EXPECTED = 'expected an ISO 8601 timestamp or a YYYY-MM-DD date';

export function validateRows(
  config: ModelConfig,
  rows: ReadonlyArray<Record<string, unknown>>,
  options: { firstRowNumber?: number } = {},
): { valid: FeatureRow[]; rejected: RowRejection[] } {
  const firstRowNumber = options.firstRowNumber ?? 1;
  const valid: FeatureRow[] = [];
  const rejected: RowRejection[] = [];

  rows.forEach((row, index) => {
    const rowNumber = firstRowNumber + index;
    const rowRejections: RowRejection[] = [];
    const read = <T>(field: string, parse: (raw: unknown) => Parsed<T>): T | undefined => {
      const raw = cell(row, field);
      const parsed = parse(raw);
      if (parsed.ok) return parsed.value;
      const value = raw === undefined ? {} : { value: asText(raw) };
      rowRejections.push({ rowNumber, field, reason: parsed.reason, ...value });
      return undefined;
    };

    const eventTime = read(config.eventTime, parseEventTime);
    const features: FeatureRow['features'] = {};
    for (const feature of config.features) {
      const parse = feature.kind === 'numeric' ? parseNumericFeature : parseCategoricalFeature;
      const value = read<number | string | null>(feature.name, parse);
      if (value !== undefined) features[feature.name] = value;
    }
    const label = read(config.label, (raw) => parseLabel(raw, config.task));

    // eventTime and label are undefined only when rejected; testing them too lets TypeScript narrow.
    if (rowRejections.length > 0 || eventTime === undefined || label === undefined) {
      rejected.push(...rowRejections);
    } else {
      valid.push({ eventTime, features, label });
    }
  });
  return { valid, rejected };
}

/** Own properties only, so a column named like an Object.prototype member ('constructor') reads as missing. */
function cell(row: Record<string, unknown>, column: string): unknown {
  return Object.hasOwn(row, column) ? row[column] : undefined;
}

function isMissing(raw: unknown): boolean {
  return raw === undefined || raw === null || (typeof raw === 'string' && MISSING_MARKERS.has(raw.trim()));
}

function asText(raw: unknown): string {
  return typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? String(raw));
}

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

function fail<T>(reason: string): Parsed<T> {
  return { ok: false, reason };
}

function parseEventTime(raw: unknown): Parsed<string> {
  if (isMissing(raw)) return fail('missing event time');
  if (typeof raw !== 'string') return fail(TIMESTAMP_EXPECTED);
  const match = TIMESTAMP_PATTERN.exec(raw.trim());
  if (!match) return fail(TIMESTAMP_EXPECTED);
  const [, year = '', month = '', day = '', hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = match;
  const offset = zone === 'Z' ? zone : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const inRange = (value: string, max: number, min = 0) => Number(value) >= min && Number(value) <= max;
  const valid =
    inRange(month, 12, 1) &&
    inRange(day, daysInMonth(Number(year), Number(month)), 1) &&
    inRange(hour, 23) &&
    inRange(minute, 59) &&
    inRange(second, 59) &&
    (offset === 'Z' || (inRange(offset.slice(1, 3), 23) && inRange(offset.slice(4), 59)));
  if (!valid) return fail('not a valid calendar date or time');
  // Rebuilt in the one format Date.parse is specified to read, with milliseconds cut to three digits.
  const milliseconds = fraction.slice(0, 3).padEnd(3, '0');
  const normalized = `${year}-${month}-${day}T${hour}:${minute}:${second}.${milliseconds}${offset}`;
  return ok(new Date(Date.parse(normalized)).toISOString());
}

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function toNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw === 'string' && NUMBER_PATTERN.test(raw.trim())) return Number(raw.trim());
  return undefined;
}

function parseNumericFeature(raw: unknown): Parsed<number | null> {
  if (isMissing(raw)) return ok(null);
  const value = toNumber(raw);
  return value === undefined ? fail('expected a number') : ok(value);
}

function parseCategoricalFeature(raw: unknown): Parsed<string | null> {
  if (isMissing(raw)) return ok(null);
  if (typeof raw === 'string') return ok(raw);
  if (typeof raw === 'number' || typeof raw === 'boolean') return ok(String(raw));
  return fail('expected a category (text, number or boolean)');
}

function parseLabel(raw: unknown, task: ModelConfig['task']): Parsed<number | null> {
  if (isMissing(raw)) return ok(null);
  switch (task) {
    case 'regression': {
      const value = toNumber(raw);
      return value === undefined ? fail('expected a number') : ok(value);
    }
    case 'binary_classification':
      return parseBinaryLabel(raw);
    case 'multiclass_classification':
      return parseClassIndex(raw);
  }
}

function parseBinaryLabel(raw: unknown): Parsed<number> {
  const text = typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
  if (text === true || text === 'true') return ok(1);
  if (text === false || text === 'false') return ok(0);
  const value = toNumber(raw);
  return value === 0 || value === 1 ? ok(value) : fail('expected 0 or 1 (or true/false) for a binary_classification label');
}

/**
 * A class index 0..K-1, as the softmax model and the multi-class metrics expect. K is not declared in
 * the config: training takes it from the largest label it sees. Booleans are refused rather than read
 * as 0/1, since true/false in a multi-class column more likely means the wrong column than class 1.
 */
function parseClassIndex(raw: unknown): Parsed<number> {
  const value = toNumber(raw);
  // `+ 0` turns a '-0' into 0, so it is stored as the class it names.
  return value !== undefined && Number.isSafeInteger(value) && value >= 0
    ? ok(value + 0)
    : fail('expected a class index (a non-negative integer: 0, 1, 2, ...) for a multiclass_classification label');
}
