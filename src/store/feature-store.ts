/**
 * The time-consistent feature store: full history of rows per model, read by event-time ranges and
 * pinned to a row-ID horizon so a retried activity reads exactly the rows its first attempt read.
 */
import { randomUUID } from 'node:crypto';
import type { FeatureRow, RowRejection } from '../ingest/validate-rows';
import { type Db, withTransaction } from './db';

export interface StoredRow { features: Record<string, unknown>; label: number | null }

export interface IngestSummary { batchId: string; accepted: number; rejected: number }

const INSERT_CHUNK_ROWS = 5_000;

export async function insertIngestBatch(
  db: Db,
  modelName: string,
  source: string,
  valid: readonly FeatureRow[],
  rejected: readonly RowRejection[],
): Promise<IngestSummary> {
  const batchId = randomUUID();
  const rejectedRows = new Set(rejected.map((r) => r.rowNumber)).size;
  await withTransaction(db, async (client) => {
    await client.query(
      'INSERT INTO ingest_batches (id, model_name, source, accepted, rejected) VALUES ($1, $2, $3, $4, $5)',
      [batchId, modelName, source, valid.length, rejectedRows],
    );
    for (let start = 0; start < valid.length; start += INSERT_CHUNK_ROWS) {
      const chunk = valid.slice(start, start + INSERT_CHUNK_ROWS);
      // unnest keeps one round trip per chunk and avoids the 65,535 bind-parameter limit.
      await client.query(
        `INSERT INTO feature_rows (model_name, event_time, features, label, batch_id)
         SELECT $1, t.event_time, t.features, t.label, $2
         FROM unnest($3::timestamptz[], $4::jsonb[], $5::float8[]) AS t(event_time, features, label)`,
        [
          modelName,
          batchId,
          chunk.map((r) => r.eventTime),
          chunk.map((r) => JSON.stringify(r.features)),
          chunk.map((r) => r.label),
        ],
      );
    }
    if (rejected.length > 0) {
      await client.query(
        `INSERT INTO ingest_rejections (batch_id, row_number, field, reason, value)
         SELECT $1, t.row_number, t.field, t.reason, t.value
         FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS t(row_number, field, reason, value)`,
        [
          batchId,
          rejected.map((r) => r.rowNumber),
          rejected.map((r) => r.field),
          rejected.map((r) => r.reason),
          rejected.map((r) => r.value ?? null),
        ],
      );
    }
  });
  return { batchId, accepted: valid.length, rejected: rejectedRows };
}

/** The latest window: `windowMs` of event time ending at the newest row, pinned to a row-ID horizon. */
export interface FeatureWindow { start: string; end: string; rowCount: number; asOfRowId: string }

export async function latestWindow(db: Db, modelName: string, windowMs: number): Promise<FeatureWindow | null> {
  const newest = await db.query<{ end: Date | null; as_of: string | null }>(
    'SELECT max(event_time) AS end, max(id)::text AS as_of FROM feature_rows WHERE model_name = $1',
    [modelName],
  );
  const end = newest.rows[0]?.end;
  const asOfRowId = newest.rows[0]?.as_of;
  if (!end || !asOfRowId) return null;
  const start = new Date(end.getTime() - windowMs);
  const count = await db.query<{ n: string }>(
    'SELECT count(*)::text AS n FROM feature_rows WHERE model_name = $1 AND event_time > $2 AND event_time <= $3 AND id <= $4',
    [modelName, start, end, asOfRowId],
  );
  return { start: start.toISOString(), end: end.toISOString(), rowCount: Number(count.rows[0]?.n ?? 0), asOfRowId };
}

/**
 * One feature's values over the window, in row order; `present` tells whether any row has the key
 * at all (a JSON null still counts). Reading one column at a time bounds a drift check's memory by
 * one column instead of the whole window.
 */
export async function readWindowColumn(
  db: Db,
  modelName: string,
  window: FeatureWindow,
  feature: string,
): Promise<{ values: unknown[]; present: boolean }> {
  const result = await db.query<{ value: unknown; present: boolean }>(
    `SELECT features -> $5 AS value, features ? $5 AS present FROM feature_rows
     WHERE model_name = $1 AND event_time > $2 AND event_time <= $3 AND id <= $4 ORDER BY event_time, id`,
    [modelName, window.start, window.end, window.asOfRowId, feature],
  );
  return { values: result.rows.map((r) => r.value), present: result.rows.some((r) => r.present) };
}

/**
 * A reproducible train/holdout split of the labelled rows: the most recent `holdoutFraction` (by
 * event time) is the holdout no model trains on; the rest is training data.
 */
export interface DataSplit {
  asOfRowId: string;
  from: string;
  to: string;
  holdoutStart: { eventTime: string; rowId: string } | null;
  trainingRows: number;
  holdoutRows: number;
}

export async function planDataSplit(
  db: Db,
  modelName: string,
  options: { from?: string; to?: string; trainingWindowMs: number; holdoutFraction: number },
): Promise<DataSplit> {
  const horizon = await db.query<{ as_of: string | null; newest: Date | null }>(
    `SELECT max(id)::text AS as_of, max(event_time) AS newest FROM feature_rows
     WHERE model_name = $1 AND label IS NOT NULL AND ($2::timestamptz IS NULL OR event_time <= $2)`,
    [modelName, options.to ?? null],
  );
  const asOfRowId = horizon.rows[0]?.as_of ?? '0';
  const to = options.to ? new Date(options.to) : horizon.rows[0]?.newest ?? new Date(0);
  const from = options.from ? new Date(options.from) : new Date(to.getTime() - options.trainingWindowMs);
  const count = await db.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM feature_rows
     WHERE model_name = $1 AND label IS NOT NULL AND id <= $2 AND event_time >= $3 AND event_time <= $4`,
    [modelName, asOfRowId, from, to],
  );
  const total = Number(count.rows[0]?.n ?? 0);
  const holdoutRows = Math.round(total * options.holdoutFraction);
  const trainingRows = total - holdoutRows;
  const boundary = await db.query<{ event_time: Date; id: string }>(
    `SELECT event_time, id::text FROM feature_rows
     WHERE model_name = $1 AND label IS NOT NULL AND id <= $2 AND event_time >= $3 AND event_time <= $4
     ORDER BY event_time, id OFFSET $5 LIMIT 1`,
    [modelName, asOfRowId, from, to, trainingRows],
  );
  const first = boundary.rows[0];
  return {
    asOfRowId,
    from: from.toISOString(),
    to: to.toISOString(),
    holdoutStart: holdoutRows > 0 && first ? { eventTime: first.event_time.toISOString(), rowId: first.id } : null,
    trainingRows,
    holdoutRows,
  };
}

export type SplitPart = 'training' | 'holdout';

/**
 * The guardrail's second holdout: rows of an earlier split's holdout (the champion's reference
 * period, which the champion never trained on) that precede `before` (the challenger's training
 * window), so neither model trained on them. The most recent `limit` rows, in event-time order.
 */
export async function readEarlierHoldout(db: Db, modelName: string, earlier: DataSplit, before: string, limit: number): Promise<StoredRow[]> {
  if (!earlier.holdoutStart) return [];
  const result = await db.query<StoredRow>(
    `SELECT features, label FROM (
       SELECT features, label, event_time, id FROM feature_rows
       WHERE model_name = $1 AND label IS NOT NULL AND id <= $2 AND event_time <= $3
         AND (event_time, id) >= ($4::timestamptz, $5::bigint) AND event_time < $6
       ORDER BY event_time DESC, id DESC LIMIT $7
     ) recent ORDER BY event_time, id`,
    [modelName, earlier.asOfRowId, earlier.to, earlier.holdoutStart.eventTime, earlier.holdoutStart.rowId, before, limit],
  );
  return result.rows;
}

/** Reads one part of a split, in event-time order. Rows are labelled by construction. */
export async function readSplit(db: Db, modelName: string, split: DataSplit, part: SplitPart): Promise<StoredRow[]> {
  const boundary = split.holdoutStart;
  if (part === 'holdout' && !boundary) return [];
  const boundaryClause = !boundary
    ? ''
    : part === 'training'
      ? 'AND (event_time, id) < ($5::timestamptz, $6::bigint)'
      : 'AND (event_time, id) >= ($5::timestamptz, $6::bigint)';
  const params: unknown[] = [modelName, split.asOfRowId, split.from, split.to];
  if (boundary) params.push(boundary.eventTime, boundary.rowId);
  const result = await db.query<StoredRow>(
    `SELECT features, label FROM feature_rows
     WHERE model_name = $1 AND label IS NOT NULL AND id <= $2 AND event_time >= $3 AND event_time <= $4 ${boundaryClause}
     ORDER BY event_time, id`,
    params,
  );
  return result.rows;
}
