import { CsvError, parse } from 'csv-parse/sync';

export class CsvParseError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`malformed CSV at line ${line}: ${reason}`);
    this.name = 'CsvParseError';
  }
}

/** Parses CSV text with a header row into one record per non-empty data line, values trimmed. */
export function parseCsv(text: string): Record<string, string>[] {
  try {
    return parse<Record<string, string>>(text, {
      columns: (header: string[]) => rejectDuplicateColumns(header, text),
      trim: true,
      skip_empty_lines: true,
      // Spreadsheet exports often start with a byte order mark, which would otherwise become part of the first column name.
      bom: true,
    });
  } catch (error) {
    if (error instanceof CsvError) throw new CsvParseError(Number(error.lines), error.message);
    throw error;
  }
}

/** csv-parse silently lets a later duplicate column overwrite an earlier one; that loses data, so refuse it. */
function rejectDuplicateColumns(header: string[], text: string): string[] {
  const duplicate = header.find((column, index) => header.indexOf(column) !== index);
  if (duplicate !== undefined) {
    const headerLine = text.split(/\r?\n/).findIndex((line) => line.trim() !== '') + 1;
    throw new CsvParseError(headerLine, `duplicate column '${duplicate}' in the header`);
  }
  return header;
}
