import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModelConfig, type ModelConfig } from '../../src/config';
import { CsvParseError, parseCsv } from '../../src/ingest/csv';
import { validateRows } from '../../src/ingest/validate-rows';

function configFor(task: ModelConfig['task']): ModelConfig {
  return parseModelConfig(
    JSON.stringify({
      model: 'weather',
      task,
      eventTime: 'date',
      label: 'rain',
      features: [
        { name: 'temp_max', kind: 'numeric' },
        { name: 'weather', kind: 'categorical' },
      ],
    }),
    '<inline>',
  );
}

const classifier = configFor('binary_classification');
const regressor = configFor('regression');
const multiclass = configFor('multiclass_classification');

describe('validateRows', () => {
  it('types a valid row and ignores extra columns', () => {
    const result = validateRows(classifier, [
      { date: '2012-01-02', temp_max: '10.6', weather: 'rain', rain: '1', precipitation: '10.9' },
    ]);
    expect(result).toEqual({
      valid: [
        { eventTime: '2012-01-02T00:00:00.000Z', features: { temp_max: 10.6, weather: 'rain' }, label: 1 },
      ],
      rejected: [],
    });
  });

  it('keeps missing feature values and labels as null', () => {
    const { valid, rejected } = validateRows(classifier, [
      { date: '2012-01-01', temp_max: '', weather: 'NA', rain: '' },
      { date: '2012-01-02', temp_max: null, rain: null },
      { date: '2012-01-03' },
    ]);
    expect(rejected).toEqual([]);
    expect(valid.map((row) => [row.features, row.label])).toEqual([
      [{ temp_max: null, weather: null }, null],
      [{ temp_max: null, weather: null }, null],
      [{ temp_max: null, weather: null }, null],
    ]);
  });

  it('accepts numbers and numeric strings for numeric features', () => {
    const { valid } = validateRows(regressor, [
      { date: '2012-01-01', temp_max: 12.5, rain: '-3' },
      { date: '2012-01-01', temp_max: ' 1e3 ', rain: '.5' },
      { date: '2012-01-01', temp_max: '-0.25', rain: 0 },
    ]);
    expect(valid.map((row) => [row.features.temp_max, row.label])).toEqual([
      [12.5, -3],
      [1000, 0.5],
      [-0.25, 0],
    ]);
  });

  it('turns categorical values into strings', () => {
    const { valid } = validateRows(classifier, [
      { date: '2012-01-01', weather: 3 },
      { date: '2012-01-01', weather: true },
    ]);
    expect(valid.map((row) => row.features.weather)).toEqual(['3', 'true']);
  });

  it('reads binary labels as 0/1, including true/false', () => {
    const { valid, rejected } = validateRows(classifier, [
      { date: '2012-01-01', rain: 'true' },
      { date: '2012-01-01', rain: 'FALSE' },
      { date: '2012-01-01', rain: true },
      { date: '2012-01-01', rain: '1.0' },
      { date: '2012-01-01', rain: 0 },
    ]);
    expect(rejected).toEqual([]);
    expect(valid.map((row) => row.label)).toEqual([1, 0, 1, 1, 0]);
  });

  it('rejects binary labels other than 0 and 1, and non-numeric regression labels', () => {
    expect(validateRows(classifier, [{ date: '2012-01-01', rain: '2' }]).rejected).toEqual([
      {
        rowNumber: 1,
        field: 'rain',
        reason: 'expected 0 or 1 (or true/false) for a binary_classification label',
        value: '2',
      },
    ]);
    expect(validateRows(regressor, [{ date: '2012-01-01', rain: 'true' }]).rejected).toEqual([
      { rowNumber: 1, field: 'rain', reason: 'expected a number', value: 'true' },
    ]);
  });

  it('reads multiclass labels as class indices, from numbers or integer strings', () => {
    const { valid, rejected } = validateRows(multiclass, [
      { date: '2012-01-01', rain: 0 },
      { date: '2012-01-01', rain: '2' },
      { date: '2012-01-01', rain: ' 7 ' },
      { date: '2012-01-01', rain: '1.0' },
      { date: '2012-01-01', rain: '-0' },
      { date: '2012-01-01', rain: 'NA' },
    ]);
    expect(rejected).toEqual([]);
    expect(valid.map((row) => row.label)).toEqual([0, 2, 7, 1, 0, null]);
    expect(Object.is(valid[4]?.label, 0)).toBe(true);
  });

  it('rejects multiclass labels that are not non-negative integers, row by row, and keeps the good rows', () => {
    const reason = 'expected a class index (a non-negative integer: 0, 1, 2, ...) for a multiclass_classification label';
    const { valid, rejected } = validateRows(
      multiclass,
      [
        { date: '2012-01-01', rain: '1' },
        { date: '2012-01-02', rain: '-1' },
        { date: '2012-01-03', rain: 1.5 },
        { date: '2012-01-04', rain: 'sun' },
        { date: '2012-01-05', rain: true },
        { date: '2012-01-06', rain: 3 },
        { date: '2012-01-07', rain: 1e300 },
      ],
      { firstRowNumber: 10 },
    );
    expect(valid.map((row) => [row.eventTime, row.label])).toEqual([
      ['2012-01-01T00:00:00.000Z', 1],
      ['2012-01-06T00:00:00.000Z', 3],
    ]);
    expect(rejected).toEqual([
      { rowNumber: 11, field: 'rain', reason, value: '-1' },
      { rowNumber: 12, field: 'rain', reason, value: '1.5' },
      { rowNumber: 13, field: 'rain', reason, value: 'sun' },
      { rowNumber: 14, field: 'rain', reason, value: 'true' },
      { rowNumber: 16, field: 'rain', reason, value: '1e+300' },
    ]);
  });

  it('reports every bad field of a row with its row number, and keeps the good rows', () => {
    const rows = [
      { date: '2012-01-01', temp_max: '12.8', weather: 'drizzle', rain: '0' },
      { date: 'yesterday', temp_max: 'warm', weather: 'sun', rain: 'maybe' },
      { date: '2012-01-03', temp_max: '11.7', weather: 'rain', rain: '1' },
      { temp_max: '0x10', rain: '1' },
    ];
    const { valid, rejected } = validateRows(classifier, rows, { firstRowNumber: 101 });
    expect(valid.map((row) => row.eventTime)).toEqual(['2012-01-01T00:00:00.000Z', '2012-01-03T00:00:00.000Z']);
    expect(rejected).toEqual([
      {
        rowNumber: 102,
        field: 'date',
        reason: 'expected an ISO 8601 timestamp or a YYYY-MM-DD date',
        value: 'yesterday',
      },
      { rowNumber: 102, field: 'temp_max', reason: 'expected a number', value: 'warm' },
      {
        rowNumber: 102,
        field: 'rain',
        reason: 'expected 0 or 1 (or true/false) for a binary_classification label',
        value: 'maybe',
      },
      { rowNumber: 104, field: 'date', reason: 'missing event time' },
      { rowNumber: 104, field: 'temp_max', reason: 'expected a number', value: '0x10' },
    ]);
  });

  it('numbers rows from 1 by default', () => {
    const { rejected } = validateRows(classifier, [{ date: '2012-01-01' }, { date: '' }]);
    expect(rejected).toEqual([{ rowNumber: 2, field: 'date', reason: 'missing event time', value: '' }]);
  });

  it('normalises event times to UTC and reads a timestamp without a zone as UTC', () => {
    const { valid } = validateRows(classifier, [
      { date: '2012-01-01T10:00:00+05:30' },
      { date: '2012-01-01T10:00:00.123456Z' },
      { date: '2012-01-01 10:00' },
      { date: '2012-02-29' },
    ]);
    expect(valid.map((row) => row.eventTime)).toEqual([
      '2012-01-01T04:30:00.000Z',
      '2012-01-01T10:00:00.123Z',
      '2012-01-01T10:00:00.000Z',
      '2012-02-29T00:00:00.000Z',
    ]);
  });

  it.each(['2013-02-29', '2012-13-01', '2012-01-01T24:00:00Z', '01/02/2012', '1325376000000'])(
    'rejects the event time %j',
    (date) => {
      const { valid, rejected } = validateRows(classifier, [{ date }]);
      expect(valid).toEqual([]);
      expect(rejected).toMatchObject([{ rowNumber: 1, field: 'date', value: date }]);
    },
  );

  it('treats a column named like an Object member as missing, not as the inherited value', () => {
    const config: ModelConfig = {
      ...classifier,
      features: [{ name: 'constructor', kind: 'numeric', drift: { test: 'ks', threshold: 0.05 } }],
    };
    const { valid } = validateRows(config, [{ date: '2012-01-01' }]);
    expect(valid[0]!.features).toEqual({ constructor: null });
  });
});

describe('parseCsv', () => {
  it('parses a header row, trims values and skips empty lines', () => {
    expect(parseCsv('\ufeffdate, temp_max ,weather\n\n2012-01-01, 12.8 ,drizzle\n\n')).toEqual([
      { date: '2012-01-01', temp_max: '12.8', weather: 'drizzle' },
    ]);
  });

  it('throws an error naming the line of a malformed record', () => {
    const parse = () => parseCsv('a,b\n1,2\n3\n');
    expect(parse).toThrow(CsvParseError);
    expect(parse).toThrow(/^malformed CSV at line 3: /);
  });

  it('rejects duplicate column names', () => {
    expect(() => parseCsv('a,b,a\n1,2,3\n')).toThrow('malformed CSV at line 1: duplicate column \'a\' in the header');
  });

  it('reads the vega-datasets seattle-weather table into rows the example config accepts', () => {
    // The package exports only its JS entry point (build/index.js); the CSV files sit next to it in data/.
    const dataDir = path.join(path.dirname(require.resolve('vega-datasets')), '../data');
    const csv = readFileSync(path.join(dataDir, 'seattle-weather.csv'), 'utf8');
    const example = parseModelConfig(
      readFileSync(path.join(__dirname, '../../examples/seattle-weather.yaml'), 'utf8'),
      'seattle-weather.yaml',
    );
    // The label is derived before ingestion, as the example config describes.
    const rows = parseCsv(csv).map((row) => ({
      ...row,
      rain: row.weather === 'rain' || Number(row.precipitation) > 0 ? 1 : 0,
    }));
    const { valid, rejected } = validateRows(example, rows);
    expect(rejected).toEqual([]);
    expect(valid).toHaveLength(1461);
    expect(valid[1]).toEqual({
      eventTime: '2012-01-02T00:00:00.000Z',
      features: { temp_max: 10.6, temp_min: 2.8, wind: 4.5 },
      label: 1,
    });
  });
});
