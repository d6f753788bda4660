import type { Readable } from 'node:stream';
import { objectCells, quotedValue, WHOLE_ROW, type SourceRow } from './validate-rows';

/** A longer line is rejected as a row, and skipped without being held whole in memory. */
export const MAX_JSON_LINE_BYTES = 1_000_000;
const NEWLINE = 0x0a;

/**
 * Streams JSON lines (one object per line, keys are columns) as cells for `columns`, one batch per chunk
 * read. Blank lines are skipped and not numbered, as in CSV; a line that is not a JSON object is
 * rejected as its row.
 */
export async function* readJsonLines(input: Readable, columns: readonly string[]): AsyncGenerator<SourceRow[]> {
  let rowNumber = 0;
  let partial: Buffer[] = [];
  let partialBytes = 0;
  let oversized = false;
  const completeLine = (tail: Buffer): SourceRow | undefined => {
    const bytes = partial.length === 0 ? tail : Buffer.concat([...partial, tail]);
    const tooLong = oversized || bytes.length > MAX_JSON_LINE_BYTES;
    partial = [];
    partialBytes = 0;
    oversized = false;
    if (tooLong) return unreadable((rowNumber += 1), `line longer than ${MAX_JSON_LINE_BYTES} bytes`);
    const line = bytes.toString('utf8');
    if (line.trim() === '') return undefined;
    return jsonLineRow((rowNumber += 1), line, columns);
  };

  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      const batch: SourceRow[] = [];
      let start = 0;
      for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
        const row = completeLine(chunk.subarray(start, end));
        start = end + 1;
        if (row) batch.push(row);
      }
      if (batch.length > 0) yield batch;
      const rest = chunk.subarray(start);
      partialBytes += rest.length;
      if (partialBytes > MAX_JSON_LINE_BYTES) {
        oversized = true;
        partial = [];
      } else if (rest.length > 0) {
        partial.push(rest);
      }
    }
    if (partialBytes > 0 || oversized) {
      const row = completeLine(Buffer.alloc(0));
      if (row) yield [row];
    }
  } finally {
    input.destroy();
  }
}

function jsonLineRow(rowNumber: number, line: string, columns: readonly string[]): SourceRow {
  let value: unknown;
  try {
    // A byte order mark is not JSON, but editors put one before the first line.
    value = JSON.parse(rowNumber === 1 ? line.replace(/^\ufeff/, '') : line);
  } catch (error) {
    return unreadable(rowNumber, `not valid JSON: ${(error as Error).message}`, line);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return unreadable(rowNumber, 'expected a JSON object with one key per column', line);
  }
  return { rowNumber, cells: objectCells(value as Record<string, unknown>, columns) };
}

function unreadable(rowNumber: number, reason: string, line?: string): SourceRow {
  const value = line === undefined ? {} : { value: quotedValue(line) };
  return { rowNumber, unreadable: { rowNumber, field: WHOLE_ROW, reason, ...value } };
}
