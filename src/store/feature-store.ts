/**
 * The time-consistent feature store: full history of rows per model, read by event-time ranges and
 * pinned to a row-ID horizon so a retried activity reads exactly the rows its first attempt read.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { MonitoringWindow } from '../config';
import { holdoutSize } from '../evaluation/holdout';
import type { RowOutcome, RowRejection } from '../ingest/validate-rows';
import { type Db, withTransaction } from './db';

export interface StoredRow { features: Record<string, unknown>; label: number | null; eventTime: Date }

export interface IngestSummary { batchId: string; accepted: number; rejected: number }

const COPY_FEATURE_ROWS = 'COPY feature_rows (model_name, event_time, features, label, batch_id) FROM STDIN';
/** A COPY holds the connection, so rejections wait for it to end; this many end it early, bounding what waits in memory. */
const REJECTIONS_PER_WRITE = 10_000;

/**
 * Stores one ingest batch in one transaction: valid rows go to feature_rows with COPY, in file order
 * (row IDs follow it), and rejections to ingest_rejections. Memory stays bounded whatever the number
 * of rows: `outcomes` is consumed as it is written.
 */
export async function writeIngestBatch(
  db: Db,
  modelName: string,
  source: string,
  outcomes: AsyncIterable<readonly RowOutcome[]>,
): Promise<IngestSummary> {
  const batchId = randomUUID();
  const iterator = outcomes[Symbol.asyncIterator]();
  let accepted = 0;
  let rejected = 0;
  let waitingRejections: RowRejection[] = [];
  let sourceEnded = false;
  const linePrefix = `${modelName}\t`;
  const lineSuffix = `\t${batchId}\n`;

  /** COPY text for the rows up to the end of the source, or until enough rejections wait. */
  async function* copyText(): AsyncGenerator<string> {
    while (waitingRejections.length < REJECTIONS_PER_WRITE) {
      const next = await iterator.next();
      if (next.done) {
        sourceEnded = true;
        return;
      }
      let text = '';
      for (const outcome of next.value) {
        if ('row' in outcome) {
          const { eventTime, features, label } = outcome.row;
          text += `${linePrefix}${eventTime}\t${copyTextValue(JSON.stringify(features))}\t${label ?? '\\N'}${lineSuffix}`;
          accepted += 1;
        } else {
          rejected += 1;
          waitingRejections.push(...outcome.rejections);
        }
      }
      if (text !== '') yield text;
    }
  }

  try {
    return await withTransaction(db, async (client) => {
      // The counts are known at the end; the batch must exist first, as every row's batch is checked (migration 013).
      await client.query(
        'INSERT INTO ingest_batches (id, model_name, source, accepted, rejected) VALUES ($1, $2, $3, 0, 0)',
        [batchId, modelName, source],
      );
      while (!sourceEnded) {
        await pipeline(Readable.from(copyText()), client.query(copyFrom(COPY_FEATURE_ROWS)));
        await insertRejections(client, batchId, waitingRejections);
        waitingRejections = [];
      }
      await client.query('UPDATE ingest_batches SET accepted = $2, rejected = $3 WHERE id = $1', [batchId, accepted, rejected]);
      return { batchId, accepted, rejected };
    });
  } finally {
    // On failure the source may be mid-file: ending it closes the file.
    await iterator.return?.();
  }
}

/** JSON text never holds a raw tab or newline, so in COPY's text format only its backslashes need escaping. */
function copyTextValue(json: string): string {
  return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
}

async function insertRejections(client: PoolClient, batchId: string, rejections: readonly RowRejection[]): Promise<void> {
  if (rejections.length === 0) return;
  // unnest keeps one round trip and avoids the 65,535 bind-parameter limit.
  await client.query(
    `INSERT INTO ingest_rejections (batch_id, row_number, field, reason, value)
     SELECT $1, t.row_number, t.field, t.reason, t.value
     FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS t(row_number, field, reason, value)`,
    [
      batchId,
      rejections.map((r) => r.rowNumber),
      rejections.map((r) => storableText(r.field)),
      rejections.map((r) => storableText(r.reason)),
      rejections.map((r) => (r.value === undefined ? null : storableText(r.value))),
    ],
  );
}

/** A rejected value may hold the NUL character that made it bad, and PostgreSQL text cannot. */
function storableText(text: string): string {
  return text.replaceAll('\u0000', '\\u0000');
}

/** Rows with start < event time <= end and id <= asOfRowId: a window pinned to a row-ID horizon. */
export interface FeatureWindow { start: string; end: string; rowCount: number; asOfRowId: string }

/** The oldest representable start: a window that holds every row. */
const BEGINNING = new Date(Date.UTC(1, 0, 1));

/**
 * The latest window ending at the newest row: a span of event time, or the newest `rows` rows
 * (rows tied with the first row left out are left out too, so it may hold a few fewer).
 */
export async function latestWindow(db: Db, modelName: string, spec: MonitoringWindow): Promise<FeatureWindow | null> {
  const newest = await db.query<{ end: Date | null; as_of: string | null }>(
    'SELECT max(event_time) AS end, max(id)::text AS as_of FROM feature_rows WHERE model_name = $1',
    [modelName],
  );
  const end = newest.rows[0]?.end;
  const asOfRowId = newest.rows[0]?.as_of;
  if (!end || !asOfRowId) return null;
  const start = spec.kind === 'duration'
    ? new Date(end.getTime() - spec.ms)
    : await startOfRowsBefore(db, modelName, end.toISOString(), asOfRowId, spec.rows);
  return windowBetween(db, modelName, start, end, asOfRowId);
}

/** The same horizon over another event-time range (start exclusive, end inclusive), with its row count. */
export async function windowBetween(db: Db, modelName: string, start: Date, end: Date, asOfRowId: string): Promise<FeatureWindow> {
  const count = await db.query<{ n: string }>(
    'SELECT count(*)::text AS n FROM feature_rows WHERE model_name = $1 AND event_time > $2 AND event_time <= $3 AND id <= $4',
    [modelName, start, end, asOfRowId],
  );
  return { start: start.toISOString(), end: end.toISOString(), rowCount: Number(count.rows[0]?.n ?? 0), asOfRowId };
}

/**
 * The start (exclusive) of the newest `limit` rows at or before `before`, up to the horizon: the
 * latest row-count window, or the rolling reference before one.
 */
export async function startOfRowsBefore(db: Db, modelName: string, before: string, asOfRowId: string, limit: number): Promise<Date> {
  const boundary = await db.query<{ event_time: Date }>(
    `SELECT event_time FROM feature_rows WHERE model_name = $1 AND id <= $2 AND event_time <= $3
     ORDER BY event_time DESC, id DESC OFFSET $4 LIMIT 1`,
    [modelName, asOfRowId, before, limit],
  );
  return boundary.rows[0]?.event_time ?? BEGINNING;
}

/**
 * Rows that arrived after an earlier check's horizon with an event time inside what it had
 * already checked (up to its window end): late or back-dated rows that check never saw.
 */
export async function lateRowsSince(
  db: Db, modelName: string, previous: { asOfRowId: string; windowEnd: string }, asOfRowId: string,
): Promise<{ count: number; oldestEventTime: string | null }> {
  const result = await db.query<{ n: string; oldest: Date | null }>(
    `SELECT count(*)::text AS n, min(event_time) AS oldest FROM feature_rows
     WHERE model_name = $1 AND id > $2 AND id <= $3 AND event_time <= $4`,
    [modelName, previous.asOfRowId, asOfRowId, previous.windowEnd],
  );
  const row = result.rows[0];
  return { count: Number(row?.n ?? 0), oldestEventTime: row?.oldest ? row.oldest.toISOString() : null };
}

/**
 * The newest labelled rows up to the horizon, in event-time order: the newest `rows` of them, or those
 * within the window's span of the newest labelled row. Labels can lag the features, so this window
 * ends at the newest label rather than at the newest row.
 */
export async function latestLabelledRows(db: Db, modelName: string, spec: MonitoringWindow, asOfRowId: string): Promise<StoredRow[]> {
  const result = spec.kind === 'rows'
    ? await db.query<StoredRow>(
      `SELECT * FROM (SELECT features, label, event_time AS "eventTime", id FROM feature_rows
         WHERE model_name = $1 AND label IS NOT NULL AND id <= $2 ORDER BY event_time DESC, id DESC LIMIT $3) newest
       ORDER BY "eventTime", id`,
      [modelName, asOfRowId, spec.rows],
    )
    : await db.query<StoredRow>(
      `SELECT features, label, event_time AS "eventTime" FROM feature_rows
       WHERE model_name = $1 AND label IS NOT NULL AND id <= $2
         AND event_time > (SELECT max(event_time) FROM feature_rows WHERE model_name = $1 AND label IS NOT NULL AND id <= $2) - $3 * interval '1 millisecond'
       ORDER BY event_time, id`,
      [modelName, asOfRowId, spec.ms],
    );
  return result.rows.map(({ features, label, eventTime }) => ({ features, label: Number(label), eventTime }));
}

/** Every row of a window, features only: for a reference built at check time (seasonal or rolling), which is window-sized. */
export async function readWindowRows(db: Db, modelName: string, window: FeatureWindow): Promise<Array<Record<string, unknown>>> {
  const result = await db.query<{ features: Record<string, unknown> }>(
    `SELECT features FROM feature_rows
     WHERE model_name = $1 AND event_time > $2 AND event_time <= $3 AND id <= $4 ORDER BY event_time, id`,
    [modelName, window.start, window.end, window.asOfRowId],
  );
  return result.rows.map((r) => r.features);
}

export async function countLabelledRows(db: Db, modelName: string, asOfRowId: string): Promise<number> {
  const result = await db.query<{ n: string }>(
    'SELECT count(*)::text AS n FROM feature_rows WHERE model_name = $1 AND label IS NOT NULL AND id <= $2',
    [modelName, asOfRowId],
  );
  return Number(result.rows[0]?.n ?? 0);
}

/** Event times (ms) of the newest rows, newest first: enough to estimate the data's cadence. */
export async function newestEventTimes(db: Db, modelName: string, limit: number): Promise<number[]> {
  const result = await db.query<{ event_time: Date }>(
    'SELECT event_time FROM feature_rows WHERE model_name = $1 ORDER BY event_time DESC, id DESC LIMIT $2',
    [modelName, limit],
  );
  return result.rows.map((r) => r.event_time.getTime());
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
  /** Why the holdout is smaller than promotion.minHoldoutRows, when it is; the decision repeats it. */
  holdoutNote?: string | null;
}

export async function planDataSplit(
  db: Db,
  modelName: string,
  options: {
    from?: string; to?: string; trainingWindowMs: number; holdoutFraction: number; minHoldoutRows: number; minTrainingRows: number;
  },
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
  const { holdoutRows, trainingRows, note } = holdoutSize(Number(count.rows[0]?.n ?? 0), options);
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
    holdoutNote: note,
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
    `SELECT features, label, event_time AS "eventTime" FROM (
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
    `SELECT features, label, event_time AS "eventTime" FROM feature_rows
     WHERE model_name = $1 AND label IS NOT NULL AND id <= $2 AND event_time >= $3 AND event_time <= $4 ${boundaryClause}
     ORDER BY event_time, id`,
    params,
  );
  return result.rows;
}
