import type { Readable } from 'node:stream';
import { CsvError, parse as parseCsvStream, type Options } from 'csv-parse';
import { parse as parseCsvText } from 'csv-parse/sync';
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

const CSV_OPTIONS = {
  trim: true,
  skip_empty_lines: true,
  // Spreadsheet exports often start with a byte order mark, which would otherwise become part of the first column name.
  bom: true,
  max_record_size: MAX_CSV_RECORD_CHARS,
} satisfies Options;

/** Parses CSV text with a header row into one record per non-empty data line, values trimmed; any malformed record throws. */
export function parseCsv(text: string): Record<string, string>[] {
  try {
    return parseCsvText<Record<string, string>>(text, { ...CSV_OPTIONS, columns: checkedHeader });
  } catch (error) {
    throw asCsvParseError(error);
  }
}

/**
 * Streams the data rows of a CSV file with a header row, in batches, as cells for `columns` (absent
 * columns read as undefined). A row with more or fewer fields than the header, or a stray quote inside
 * an unquoted field (kept as text, so the field fails validation), affects that row only. Only what
 * leaves the record boundaries in doubt stops the parse with a CsvParseError naming the line: a quote
 * that never closes, text after a closing quote, a record over MAX_CSV_RECORD_CHARS.
 */
export async function* readCsvRows(input: Readable, columns: readonly string[]): AsyncGenerator<SourceRow[]> {
  // Arrays rather than csv-parse's column objects: building an object per record costs about a third of the parse.
  const parser = input.pipe(parseCsvStream({ ...CSV_OPTIONS, relax_column_count: true, relax_quotes: true }));
  input.once('error', (error) => parser.destroy(error));
  let header: string[] | undefined;
  let cellIndexes: number[] = [];
  let rowNumber = 0;
  let batch: SourceRow[] = [];
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (header === undefined) {
        header = checkedHeader(record);
        const positions = new Map(header.map((column, index) => [column, index]));
        cellIndexes = columns.map((column) => positions.get(column) ?? -1);
        continue;
      }
      rowNumber += 1;
      batch.push(record.length === header.length
        ? { rowNumber, cells: cellIndexes.map((index) => (index < 0 ? undefined : record[index])) }
        : { rowNumber, unreadable: fieldCountRejection(rowNumber, record.length, header) });
      if (batch.length === ROWS_PER_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  } catch (error) {
    throw asCsvParseError(error);
  } finally {
    parser.destroy();
    input.destroy();
  }
}

function fieldCountRejection(rowNumber: number, fields: number, header: readonly string[]): RowRejection {
  const reason = `the row has ${fields} field(s), the header ${header.length}`;
  return fields < header.length
    ? { rowNumber, field: header[fields]!, reason: `missing: ${reason}` }
    : { rowNumber, field: WHOLE_ROW, reason: `too many fields: ${reason}` };
}

/** csv-parse silently lets a later duplicate column overwrite an earlier one; that loses data, so refuse it. */
function checkedHeader(header: string[]): string[] {
  const duplicate = header.find((column, index) => header.indexOf(column) !== index);
  if (duplicate !== undefined) throw new CsvParseError(undefined, `duplicate column '${duplicate}'`);
  return header;
}

function asCsvParseError(error: unknown): unknown {
  return error instanceof CsvError ? new CsvParseError(Number(error.lines), error.message) : error;
}
