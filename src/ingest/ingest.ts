/**
 * The ingestion API: validate rows against the model's stored config as they stream in, and store the
 * valid ones and the rejections (row number, field, reason) in one transaction.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ModelConfig } from '../config';
import { monitoringWindowWarnings } from '../monitoring/window-warnings';
import { driftwatchMetrics } from '../observability/metrics';
import type { Db } from '../store/db';
import type { FeatureLayout } from '../store/feature-rows-copy';
import { writeIngestBatch, type IngestSummary } from '../store/feature-store';
import { loadStoredConfig } from '../store/models';
import { readCsvRows } from './csv';
import { readJsonLines } from './json-lines';
import { createRowValidator, objectCells, type RowOutcome, type RowRejection, type RowValidator, type SourceRow } from './validate-rows';

/** Rejections a result lists; the rest are only in ingest_rejections, so a bad 10 M-row file cannot fill memory. */
export const MAX_REJECTIONS_LISTED = 1_000;
/**
 * Below V8's large-object size (128 KiB), so a chunk's text dies young with the rows sliced from it. With
 * 1 MiB chunks each one's text went to the large-object space, freed only by full collections: peak RSS
 * 275 MB and 4.8 s on the 1 M-row bench file, against 135 MB and 3.4 s with 64 KiB.
 */
const READ_CHUNK_BYTES = 1 << 16;

export interface IngestResult extends IngestSummary {
  /** The first MAX_REJECTIONS_LISTED problems, in row order. */
  rejections: RowRejection[];
  /** Problems in all: a rejected row has one per bad field. */
  problems: number;
  /** Problems with the model's settings that these rows reveal, e.g. a monitoring window that cannot hold minRows at the data's cadence. */
  warnings: string[];
}

/** Reported after each batch of rows read (a thousand CSV rows, or a read chunk of JSON lines): callers throttle. */
export interface IngestProgress {
  rowsRead: number;
  rejected: number;
  /** For a file: bytes read so far, and its size. */
  bytesRead?: number;
  totalBytes?: number;
}

export type FileFormat = 'csv' | 'jsonl';

export async function ingestRows(
  db: Db,
  modelName: string,
  rows: ReadonlyArray<Record<string, unknown>>,
  options: { source?: string; firstRowNumber?: number } = {},
): Promise<IngestResult> {
  const config = await loadStoredConfig(db, modelName);
  const validator = createRowValidator(config);
  const firstRowNumber = options.firstRowNumber ?? 1;
  const sourceRows = rows.map((row, index): SourceRow => ({ rowNumber: firstRowNumber + index, cells: objectCells(row, validator.columns) }));
  return ingestSourceRows(db, config, validator, [sourceRows], { source: options.source ?? 'api' });
}

/** CSV with a header row, or JSON lines (`.jsonl`, `.ndjson`, or `format`), read as a stream. */
export async function ingestFile(
  db: Db,
  modelName: string,
  file: string,
  options: { format?: FileFormat; onProgress?: (progress: IngestProgress) => void } = {},
): Promise<IngestResult> {
  const config = await loadStoredConfig(db, modelName);
  const validator = createRowValidator(config);
  // Before the transaction starts, so a wrong path fails at once.
  const totalBytes = (await stat(file)).size;
  const input = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  const rows = readRows(input, options.format ?? fileFormat(file), validator);
  const { onProgress } = options;
  try {
    return await ingestSourceRows(db, config, validator, rows, {
      source: file,
      ...(onProgress ? { onProgress: (progress: IngestProgress) => onProgress({ ...progress, bytesRead: input.bytesRead, totalBytes }) } : {}),
    });
  } finally {
    input.destroy();
  }
}

/** CSV with a header row, or JSON lines, from a stream (an HTTP request body): the same validation and storage as a file. */
export async function ingestStream(
  db: Db,
  modelName: string,
  input: Readable,
  options: { format: FileFormat; source: string },
): Promise<IngestResult> {
  const config = await loadStoredConfig(db, modelName);
  const validator = createRowValidator(config);
  return ingestSourceRows(db, config, validator, readRows(input, options.format, validator), { source: options.source });
}

function readRows(input: Readable, format: FileFormat, validator: RowValidator): AsyncGenerator<SourceRow[]> {
  return format === 'jsonl' ? readJsonLines(input, validator.columns) : readCsvRows(input, validator.columns);
}

/** The layout the batch's rows are stored in: the config's features by kind, in the config's order. */
function featureLayout(config: ModelConfig): FeatureLayout {
  const namesOf = (kind: 'numeric' | 'categorical') => config.features.filter((feature) => feature.kind === kind).map((feature) => feature.name);
  return { numeric: namesOf('numeric'), categorical: namesOf('categorical') };
}

export function fileFormat(file: string): FileFormat {
  return ['.jsonl', '.ndjson'].includes(path.extname(file).toLowerCase()) ? 'jsonl' : 'csv';
}

async function ingestSourceRows(
  db: Db,
  config: ModelConfig,
  validator: RowValidator,
  batches: Iterable<readonly SourceRow[]> | AsyncIterable<readonly SourceRow[]>,
  options: { source: string; onProgress?: (progress: IngestProgress) => void },
): Promise<IngestResult> {
  const rejections: RowRejection[] = [];
  let problems = 0;
  let rowsRead = 0;
  let rejected = 0;

  async function* outcomes(): AsyncGenerator<RowOutcome[]> {
    for await (const batch of batches) {
      const validated = batch.map((sourceRow): RowOutcome => ('cells' in sourceRow
        ? validator.validate(sourceRow.cells, sourceRow.rowNumber)
        : { rejections: [sourceRow.unreadable] }));
      for (const outcome of validated) {
        if ('row' in outcome) continue;
        rejected += 1;
        problems += outcome.rejections.length;
        rejections.push(...outcome.rejections.slice(0, Math.max(0, MAX_REJECTIONS_LISTED - rejections.length)));
      }
      rowsRead += batch.length;
      options.onProgress?.({ rowsRead, rejected });
      yield validated;
    }
  }

  const summary = await writeIngestBatch(db, config.model, featureLayout(config), options.source, outcomes());
  driftwatchMetrics.rowsIngested(config.model, summary);
  return { ...summary, rejections, problems, warnings: await monitoringWindowWarnings(db, config) };
}
