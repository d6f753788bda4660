/**
 * src/ingest/csv.ts replaced csv-parse with a faster tokenizer of its own. These tests hold it to what
 * csv-parse did with the options driftwatch gave it, on random text made of the characters CSV parsing
 * turns on, streamed in random chunks (cut inside multi-byte characters and CRLFs too), and pin the
 * tricky cases and the places where it deliberately differs.
 */
import { Readable } from 'node:stream';
import { CsvError, parse as csvParse, type Options } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParseError, MAX_CSV_RECORD_CHARS, parseCsv, readCsvRecords } from '../../src/ingest/csv';

const CSV_PARSE_OPTIONS = { trim: true, skip_empty_lines: true, bom: true, max_record_size: MAX_CSV_RECORD_CHARS } satisfies Options;
/** What readCsvRows gave csv-parse. */
const STREAM_OPTIONS = { ...CSV_PARSE_OPTIONS, relax_column_count: true, relax_quotes: true } satisfies Options;
/** What parseCsv gave csv-parse. */
const TEXT_OPTIONS = {
  ...CSV_PARSE_OPTIONS,
  columns: (header: string[]) => {
    if (new Set(header).size !== header.length) throw new CsvParseError(undefined, 'duplicate column');
    return header;
  },
} satisfies Options;

const BOM = '\ufeff';
const NO_BREAK_SPACE = '\u00a0';

/** Records, or the line of the error (undefined for one in the header). */
type Outcome = { records: unknown[] } | { errorLine: number | undefined };

function csvParseOutcome(text: string, options: Options): Outcome & { code?: string } {
  try {
    return { records: csvParse(text, options) };
  } catch (error) {
    if (error instanceof CsvError) return { errorLine: Number(error.lines), code: error.code };
    if (error instanceof CsvParseError) return { errorLine: error.line };
    throw error;
  }
}

async function outcomeOf(parse: () => unknown[] | Promise<unknown[]>): Promise<Outcome> {
  try {
    return { records: await parse() };
  } catch (error) {
    if (error instanceof CsvParseError) return { errorLine: error.line };
    throw error;
  }
}

/** Single-byte whitespace that the generated text never holds, to stand in for a no-break space one for one. */
const FORM_FEED = '\f';

/**
 * csv-parse's outcome, except where it is wrong. After a closing quote it reads whitespace byte by byte,
 * so a no-break space there (two bytes in UTF-8) failed as a non-trimable byte. Where that error shows,
 * the expectation is csv-parse's outcome for the text with form feeds for no-break spaces, and `mapped`
 * says to compare the tokenizer's records with the same replacement.
 */
function expectedOutcome(text: string, options: Options): { outcome: Outcome; mapped: boolean } {
  const { code, ...outcome } = csvParseOutcome(text, options);
  if (code !== 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE' || !text.includes(NO_BREAK_SPACE)) return { outcome, mapped: false };
  const { code: _, ...standInOutcome } = csvParseOutcome(text.replaceAll(NO_BREAK_SPACE, FORM_FEED), options);
  return { outcome: standInOutcome, mapped: true };
}

/** An outcome with form feeds for the no-break spaces in its records (arrays of fields, or rows by column). */
function withFormFeeds(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll(NO_BREAK_SPACE, FORM_FEED);
  if (Array.isArray(value)) return value.map(withFormFeeds);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value as object).map(([key, field]) => [withFormFeeds(key), withFormFeeds(field)]));
}

async function streamedRecords(chunks: readonly Buffer[]): Promise<string[][]> {
  const records: string[][] = [];
  for await (const batch of readCsvRecords(Readable.from(chunks))) records.push(...batch);
  return records;
}

/** The text's UTF-8 bytes cut at `cuts` (taken modulo its length), or one byte a chunk. */
function chunksOf(text: string, cuts: number[] | 'every byte'): Buffer[] {
  const bytes = Buffer.from(text);
  const positions = cuts === 'every byte'
    ? Array.from({ length: bytes.length }, (_, index) => index)
    : [0, ...cuts.map((cut) => cut % (bytes.length + 1)).sort((a, b) => a - b)];
  return positions.map((position, index) => bytes.subarray(position, positions[index + 1] ?? bytes.length));
}

// Characters CSV parsing turns on, and multi-byte ones (2 and 4 bytes in UTF-8, whitespace or not) for chunks to cut inside.
const symbol = fc.constantFrom('a', '1', ',', ',', '"', '"', '\n', '\r\n', '\r', ' ', '\t', 'é', '😀', NO_BREAK_SPACE);
const looseText = fc.array(symbol, { maxLength: 40 }).map((symbols) => symbols.join(''));
/** One of `common`, and now and then (one time in `rarity`) one of `rare`. */
const mostly = (common: string[], rare: string[], rarity: number) =>
  fc.oneof({ weight: rarity - 1, arbitrary: fc.constantFrom(...common) }, { weight: 1, arbitrary: fc.constantFrom(...rare) });
// Well-formed records reach further than loose text, which mostly fails at its first stray closing quote.
const padding = mostly(['', ' ', '\t', ' \t '], [NO_BREAK_SPACE], 30);
const plainValue = fc.array(mostly(['a', '1', 'é', '😀', ' '], ['"'], 20), { maxLength: 4 }).map((symbols) => symbols.join(''));
const quotedValue = fc.array(fc.constantFrom('a', ',', '""', '\n', '\r\n', '\r', ' ', 'é', '😀'), { maxLength: 4 }).map((symbols) => `"${symbols.join('')}"`);
const field = fc.tuple(padding, fc.oneof(plainValue, quotedValue), padding).map((parts) => parts.join(''));
const recordOf = (fieldCount: { minLength: number; maxLength: number }) => fc.array(field, fieldCount).map((fields) => fields.join(','));
const lineBreak = fc.constantFrom('\n', '\r\n', '\r');
const recordsText = fc.oneof(
  // As many fields in every record, as parseCsv wants.
  fc.tuple(fc.integer({ min: 1, max: 4 }), lineBreak).chain(([fieldCount, delimiter]) =>
    fc.array(recordOf({ minLength: fieldCount, maxLength: fieldCount }), { maxLength: 8 }).map((records) => records.join(delimiter))),
  fc.array(fc.tuple(recordOf({ minLength: 1, maxLength: 4 }), lineBreak), { maxLength: 8 }).map((lines) => lines.map(([text, delimiter]) => text + delimiter).join('')),
);
const csvText = fc.tuple(fc.boolean(), fc.oneof(looseText, recordsText)).map(([bom, body]) => (bom ? BOM : '') + body);
const cuts = fc.oneof(fc.constant('every byte' as const), fc.array(fc.nat({ max: 400 }), { maxLength: 8 }));

describe('the CSV tokenizer does what csv-parse did', () => {
  it('streamed in random chunks: the same records, or an error at the same line (fast-check)', async () => {
    await fc.assert(fc.asyncProperty(csvText, cuts, async (text, cutAt) => {
      const { outcome, mapped } = expectedOutcome(text, STREAM_OPTIONS);
      const actual = await outcomeOf(() => streamedRecords(chunksOf(text, cutAt)));
      expect(mapped ? withFormFeeds(actual) : actual).toEqual(outcome);
    }), { numRuns: 5_000 });
  });

  it('parseCsv: the same rows by column, or an error at the same line (fast-check)', async () => {
    await fc.assert(fc.asyncProperty(csvText, async (text) => {
      const { outcome, mapped } = expectedOutcome(text, TEXT_OPTIONS);
      const actual = await outcomeOf(() => parseCsv(text));
      expect(mapped ? withFormFeeds(actual) : actual).toEqual(outcome);
    }), { numRuns: 5_000 });
  });
});

describe('the CSV tokenizer, case by case', () => {
  const recordsOf = (text: string, chunkBytes = 3) => {
    const bytes = Buffer.from(text);
    return streamedRecords(Array.from({ length: Math.ceil(bytes.length / chunkBytes) }, (_, index) => bytes.subarray(index * chunkBytes, (index + 1) * chunkBytes)));
  };

  it('trims whitespace around quotes but keeps it inside them', async () => {
    expect(await recordsOf('  "a " ,\t b c\u3000,""\n')).toEqual([['a ', 'b c', '']]);
  });

  it('reads commas, line breaks and doubled quotes inside quotes', async () => {
    expect(await recordsOf('"a,b","c\r\nd","say ""hi""",""""\n')).toEqual([['a,b', 'c\r\nd', 'say "hi"', '"']]);
  });

  it('takes the first line break outside quotes as the record delimiter, and any other as text', async () => {
    expect(await recordsOf('a,b\rc,d\ne\r')).toEqual([['a', 'b'], ['c', 'd\ne']]);
    expect(await recordsOf('"x\ny"\r\nb\nc\r\nd')).toEqual([['x\ny'], ['b\nc'], ['d']]);
    expect(await recordsOf('a\nb\r\nc')).toEqual([['a'], ['b'], ['c']]);
  });

  it('skips lines of nothing but whitespace, and keeps a line with an empty quoted field or a comma', async () => {
    expect(await recordsOf('a\n\n \t\u00a0\n""\n,\nb')).toEqual([['a'], [''], ['', ''], ['b']]);
  });

  it('decodes characters cut between chunks, and drops a byte order mark cut between them', async () => {
    expect(await recordsOf(`${BOM}é,😀\r\n"😀\r\n",é`, 1)).toEqual([['é', '😀'], ['😀\r\n', 'é']]);
  });

  it('keeps a stray quote in an unquoted field when streaming; parseCsv refuses it, naming the line', async () => {
    expect(await recordsOf('a,b\n1"2,3\n')).toEqual([['a', 'b'], ['1"2', '3']]);
    expect(() => parseCsv('a,b\n1"2,3\n')).toThrow(/^malformed CSV at line 2: a quote inside an unquoted field/);
  });

  it('refuses text after a closing quote, counting lines as csv-parse did: a CRLF inside quotes is two', async () => {
    await expect(recordsOf('a\r\n"1" x\r\n')).rejects.toThrow(/^malformed CSV at line 2: text after the closing quote/);
    await expect(recordsOf('a\r\n"x\r\ny"z\r\n')).rejects.toThrow(/^malformed CSV at line 4: /);
    expect(csvParseOutcome('a\r\n"x\r\ny"z\r\n', STREAM_OPTIONS)).toMatchObject({ errorLine: 4 });
  });

  it('reports a quote that never closes at the last line, as csv-parse did, and names the line it opened on', async () => {
    await expect(recordsOf('date\n1\n"2\n3\n4')).rejects.toThrow('malformed CSV at line 5: the input ends inside the quoted field opened at line 3');
    expect(() => parseCsv('date\n1\n"2\n3\n4\n')).toThrow(/^malformed CSV at line 5: /);
  });

  it('refuses a record over MAX_CSV_RECORD_CHARS at the line it starts on, without holding more of it', async () => {
    const fits = 'x'.repeat(MAX_CSV_RECORD_CHARS);
    expect(await recordsOf(`a\n${fits}\n`, 65_536)).toEqual([['a'], [fits]]);
    const message = `malformed CSV at line 2: the record starting on this line is longer than ${MAX_CSV_RECORD_CHARS} characters (a quote that never closes?)`;
    await expect(recordsOf(`a\n${fits}x\nb\n`, 65_536)).rejects.toThrow(message);
    const unclosed = `a\n"${'x\n'.repeat(MAX_CSV_RECORD_CHARS)}`;
    await expect(recordsOf(unclosed, 65_536)).rejects.toThrow(message);
    expect(() => parseCsv(unclosed)).toThrow(message);
  });

  it('reads UTF-16LE after its byte order mark, as csv-parse did, and trims it by character, which csv-parse did not', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('"date", x\r\n"2012-01-01", 1.5 \r\n', 'utf16le')]);
    const expected = [['date', 'x'], ['2012-01-01', '1.5']];
    expect(await streamedRecords([utf16])).toEqual(expected);
    expect(await streamedRecords(Array.from(utf16, (byte) => Buffer.from([byte])))).toEqual(expected);
    expect(csvParse(utf16, STREAM_OPTIONS)).not.toEqual(expected);
  });

  it('accepts any whitespace after a closing quote, where csv-parse refused a multi-byte one', async () => {
    expect(await recordsOf('"a"\u00a0,"b"\u3000\n')).toEqual([['a', 'b']]);
    expect(() => csvParse('"a"\u00a0,"b"\u3000\n', STREAM_OPTIONS)).toThrow(/non trimable byte after quote/);
  });

  it('reads an empty quoted value followed by quoted whitespace as empty, as csv-parse did', async () => {
    expect(await recordsOf('"" " \n" ,a\n')).toEqual([['', 'a']]);
    await expect(recordsOf('"" "b",a\n')).rejects.toThrow(/^malformed CSV at line 1: text after the closing quote/);
  });
});
