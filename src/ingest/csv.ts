/**
 * CSV with a header row, read by a hand-written tokenizer rather than csv-parse: turning the 1 M-row
 * ingest benchmark file (95 MB) into records took csv-parse 3.0 s and takes this one 0.5 s in the same
 * process, and ingest must keep up 200,000 rows/s on two cores. It keeps the behaviour csv-parse
 * had with the options driftwatch gave it (`trim`, `skip_empty_lines`, `bom`, `max_record_size`, and for
 * streams `relax_quotes`, `relax_column_count`); test/unit/csv-parser.test.ts holds it to csv-parse with
 * a property test.
 *
 * The rules, as csv-parse applied them: fields are separated by commas and trimmed of whitespace (what
 * String.prototype.trim removes) outside quotes. A quoted field may hold commas, line breaks and `""`
 * for a quote; only whitespace may follow its closing quote. The record delimiter is the first of
 * `\r\n`, `\n` or `\r` met outside quotes; any other line break is text. Lines of nothing but whitespace
 * are skipped. A byte order mark needs nothing of its own: U+FEFF is whitespace, trimmed off the first
 * field. Line numbers count every CR and LF, except that a CRLF record delimiter counts once.
 *
 * Where it differs, csv-parse was wrong: it refused a multi-byte whitespace character such as a
 * no-break space after a closing quote, and trimmed UTF-16 text byte by byte. A record over
 * MAX_CSV_RECORD_CHARS is measured in characters from its first to its delimiter, and reported at the
 * line it starts on, where an unclosed quote that swallowed the rest of the file would be.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { WHOLE_ROW, type RowRejection, type SourceRow } from './validate-rows';

export class CsvParseError extends Error {
  constructor(
    /** Undefined for a problem with the header. */
    readonly line: number | undefined,
    readonly reason: string,
  ) {
    super(`malformed CSV ${line === undefined ? 'header' : `at line ${line}`}: ${reason}`);
    this.name = 'CsvParseError';
  }
}

/** Rows handed on at a time: one await per row would cost about as much as parsing it. */
const ROWS_PER_BATCH = 1_000;
/** A record longer than this (an unclosed quote swallowing the rest of a file) stops the parse instead of filling memory. */
export const MAX_CSV_RECORD_CHARS = 1_000_000;

/** Parses CSV text with a header row into one record per non-empty data line, values trimmed; any malformed record throws. */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  let header: string[] | undefined;
  new CsvTokenizer({ keepStrayQuotes: false }).write(text, true, (fields, line) => {
    if (header === undefined) {
      header = checkedHeader(fields);
      return;
    }
    if (fields.length !== header.length) throw new CsvParseError(line, `the row has ${fields.length} field(s), the header ${header.length}`);
    const columns = header;
    rows.push(Object.fromEntries(fields.map((field, index) => [columns[index]!, field])));
  });
  return rows;
}

/**
 * Streams the data rows of a CSV file with a header row, in batches, as cells for `columns` (absent
 * columns read as undefined). A row with more or fewer fields than the header, or a stray quote inside
 * an unquoted field (kept as text, so the field fails validation), affects that row only. Only what
 * leaves the record boundaries in doubt stops the parse with a CsvParseError naming the line: a quote
 * that never closes, text after a closing quote, a record over MAX_CSV_RECORD_CHARS.
 */
export async function* readCsvRows(input: Readable, columns: readonly string[]): AsyncGenerator<SourceRow[]> {
  let header: string[] | undefined;
  let cellIndexes: number[] = [];
  // A file whose columns are the wanted ones in order hands its records on as they are: a million rows make a million fewer arrays.
  let recordsAreCells = false;
  let rowNumber = 0;
  let batch: SourceRow[] = [];
  for await (const records of readCsvRecords(input)) {
    for (const record of records) {
      if (header === undefined) {
        header = checkedHeader(record);
        const positions = new Map(header.map((column, index) => [column, index]));
        cellIndexes = columns.map((column) => positions.get(column) ?? -1);
        recordsAreCells = header.length === columns.length && cellIndexes.every((index, position) => index === position);
        continue;
      }
      rowNumber += 1;
      batch.push(record.length === header.length
        ? { rowNumber, cells: recordsAreCells ? record : cellIndexes.map((index) => (index < 0 ? undefined : record[index])) }
        : { rowNumber, unreadable: fieldCountRejection(rowNumber, record.length, header) });
      if (batch.length === ROWS_PER_BATCH) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/** The records of a CSV stream, header included, as many as each chunk read completes; a stray quote in an unquoted field is kept as text. */
export async function* readCsvRecords(input: Readable): AsyncGenerator<string[][]> {
  const tokenizer = new CsvTokenizer({ keepStrayQuotes: true });
  let records: string[][] = [];
  const collect = (fields: string[]) => {
    records.push(fields);
  };
  try {
    for await (const text of decodedText(input)) {
      tokenizer.write(text, false, collect);
      if (records.length > 0) {
        yield records;
        records = [];
      }
    }
    tokenizer.write('', true, collect);
    if (records.length > 0) yield records;
  } finally {
    input.destroy();
  }
}

/** The input as text: UTF-8, or UTF-16LE after that byte order mark (csv-parse's `bom` option read both). */
async function* decodedText(input: Readable): AsyncGenerator<string> {
  let decoder: StringDecoder | undefined;
  let head = Buffer.alloc(0);
  for await (const chunk of input as AsyncIterable<Buffer>) {
    if (decoder !== undefined) {
      yield decoder.write(chunk);
      continue;
    }
    head = Buffer.concat([head, chunk]);
    if (head.length < 2) continue;
    decoder = new StringDecoder(head[0] === 0xff && head[1] === 0xfe ? 'utf16le' : 'utf8');
    yield decoder.write(head);
  }
  yield decoder === undefined ? head.toString('utf8') : decoder.end();
}

function fieldCountRejection(rowNumber: number, fields: number, header: readonly string[]): RowRejection {
  const reason = `the row has ${fields} field(s), the header ${header.length}`;
  return fields < header.length
    ? { rowNumber, field: header[fields]!, reason: `missing: ${reason}` }
    : { rowNumber, field: WHOLE_ROW, reason: `too many fields: ${reason}` };
}

/** A later duplicate column would overwrite an earlier one (as csv-parse silently let it); that loses data, so refuse it. */
function checkedHeader(header: string[]): string[] {
  const duplicate = header.find((column, index) => header.indexOf(column) !== index);
  if (duplicate !== undefined) throw new CsvParseError(undefined, `duplicate column '${duplicate}'`);
  return header;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

type RecordDelimiter = '\n' | '\r\n' | '\r';

/** Where a field of a record read character by character stands. */
type FieldState = 'leading' | 'plain' | 'quoted' | 'closed' | 'requoted';

/** A record read character by character; `fields` undefined for a line of nothing but whitespace, which is skipped. */
interface RecordRead {
  fields: string[] | undefined;
  /** The line the record ends on. */
  line: number;
  /** Where the next record starts. */
  next: number;
}

/** Whether String.prototype.trim removes the character, as csv-parse's `trim` did. */
function isWhitespace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code >= 0xa0 && /\s/.test(String.fromCharCode(code)));
}

function trimmedSlice(text: string, start: number, end: number): string {
  if (start === end) return '';
  const value = text.slice(start, end);
  return isWhitespace(text.charCodeAt(start)) || isWhitespace(text.charCodeAt(end - 1)) ? value.trim() : value;
}

function indexOrEnd(text: string, search: string, from: number): number {
  const index = text.indexOf(search, from);
  return index === -1 ? text.length : index;
}

/**
 * Cuts text given in chunks into records. A record is handed on once its delimiter, or the end of the
 * input, has been read; an unfinished one waits, as text, for the next chunk.
 */
class CsvTokenizer {
  private readonly keepStrayQuotes: boolean;
  /** The text of the record the last chunk ended inside. */
  private pending = '';
  /** The line `pending` starts on. */
  private line = 1;
  private recordDelimiter: RecordDelimiter | undefined;

  constructor(options: { keepStrayQuotes: boolean }) {
    this.keepStrayQuotes = options.keepStrayQuotes;
  }

  /** Hands each record the chunk completes to `onRecord`, with the line it ends on; `final` says the input ends with this chunk. */
  write(chunk: string, final: boolean, onRecord: (fields: string[], line: number) => void): void {
    const text = this.pending + chunk;
    const end = text.length;
    // The next quote, comma, CR and LF at or after `start` (`end` when there is none). Each is searched
    // for again only once passed, so a chunk is scanned once for each.
    let nextQuote = -1;
    let nextComma = -1;
    let nextCr = -1;
    let nextLf = -1;
    let start = 0;
    while (start < end) {
      const delimiter = this.recordDelimiter;
      if (delimiter !== undefined) {
        if (nextQuote < start) nextQuote = indexOrEnd(text, '"', start);
        if (nextCr < start) nextCr = indexOrEnd(text, '\r', start);
        if (nextLf < start) nextLf = indexOrEnd(text, '\n', start);
        const recordEnd = Math.min(nextCr, nextLf);
        // The fast path, for a record with no quote and no line break but its delimiter: fields are the text between commas.
        if (recordEnd < end && nextQuote > recordEnd && text.startsWith(delimiter, recordEnd)) {
          if (recordEnd - start > MAX_CSV_RECORD_CHARS) throw this.tooLong();
          const fields: string[] = [];
          for (let fieldStart = start; ;) {
            if (nextComma < fieldStart) nextComma = indexOrEnd(text, ',', fieldStart);
            const fieldEnd = Math.min(nextComma, recordEnd);
            fields.push(trimmedSlice(text, fieldStart, fieldEnd));
            if (fieldEnd === recordEnd) break;
            fieldStart = fieldEnd + 1;
          }
          if (fields.length > 1 || fields[0] !== '') onRecord(fields, this.line);
          this.line += 1;
          start = recordEnd + delimiter.length;
          continue;
        }
      }
      const record = this.readRecord(text, start, final);
      if (record === undefined) break;
      if (record.fields !== undefined) onRecord(record.fields, record.line);
      this.line = record.line + 1;
      start = record.next;
    }
    this.pending = text.slice(start);
    if (this.pending.length > MAX_CSV_RECORD_CHARS) throw this.tooLong();
  }

  /**
   * Reads the record at `start` character by character: one with quotes or a stray line break, or the
   * first, whose line break sets the record delimiter. Undefined when the text ends before the record.
   */
  private readRecord(text: string, start: number, final: boolean): RecordRead | undefined {
    const end = text.length;
    const fields: string[] = [];
    let state: FieldState = 'leading';
    /** Plain: the first character of the value. Quoted: the first not yet in `quotedValue`. */
    let valueStart = start;
    let quotedValue = '';
    let quoteOpenedAt = start;
    for (let at = start; ; at++) {
      if (at === end) {
        if (!final) return undefined;
        if (state === 'quoted' || state === 'requoted') {
          throw this.failure(text, start, end - 1, `the input ends inside the quoted field opened at line ${this.lineAt(text, start, quoteOpenedAt)}`);
        }
        fields.push(this.fieldValue(state, text, valueStart, end, quotedValue));
        return this.recordRead(text, start, end, end, state === 'leading' && fields.length === 1 ? undefined : fields);
      }
      const code = text.charCodeAt(at);
      if (state === 'quoted' || state === 'requoted') {
        if (code !== QUOTE) {
          if (state === 'requoted' && !isWhitespace(code)) throw this.afterClosingQuote(text, start, at);
          if (state === 'quoted') at = indexOrEnd(text, '"', at) - 1;
          continue;
        }
        const next = text.charCodeAt(at + 1);
        if (next === QUOTE && state === 'quoted') {
          quotedValue += text.slice(valueStart, at + 1);
          at += 1;
          valueStart = at + 1;
          continue;
        }
        if (at + 1 < end && next !== COMMA && !isWhitespace(next)) throw this.afterClosingQuote(text, start, at);
        if (state === 'quoted') quotedValue += text.slice(valueStart, at);
        state = 'closed';
        continue;
      }
      const delimiterLength = this.delimiterLengthAt(text, at, final);
      if (delimiterLength === undefined) return undefined;
      if (delimiterLength > 0 || code === COMMA) {
        fields.push(this.fieldValue(state, text, valueStart, at, quotedValue));
        if (delimiterLength > 0) return this.recordRead(text, start, at, at + delimiterLength, state === 'leading' && fields.length === 1 ? undefined : fields);
        state = 'leading';
        quotedValue = '';
        continue;
      }
      if (state === 'leading') {
        if (code === QUOTE) {
          state = 'quoted';
          quoteOpenedAt = at;
          valueStart = at + 1;
        } else if (!isWhitespace(code)) {
          state = 'plain';
          valueStart = at;
        }
      } else if (state === 'plain') {
        if (code === QUOTE && !this.keepStrayQuotes) {
          throw this.failure(text, start, at, 'a quote inside an unquoted field (quote the whole field, and double the quotes in it)');
        }
      } else if (code === QUOTE && quotedValue === '') {
        // csv-parse read `"" " "` as one empty field: after an empty quoted value, more quotes may follow, with only whitespace between them.
        state = 'requoted';
        quoteOpenedAt = at;
      } else if (!isWhitespace(code)) {
        throw this.afterClosingQuote(text, start, at);
      }
    }
  }

  /** The value of the field that ends at `end`; one still `leading` held nothing but whitespace. */
  private fieldValue(state: FieldState, text: string, valueStart: number, end: number, quotedValue: string): string {
    return state === 'plain' ? text.slice(valueStart, end).trimEnd() : state === 'closed' ? quotedValue : '';
  }

  /** `end` is where the record's text ends: its delimiter, or the end of the input. */
  private recordRead(text: string, start: number, end: number, next: number, fields: string[] | undefined): RecordRead {
    if (end - start > MAX_CSV_RECORD_CHARS) throw this.tooLong();
    // csv-parse counts a line break once past it, so a record that ends the input ends on the line of its last character.
    return { fields, line: this.lineAt(text, start, Math.min(end, text.length - 1)), next };
  }

  /**
   * The length of the record delimiter at `at`, 0 where there is none. The first line break sets the
   * delimiter; undefined where that is a CR ending the text, whose LF may come in the next chunk.
   */
  private delimiterLengthAt(text: string, at: number, final: boolean): number | undefined {
    const code = text.charCodeAt(at);
    if (code !== CR && code !== LF) return 0;
    if (code === CR && this.recordDelimiter === undefined && at + 1 === text.length && !final) return undefined;
    this.recordDelimiter ??= code === LF ? '\n' : text.charCodeAt(at + 1) === LF ? '\r\n' : '\r';
    return text.startsWith(this.recordDelimiter, at) ? this.recordDelimiter.length : 0;
  }

  /** The line of `at`, in a record that starts at `start`. */
  private lineAt(text: string, start: number, at: number): number {
    let line = this.line;
    for (let index = start; index < at; index++) {
      const code = text.charCodeAt(index);
      if (code === CR || code === LF) line += 1;
    }
    return line;
  }

  private afterClosingQuote(text: string, start: number, at: number): CsvParseError {
    return this.failure(text, start, at, 'text after the closing quote of a field (a quote inside a quoted field must be doubled)');
  }

  /** A record already over the limit where the problem is reports its length instead, as csv-parse, which checks the length first, did. */
  private failure(text: string, start: number, at: number, reason: string): CsvParseError {
    return at - start > MAX_CSV_RECORD_CHARS ? this.tooLong() : new CsvParseError(this.lineAt(text, start, at), reason);
  }

  private tooLong(): CsvParseError {
    return new CsvParseError(this.line, `the record starting on this line is longer than ${MAX_CSV_RECORD_CHARS} characters (a quote that never closes?)`);
  }
}
