import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseModelConfig, type ModelConfig } from '../../src/config';
import { CsvParseError, parseCsv, readCsvRows } from '../../src/ingest/csv';
import { MAX_JSON_LINE_BYTES, readJsonLines } from '../../src/ingest/json-lines';
import { validateRows, type SourceRow } from '../../src/ingest/validate-rows';
import { MAX_ABS_REGRESSION_LABEL, MAX_CLASS_COUNT } from '../../src/training/labels';

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

  describe('numbers that would not keep their value', () => {
    const overflow = /^number out of range: beyond ±1\.80e\+308 \(the largest double\), it would become infinity$/;

    it.each([
      ['1e999', '1e999'],
      ['-1e999', '-1e999'],
      ['a 400-digit integer', '9'.repeat(400)],
      ['a 310-digit decimal', `-${'1'.repeat(310)}.5`],
    ])('rejects %s, which overflows to infinity, as a feature and as a label', (_description, text) => {
      const { valid, rejected } = validateRows(regressor, [{ date: '2012-01-01', temp_max: text, rain: text }], { firstRowNumber: 7 });
      expect(valid).toEqual([]);
      const quoted = text.length > 200 ? `${text.slice(0, 200)}…` : text;
      expect(rejected.map((r) => [r.rowNumber, r.field, r.value])).toEqual([[7, 'temp_max', quoted], [7, 'rain', quoted]]);
      for (const rejection of rejected) expect(rejection.reason).toMatch(overflow);
    });

    it('rejects text that underflows to 0, and keeps an exact zero and the smallest doubles', () => {
      const { valid, rejected } = validateRows(regressor, [
        { date: '2012-01-01', temp_max: '1e-400' },
        { date: '2012-01-02', temp_max: '-0.000e-999' },
        { date: '2012-01-03', temp_max: '5e-324' },
        { date: '2012-01-04', temp_max: '0e5' },
      ]);
      expect(rejected).toEqual([{
        rowNumber: 1, field: 'temp_max', value: '1e-400',
        reason: 'number out of range: nearer to 0 than 4.9e-324 (the smallest double), it would become 0',
      }]);
      expect(valid.map((row) => row.features.temp_max)).toEqual([-0, 5e-324, 0]);
    });

    it('rejects non-finite numbers given as numbers (a JSON 1e999 parses to Infinity), naming them', () => {
      const { rejected } = validateRows(regressor, [
        { date: '2012-01-01', temp_max: JSON.parse('1e999') as number },
        { date: '2012-01-02', temp_max: Number.NaN },
      ]);
      expect(rejected).toEqual([
        { rowNumber: 1, field: 'temp_max', reason: 'expected a finite number', value: 'Infinity' },
        { rowNumber: 2, field: 'temp_max', reason: 'expected a finite number', value: 'NaN' },
      ]);
    });

    it('keeps a long integer feature as its nearest double: rounding is not a lost value', () => {
      const { valid } = validateRows(regressor, [{ date: '2012-01-01', temp_max: '12345678901234567890123' }]);
      expect(valid[0]?.features.temp_max).toBe(1.2345678901234568e22);
    });

    it('rejects a regression label that training cannot compute with (float32: its square would overflow too), and keeps the bound', () => {
      const { valid, rejected } = validateRows(regressor, [
        { date: '2012-01-01', rain: '1e308' },
        { date: '2012-01-02', rain: -1e39 },
        { date: '2012-01-03', rain: String(MAX_ABS_REGRESSION_LABEL) },
        { date: '2012-01-04', rain: '-1e38' },
      ]);
      const reason = 'regression label out of range: models compute in float32, so |y| must be at most 1e+38';
      expect(rejected).toEqual([
        { rowNumber: 1, field: 'rain', reason, value: '1e308' },
        { rowNumber: 2, field: 'rain', reason, value: '-1e+39' },
      ]);
      expect(valid.map((row) => row.label)).toEqual([1e38, -1e38]);
    });

    it('rejects a class index at or above the class bound, and keeps the largest allowed', () => {
      const { valid, rejected } = validateRows(multiclass, [
        { date: '2012-01-01', rain: '999999' },
        { date: '2012-01-02', rain: MAX_CLASS_COUNT },
        { date: '2012-01-03', rain: String(MAX_CLASS_COUNT - 1) },
        { date: '2012-01-04', rain: '1e999' },
      ]);
      expect(rejected).toEqual([
        {
          rowNumber: 1, field: 'rain', value: '999999',
          reason: 'class index 999999 is beyond 999: a multiclass_classification model has at most 1000 classes (0..999)',
        },
        {
          rowNumber: 2, field: 'rain', value: '1000',
          reason: 'class index 1000 is beyond 999: a multiclass_classification model has at most 1000 classes (0..999)',
        },
        expect.objectContaining({ rowNumber: 4, field: 'rain', reason: expect.stringMatching(/^number out of range: beyond/) }),
      ]);
      expect(valid.map((row) => row.label)).toEqual([MAX_CLASS_COUNT - 1]);
    });
  });

  it('rejects categories PostgreSQL cannot store: a NUL character or an unpaired surrogate', () => {
    const { valid, rejected } = validateRows(classifier, [
      { date: '2012-01-01', weather: 'sun\u0000' },
      { date: '2012-01-02', weather: 'rain\ud800' },
      { date: '2012-01-03', weather: 'snow \ud83c\udf28' },
    ]);
    expect(rejected.map((r) => [r.rowNumber, r.field, r.reason])).toEqual([
      [1, 'weather', 'contains a NUL character or an unpaired UTF-16 surrogate, which PostgreSQL cannot store'],
      [2, 'weather', 'contains a NUL character or an unpaired UTF-16 surrogate, which PostgreSQL cannot store'],
    ]);
    expect(valid.map((row) => row.features.weather)).toEqual(['snow \ud83c\udf28']);
  });

  it('rejects year 0, which PostgreSQL does not have', () => {
    expect(validateRows(classifier, [{ date: '0000-01-01' }]).rejected).toEqual([
      { rowNumber: 1, field: 'date', reason: 'not a valid calendar date or time', value: '0000-01-01' },
    ]);
  });

  it("rejects 0001-01-01T00:00:00Z, other systems' placeholder for a missing time, in any zone, and keeps the millisecond after it", () => {
    const { valid, rejected } = validateRows(classifier, [
      { date: '0001-01-01' },
      { date: '0001-01-01T01:00:00+01:00' },
      { date: '0001-01-01T00:00:00.001Z' },
    ]);
    expect(rejected.map((r) => [r.rowNumber, r.reason])).toEqual([1, 2].map((row) => [row, expect.stringContaining("placeholder many systems write for a missing time (.NET's DateTime.MinValue)")]));
    expect(valid.map((row) => row.eventTime)).toEqual(['0001-01-01T00:00:00.001Z']);
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
    expect(() => parseCsv('a,b,a\n1,2,3\n')).toThrow("malformed CSV header: duplicate column 'a'");
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

async function collect(batches: AsyncIterable<SourceRow[]>): Promise<SourceRow[]> {
  const collected: SourceRow[] = [];
  for await (const batch of batches) collected.push(...batch);
  return collected;
}

/** A stream in small chunks, so records and lines cross chunk boundaries as they do in a real file. */
function streamOf(text: string, chunkSize = 7): Readable {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += chunkSize) chunks.push(bytes.subarray(start, start + chunkSize));
  return Readable.from(chunks);
}

describe('readCsvRows', () => {
  const columns = ['date', 'temp_max', 'rain'];

  it('streams the cells of the wanted columns by header name, numbering data rows from 1 and skipping empty lines', async () => {
    const rows = await collect(readCsvRows(streamOf('\ufeffrain, date ,extra,temp_max\n\n1,2012-01-01,x, 12.5\n0,2012-01-02,y,NA\n'), columns));
    expect(rows).toEqual([
      { rowNumber: 1, cells: ['2012-01-01', '12.5', '1'] },
      { rowNumber: 2, cells: ['2012-01-02', 'NA', '0'] },
    ]);
  });

  it('reads a column missing from the header as undefined', async () => {
    expect(await collect(readCsvRows(streamOf('date,rain\n2012-01-01,1\n'), columns))).toEqual([
      { rowNumber: 1, cells: ['2012-01-01', undefined, '1'] },
    ]);
  });

  it('rejects a short or long row alone, naming its row and the first missing field, and goes on', async () => {
    const rows = await collect(readCsvRows(streamOf('date,temp_max,rain\n2012-01-01,1,0\n2012-01-02\n2012-01-03,3,1,9\n2012-01-04,4,1\n'), columns));
    expect(rows).toEqual([
      { rowNumber: 1, cells: ['2012-01-01', '1', '0'] },
      { rowNumber: 2, unreadable: { rowNumber: 2, field: 'temp_max', reason: 'missing: the row has 1 field(s), the header 3' } },
      { rowNumber: 3, unreadable: { rowNumber: 3, field: '(row)', reason: 'too many fields: the row has 4 field(s), the header 3' } },
      { rowNumber: 4, cells: ['2012-01-04', '4', '1'] },
    ]);
  });

  it('keeps a stray quote inside an unquoted field as text, for validation to reject', async () => {
    const rows = await collect(readCsvRows(streamOf('date,temp_max,rain\n2012-01-01,1"2,0\n2012-01-02,"3,5",1\n'), columns));
    expect(rows).toEqual([
      { rowNumber: 1, cells: ['2012-01-01', '1"2', '0'] },
      { rowNumber: 2, cells: ['2012-01-02', '3,5', '1'] },
    ]);
  });

  it('stops with the line when the record boundaries are in doubt: a quote that never closes', async () => {
    const rows = collect(readCsvRows(streamOf('date,temp_max,rain\n2012-01-01,1,0\n2012-01-02,"2,1\n2012-01-03,3,1\n'), columns));
    await expect(rows).rejects.toThrow(CsvParseError);
    await expect(collect(readCsvRows(streamOf('date,temp_max,rain\n2012-01-01,"1" x,0\n'), columns)))
      .rejects.toThrow(/^malformed CSV at line 2: /);
  });

  it('refuses a header with a duplicate column', async () => {
    await expect(collect(readCsvRows(streamOf('date,rain,date\n1,2,3\n'), columns))).rejects.toThrow("malformed CSV header: duplicate column 'date'");
  });

  it('passes on an error of the input stream', async () => {
    const failing = new Readable({ read() { this.destroy(new Error('disk on fire')); } });
    await expect(collect(readCsvRows(failing, columns))).rejects.toThrow('disk on fire');
  });
});

describe('readJsonLines', () => {
  const columns = ['date', 'temp_max', 'rain'];

  it('streams objects as cells, skipping blank lines, with or without a final newline', async () => {
    const text = '\ufeff{"date":"2012-01-01","temp_max":1.5,"rain":1,"extra":true}\r\n\n  \n{"rain":0,"date":"2012-01-02"}';
    expect(await collect(readJsonLines(streamOf(text), columns))).toEqual([
      { rowNumber: 1, cells: ['2012-01-01', 1.5, 1] },
      { rowNumber: 2, cells: ['2012-01-02', undefined, 0] },
    ]);
  });

  it('reads a "__proto__" key as the column it names, and inherited names as missing', async () => {
    expect(await collect(readJsonLines(streamOf('{"__proto__":5,"date":"2012-01-01"}\n'), ['__proto__', 'constructor', 'date']))).toEqual([
      { rowNumber: 1, cells: [5, undefined, '2012-01-01'] },
    ]);
  });

  it('rejects a line that is not a JSON object as its row, and goes on', async () => {
    const rows = await collect(readJsonLines(streamOf('{"date":"2012-01-01"}\n{"date":\n[1,2]\n{"date":"2012-01-04"}\n'), columns));
    expect(rows).toEqual([
      { rowNumber: 1, cells: ['2012-01-01', undefined, undefined] },
      { rowNumber: 2, unreadable: { rowNumber: 2, field: '(row)', reason: expect.stringMatching(/^not valid JSON: /), value: '{"date":' } },
      { rowNumber: 3, unreadable: { rowNumber: 3, field: '(row)', reason: 'expected a JSON object with one key per column', value: '[1,2]' } },
      { rowNumber: 4, cells: ['2012-01-04', undefined, undefined] },
    ]);
  });

  it('rejects a line over the limit without holding it, and goes on', async () => {
    const long = `{"date":"${'x'.repeat(MAX_JSON_LINE_BYTES)}"}`;
    const rows = await collect(readJsonLines(streamOf(`${long}\n{"rain":1}\n${long}`, 65_536), columns));
    expect(rows).toEqual([
      { rowNumber: 1, unreadable: { rowNumber: 1, field: '(row)', reason: `line longer than ${MAX_JSON_LINE_BYTES} bytes` } },
      { rowNumber: 2, cells: [undefined, undefined, 1] },
      { rowNumber: 3, unreadable: { rowNumber: 3, field: '(row)', reason: `line longer than ${MAX_JSON_LINE_BYTES} bytes` } },
    ]);
  });
});
