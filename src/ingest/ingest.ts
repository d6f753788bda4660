/**
 * The programmatic ingestion API: validate rows against the model's stored config, store the valid
 * ones and the rejections (row number, field, reason) in one transaction.
 */
import { readFile } from 'node:fs/promises';
import { monitoringWindowWarnings } from '../monitoring/window-warnings';
import type { Db } from '../store/db';
import { insertIngestBatch, type IngestSummary } from '../store/feature-store';
import { loadStoredConfig } from '../store/models';
import { parseCsv } from './csv';
import { validateRows, type RowRejection } from './validate-rows';

export interface IngestResult extends IngestSummary {
  rejections: RowRejection[];
  /** Problems with the model's settings that these rows reveal, e.g. a monitoring window that cannot hold minRows at the data's cadence. */
  warnings: string[];
}

export async function ingestRows(
  db: Db,
  modelName: string,
  rows: ReadonlyArray<Record<string, unknown>>,
  options: { source?: string; firstRowNumber?: number } = {},
): Promise<IngestResult> {
  const config = await loadStoredConfig(db, modelName);
  const { valid, rejected } = validateRows(config, rows, { firstRowNumber: options.firstRowNumber ?? 1 });
  const summary = await insertIngestBatch(db, modelName, options.source ?? 'api', valid, rejected);
  return { ...summary, rejections: rejected, warnings: await monitoringWindowWarnings(db, config) };
}

export async function ingestCsvFile(db: Db, modelName: string, path: string): Promise<IngestResult> {
  return ingestRows(db, modelName, parseCsv(await readFile(path, 'utf8')), { source: path });
}
