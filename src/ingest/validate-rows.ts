/**
 * Turns raw ingested rows (CSV records or JSON objects) into typed FeatureRows for one model.
 * Missing feature values are kept as null: they are data, and a rising null rate is itself drift.
 * A row with any unreadable field is rejected whole, with one rejection per bad field, so the
 * caller can report everything wrong with a file at once.
 *
 * A number must keep its value as a double: text that overflows to ±Infinity (`1e999`, a 400-digit
 * integer) or underflows to 0 (`1e-400`) is refused, never stored as something else. Rounding to the
 * nearest double (`0.1`, a 20-digit integer feature) is not a lost value; class labels, which must be
 * exact, are held to integers below MAX_CLASS_COUNT, and labels to what training accepts.
 */
import type { ModelConfig } from '../config';
import { MAX_ABS_REGRESSION_LABEL, MAX_CLASS_COUNT } from '../training/labels';

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

/**
 * One data row as a source delivers it: its cells in the validator's column order, or why the
 * row could not be read at all (a CSV row with the wrong number of fields, a line that is not JSON).
 */
export type SourceRow = { rowNumber: number; cells: readonly unknown[] } | { rowNumber: number; unreadable: RowRejection };

export type RowOutcome = { row: FeatureRow } | { rejections: RowRejection[] };

export interface RowValidator {
  /** The columns a row is read from, in the order `validate` expects its cells. */
  readonly columns: readonly string[];
  validate(cells: readonly unknown[], rowNumber: number): RowOutcome;
}

/** The field a rejection names when the row as a whole could not be read. */
export const WHOLE_ROW = '(row)';

/** How much of a rejected value a rejection keeps. */
const QUOTED_VALUE_CHARS = 200;

/** Why a cell was refused. Parsers return it in place of a value, so a valid cell allocates nothing: ingest reads millions. */
class Refusal {
  constructor(readonly reason: string) {}
}
type Parser<T> = (raw: unknown) => T | Refusal;

const NUMBER_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NONZERO_DIGIT_BEFORE_EXPONENT = /^[^eE]*[1-9]/;
// PostgreSQL text and jsonb cannot hold NUL, and jsonb refuses a surrogate without its pair.
const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Date, optional time (with 'T' or a space), optional zone; a timestamp without a zone is read as UTC.
const TIMESTAMP_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
/**
 * The first instant of year 1 is the minimum of .NET's DateTime and of other systems' time types, and
 * exports write it where a time is missing. It is also where a window that holds every row starts
 * (windows exclude their start, and PostgreSQL has no year 0 before it).
 */
export const PLACEHOLDER_TIME = '0001-01-01T00:00:00.000Z';
const PLACEHOLDER_TIME_REASON = `${PLACEHOLDER_TIME} is the placeholder many systems write for a missing time (.NET's DateTime.MinValue), not an event time`;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const TIMESTAMP_EXPECTED = 'expected an ISO 8601 timestamp or a YYYY-MM-DD date';
const CLASS_INDEX_EXPECTED = 'expected a class index (a non-negative integer: 0, 1, 2, ...) for a multiclass_classification label';
const BINARY_LABEL_EXPECTED = 'expected 0 or 1 (or true/false) for a binary_classification label';

export function createRowValidator(config: ModelConfig): RowValidator {
  const featureParsers = config.features.map((feature) => (feature.kind === 'numeric' ? parseNumericFeature : parseCategoricalFeature));
  const columns = [config.eventTime, ...config.features.map((feature) => feature.name), config.label];
  const labelIndex = columns.length - 1;
  const parseLabel = LABEL_PARSERS[config.task];

  return {
    columns,
    validate(cells, rowNumber) {
      // Created for the first bad field only: ingest validates millions of rows, nearly all of them valid.
      let rejections: RowRejection[] | undefined;
      const eventTime = parseEventTime(cells[0]);
      if (eventTime instanceof Refusal) (rejections ??= []).push(rejection(rowNumber, columns[0]!, cells[0], eventTime));
      const features: FeatureRow['features'] = {};
      for (let index = 1; index < labelIndex; index++) {
        const value = featureParsers[index - 1]!(cells[index]);
        if (value instanceof Refusal) (rejections ??= []).push(rejection(rowNumber, columns[index]!, cells[index], value));
        else features[columns[index]!] = value;
      }
      const label = parseLabel(cells[labelIndex]);
      if (label instanceof Refusal) (rejections ??= []).push(rejection(rowNumber, columns[labelIndex]!, cells[labelIndex], label));
      if (rejections !== undefined || eventTime instanceof Refusal || label instanceof Refusal) return { rejections: rejections! };
      return { row: { eventTime, features, label } };
    },
  };
}

/** Validates rows held in memory (JSON objects or parsed CSV records), numbered from firstRowNumber. */
export function validateRows(
  config: ModelConfig,
  rows: ReadonlyArray<Record<string, unknown>>,
  options: { firstRowNumber?: number } = {},
): { valid: FeatureRow[]; rejected: RowRejection[] } {
  const firstRowNumber = options.firstRowNumber ?? 1;
  const validator = createRowValidator(config);
  const valid: FeatureRow[] = [];
  const rejected: RowRejection[] = [];
  rows.forEach((row, index) => {
    const outcome = validator.validate(objectCells(row, validator.columns), firstRowNumber + index);
    if ('row' in outcome) valid.push(outcome.row);
    else rejected.push(...outcome.rejections);
  });
  return { valid, rejected };
}

/** Own properties only, so a column named like an Object.prototype member ('constructor') reads as missing. */
export function objectCells(row: Record<string, unknown>, columns: readonly string[]): unknown[] {
  return columns.map((column) => (Object.hasOwn(row, column) ? row[column] : undefined));
}

function rejection(rowNumber: number, field: string, raw: unknown, refusal: Refusal): RowRejection {
  return { rowNumber, field, reason: refusal.reason, ...(raw === undefined ? {} : { value: asText(raw) }) };
}

/** '' and 'NA' (spaces around them ignored) mark a missing value, as do null and an absent column. */
function isMissing(raw: unknown): boolean {
  if (raw === undefined || raw === null) return true;
  if (typeof raw !== 'string') return false;
  const text = raw.trim();
  return text === '' || text === 'NA';
}

function asText(raw: unknown): string {
  // JSON.stringify would write Infinity and NaN as 'null', hiding what was refused.
  return quotedValue(typeof raw === 'string' ? raw : typeof raw === 'number' ? String(raw) : (JSON.stringify(raw) ?? String(raw)));
}

/** A rejected value as a rejection keeps it: enough to find it, not a megabyte of it. */
export function quotedValue(text: string): string {
  return text.length > QUOTED_VALUE_CHARS ? `${text.slice(0, QUOTED_VALUE_CHARS)}…` : text;
}

function refuse(reason: string): Refusal {
  return new Refusal(reason);
}

function parseEventTime(raw: unknown): string | Refusal {
  if (isMissing(raw)) return refuse('missing event time');
  if (typeof raw !== 'string') return refuse(TIMESTAMP_EXPECTED);
  const match = TIMESTAMP_PATTERN.exec(raw.trim());
  if (!match) return refuse(TIMESTAMP_EXPECTED);
  const [, year = '', month = '', day = '', hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = match;
  const offsetMinutes = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  const valid =
    // PostgreSQL has no year 0 (1 BC comes before 1 AD).
    Number(year) >= 1 &&
    Number(month) >= 1 && Number(month) <= 12 &&
    Number(day) >= 1 && Number(day) <= daysInMonth(Number(year), Number(month)) &&
    Number(hour) <= 23 && Number(minute) <= 59 && Number(second) <= 59 &&
    (zone === 'Z' || (Number(zone.slice(1, 3)) <= 23 && Number(zone.slice(-2)) <= 59));
  if (!valid) return refuse('not a valid calendar date or time');
  // Milliseconds cut to three digits. A UTC time is already in its final form, with no Date to build.
  const utcText = `${year}-${month}-${day}T${hour}:${minute}:${second}.${fraction.slice(0, 3).padEnd(3, '0')}Z`;
  const eventTime = offsetMinutes === 0 ? utcText : new Date(Date.parse(utcText) - offsetMinutes * 60_000);
  if (typeof eventTime !== 'string') {
    const utcYear = eventTime.getUTCFullYear();
    if (utcYear < 1 || utcYear > 9999) return refuse('outside the years 1 to 9999 once converted to UTC');
  }
  const isoTime = typeof eventTime === 'string' ? eventTime : eventTime.toISOString();
  return isoTime === PLACEHOLDER_TIME ? refuse(PLACEHOLDER_TIME_REASON) : isoTime;
}

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** A finite double that keeps the value written; `notANumber` is the reason given for anything but a number. */
function readNumber(raw: unknown, notANumber = 'expected a number'): number | Refusal {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : refuse('expected a finite number');
  if (typeof raw !== 'string') return refuse(notANumber);
  const text = raw.trim();
  if (!NUMBER_PATTERN.test(text)) return refuse(notANumber);
  const value = Number(text);
  if (!Number.isFinite(value)) {
    return refuse(`number out of range: beyond ±${Number.MAX_VALUE.toPrecision(3)} (the largest double), it would become infinity`);
  }
  if (value === 0 && NONZERO_DIGIT_BEFORE_EXPONENT.test(text)) {
    return refuse(`number out of range: nearer to 0 than ${Number.MIN_VALUE.toPrecision(2)} (the smallest double), it would become 0`);
  }
  return value;
}

function parseNumericFeature(raw: unknown): number | null | Refusal {
  return isMissing(raw) ? null : readNumber(raw);
}

function parseCategoricalFeature(raw: unknown): string | null | Refusal {
  if (isMissing(raw)) return null;
  if (typeof raw === 'string') {
    return UNSTORABLE_TEXT.test(raw) ? refuse('contains a NUL character or an unpaired UTF-16 surrogate, which PostgreSQL cannot store') : raw;
  }
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return refuse('expected a category (text, number or boolean)');
}

const LABEL_PARSERS: Readonly<Record<ModelConfig['task'], Parser<number | null>>> = {
  regression: (raw) => (isMissing(raw) ? null : parseRegressionLabel(raw)),
  binary_classification: (raw) => (isMissing(raw) ? null : parseBinaryLabel(raw)),
  multiclass_classification: (raw) => (isMissing(raw) ? null : parseClassIndex(raw)),
};

/** Training refuses labels it cannot compute with (src/training/labels.ts); such a row is refused here, before it fails every retrain. */
function parseRegressionLabel(raw: unknown): number | Refusal {
  const value = readNumber(raw);
  if (value instanceof Refusal || Math.abs(value) <= MAX_ABS_REGRESSION_LABEL) return value;
  return refuse(`regression label out of range: models compute in float32, so |y| must be at most ${MAX_ABS_REGRESSION_LABEL}`);
}

function parseBinaryLabel(raw: unknown): number | Refusal {
  const text = typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
  if (text === true || text === 'true') return 1;
  if (text === false || text === 'false') return 0;
  const value = readNumber(raw, BINARY_LABEL_EXPECTED);
  return value === 0 || value === 1 || value instanceof Refusal ? value : refuse(BINARY_LABEL_EXPECTED);
}

/**
 * A class index 0..K-1, as the softmax model and the multi-class metrics expect. K is not declared in
 * the config: training takes it from the largest label it sees, so the index is bounded as training
 * bounds it. Booleans
 * are refused rather than read as 0/1, since true/false in a multi-class column more likely means the
 * wrong column than class 1.
 */
function parseClassIndex(raw: unknown): number | Refusal {
  const value = readNumber(raw, CLASS_INDEX_EXPECTED);
  if (value instanceof Refusal) return value;
  if (!Number.isSafeInteger(value) || value < 0) return refuse(CLASS_INDEX_EXPECTED);
  if (value >= MAX_CLASS_COUNT) {
    return refuse(`class index ${value} is beyond ${MAX_CLASS_COUNT - 1}: a multiclass_classification model has at most ${MAX_CLASS_COUNT} classes (0..${MAX_CLASS_COUNT - 1})`);
  }
  // `+ 0` turns a '-0' into 0, so it is stored as the class it names.
  return value + 0;
}
