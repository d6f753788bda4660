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
import type { FeatureTable } from '../drift';
import { holdoutSize } from '../evaluation/holdout';
import { PLACEHOLDER_TIME, type RowOutcome, type RowRejection } from '../ingest/validate-rows';
import { copyOut } from './copy-out';
import { type Db, withTransaction } from './db';
import { copyHeader, copyTrailer, FEATURE_ROW_COPY_COLUMNS, FeatureRowEncoder, type FeatureLayout } from './feature-rows-copy';
import { FeatureColumnDecoder } from './feature-rows-copy-reader';

export interface StoredRow { features: Record<string, unknown>; label: number | null; eventTime: Date }

export interface IngestSummary { batchId: string; accepted: number; rejected: number }

const COPY_FEATURE_ROWS = `COPY feature_rows (${FEATURE_ROW_COPY_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`;
/** A COPY holds the connection, so rejections wait for it to end; this many end it early, bounding what waits in memory. */
const REJECTIONS_PER_WRITE = 10_000;

/**
 * Stores one ingest batch in one transaction: valid rows go to feature_rows with COPY, in file order
 * (row IDs follow it), their values laid out as `layout` says (recorded with the batch), and
 * rejections to ingest_rejections. Memory stays bounded whatever the number of rows: `outcomes` is
 * consumed as it is written.
 */
export async function writeIngestBatch(
  db: Db,
  modelName: string,
  layout: FeatureLayout,
  source: string,
  outcomes: AsyncIterable<readonly RowOutcome[]>,
): Promise<IngestSummary> {
  const batchId = randomUUID();
  const iterator = outcomes[Symbol.asyncIterator]();
  const encoder = new FeatureRowEncoder(modelName, batchId, layout);
  let accepted = 0;
  let rejected = 0;
  let waitingRejections: RowRejection[] = [];
  let sourceEnded = false;

  /** One COPY's data: the rows up to the end of the source, or until enough rejections wait. */
  async function* copyData(): AsyncGenerator<Buffer> {
    yield copyHeader();
    while (waitingRejections.length < REJECTIONS_PER_WRITE) {
      const next = await iterator.next();
      if (next.done) {
        sourceEnded = true;
        break;
      }
      for (const outcome of next.value) {
        if ('row' in outcome) {
          encoder.add(outcome.row);
          accepted += 1;
        } else {
          rejected += 1;
          waitingRejections.push(...outcome.rejections);
        }
      }
      const tuples = encoder.take();
      if (tuples.length > 0) yield tuples;
    }
    yield copyTrailer();
  }

  try {
    return await withTransaction(db, async (client) => {
      // The counts are known at the end; the batch must exist first, as every row's batch is checked (migrations 013, 015).
      await client.query(
        `INSERT INTO ingest_batches (id, model_name, source, accepted, rejected, numeric_features, categorical_features)
         VALUES ($1, $2, $3, 0, 0, $4, $5)`,
        [batchId, modelName, source, layout.numeric, layout.categorical],
      );
      while (!sourceEnded) {
        await pipeline(Readable.from(copyData()), client.query(copyFrom(COPY_FEATURE_ROWS)));
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

/** A feature row as stored: its values, named by its ingest batch's layout. */
interface StoredValues { batch_id: string; numeric_values: Array<number | null>; categorical_values: Array<string | null> }

/** The SQL columns StoredValues reads. */
const STORED_VALUES = 'batch_id, numeric_values, categorical_values';

/** Each row's features as one object keyed by name, from the layouts of the batches the rows came in. */
async function namedFeatures(db: Db, rows: readonly StoredValues[]): Promise<Array<Record<string, number | string | null>>> {
  const batchIds = [...new Set(rows.map((row) => row.batch_id))];
  const layouts = new Map<string, FeatureLayout>();
  if (batchIds.length > 0) {
    const result = await db.query<{ id: string; numeric_features: string[]; categorical_features: string[] }>(
      'SELECT id, numeric_features, categorical_features FROM ingest_batches WHERE id = ANY($1::uuid[])',
      [batchIds],
    );
    for (const batch of result.rows) layouts.set(batch.id, { numeric: batch.numeric_features, categorical: batch.categorical_features });
  }
  return rows.map((row) => {
    const layout = layouts.get(row.batch_id);
    // The trigger of migration 015 makes every row's batch exist; a batch deleted since the read deleted its rows too.
    if (!layout) throw new Error(`feature row of ingest batch ${row.batch_id}, which no longer exists`);
    const features: Record<string, number | string | null> = {};
    layout.numeric.forEach((name, index) => { features[name] = row.numeric_values[index] ?? null; });
    layout.categorical.forEach((name, index) => { features[name] = row.categorical_values[index] ?? null; });
    return features;
  });
}

type LabelledValues = StoredValues & { label: number; event_time: Date };

/** Labelled rows read with their STORED_VALUES, event time and label, as StoredRows. */
async function storedRows(db: Db, rows: readonly LabelledValues[]): Promise<StoredRow[]> {
  const features = await namedFeatures(db, rows);
  return rows.map((row, index) => ({ features: features[index]!, label: Number(row.label), eventTime: row.event_time }));
}

/** Rows with start < event time <= end and id <= asOfRowId: a window pinned to a row-ID horizon. */
export interface FeatureWindow { start: string; end: string; rowCount: number; asOfRowId: string }

/** The start of a window that holds every row: ingest refuses this instant itself, and windows exclude their start. */
const BEGINNING = new Date(PLACEHOLDER_TIME);

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
  if (spec.kind === 'duration') return windowBetween(db, modelName, new Date(end.getTime() - spec.ms), end, asOfRowId);
  return await newestRows(db, modelName, end, asOfRowId, spec.rows) ?? windowBetween(db, modelName, BEGINNING, end, asOfRowId);
}

/**
 * The window of the newest `limit` rows up to `end` and the horizon, as windowBetween would give it from the
 * start startOfRowsBefore finds, with the count taken from the walk that finds the start instead of from a
 * second scan of the window (a million rows: ~0.15 s). Null when there are no more than `limit` rows.
 *
 * The walk stops at the row just before the newest `limit`, B (event time T, ID b). The window starts after
 * T to the millisecond, T′ (event times cross the API as milliseconds), so it holds the `limit` rows, less
 * those of them at T′ itself (rows tied with B at a whole-millisecond T, with larger IDs), plus rows from B
 * on that are later than T′ (B and rows tied with it, where T has microseconds). Both are a few rows at T.
 */
async function newestRows(db: Db, modelName: string, end: Date, asOfRowId: string, limit: number): Promise<FeatureWindow | null> {
  const result = await db.query<{ start: Date; row_count: string }>(
    `WITH boundary AS (
       SELECT event_time, id, date_trunc('milliseconds', event_time) AS start FROM feature_rows
       WHERE model_name = $1 AND id <= $2 AND event_time <= $3
       ORDER BY event_time DESC, id DESC OFFSET $4 LIMIT 1)
     SELECT b.start, ($4::bigint
       - (SELECT count(*) FROM feature_rows f WHERE f.model_name = $1 AND f.id <= $2
            AND f.event_time = b.event_time AND f.event_time <= b.start AND f.id > b.id)
       + (SELECT count(*) FROM feature_rows f WHERE f.model_name = $1 AND f.id <= $2
            AND f.event_time > b.start AND f.event_time <= b.event_time AND (f.event_time, f.id) <= (b.event_time, b.id)))::text AS row_count
     FROM boundary b`,
    [modelName, asOfRowId, end, limit],
  );
  const row = result.rows[0];
  return row ? { start: row.start.toISOString(), end: end.toISOString(), rowCount: Number(row.row_count), asOfRowId } : null;
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
    ? await db.query<LabelledValues>(
      `SELECT * FROM (SELECT ${STORED_VALUES}, label, event_time, id FROM feature_rows
         WHERE model_name = $1 AND label IS NOT NULL AND id <= $2 ORDER BY event_time DESC, id DESC LIMIT $3) newest
       ORDER BY event_time, id`,
      [modelName, asOfRowId, spec.rows],
    )
    : await db.query<LabelledValues>(
      `SELECT ${STORED_VALUES}, label, event_time FROM feature_rows
       WHERE model_name = $1 AND label IS NOT NULL AND id <= $2
         AND event_time > (SELECT max(event_time) FROM feature_rows WHERE model_name = $1 AND label IS NOT NULL AND id <= $2) - $3 * interval '1 millisecond'
       ORDER BY event_time, id`,
      [modelName, asOfRowId, spec.ms],
    );
  return storedRows(db, result.rows);
}

/** Every row of a window, features only: for a reference built at check time (seasonal or rolling), which is window-sized. */
export async function readWindowRows(db: Db, modelName: string, window: FeatureWindow): Promise<Array<Record<string, unknown>>> {
  const result = await db.query<StoredValues>(
    `SELECT ${STORED_VALUES} FROM feature_rows
     WHERE model_name = $1 AND event_time > $2 AND event_time <= $3 AND id <= $4 ORDER BY event_time, id`,
    [modelName, window.start, window.end, window.asOfRowId],
  );
  return namedFeatures(db, result.rows);
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
 * One feature's values over the window, in row order; `present` tells whether any row's batch had the
 * feature at all (a missing value still counts). Reading one column at a time bounds a drift check's
 * memory by one column instead of the whole window.
 */
export async function readWindowColumn(
  db: Db,
  modelName: string,
  window: FeatureWindow,
  feature: string,
): Promise<{ values: unknown[]; present: boolean }> {
  const result = await db.query<{ number: number | null; category: string | null; present: boolean }>(
    // The feature's position once per batch (MATERIALIZED keeps the planner from computing it per row), not per row.
    `WITH positions AS MATERIALIZED (
       SELECT id, array_position(numeric_features, $5) AS numeric_position, array_position(categorical_features, $5) AS categorical_position
       FROM ingest_batches WHERE model_name = $1)
     SELECT f.numeric_values[p.numeric_position] AS number, f.categorical_values[p.categorical_position] AS category,
       p.numeric_position IS NOT NULL OR p.categorical_position IS NOT NULL AS present
     FROM feature_rows f JOIN positions p ON p.id = f.batch_id
     WHERE f.model_name = $1 AND f.event_time > $2 AND f.event_time <= $3 AND f.id <= $4 ORDER BY f.event_time, f.id`,
    [modelName, window.start, window.end, window.asOfRowId, feature],
  );
  return { values: result.rows.map((r) => r.number ?? r.category), present: result.rows.some((r) => r.present) };
}

/** From this many rows on, a window read in any order is read as two halves at once (readWindowColumns). */
const SPLIT_READ_MIN_ROWS = 200_000;

/**
 * Several features' values over the window as one table of columns, read with binary COPY decoded as it
 * streams in (feature-rows-copy-reader.ts): numeric features as Float64Arrays. Each column holds the same
 * values, in the same sense of present, as readWindowColumn returns for it. Rows come in event-time order
 * when `ordered`; otherwise in whatever order PostgreSQL finds them, which spares it a sort (or an
 * index-order heap walk) of the whole window where the caller's result does not depend on the order.
 * Unordered, a large window is read as its two halves by event time, on two connections at once, into
 * the same columns: PostgreSQL's side of the COPY (finding the rows and writing their arrays) is most of a
 * check's time, and runs on two cores instead of one.
 */
export async function readWindowColumns(
  db: Db,
  modelName: string,
  window: FeatureWindow,
  features: readonly string[],
  { ordered }: { ordered: boolean },
): Promise<FeatureTable> {
  const batches = await db.query<{ id: string; numeric_features: string[]; categorical_features: string[] }>(
    'SELECT id, numeric_features, categorical_features FROM ingest_batches WHERE model_name = $1',
    [modelName],
  );
  const layouts = new Map(batches.rows.map((batch) => [batch.id, { numeric: batch.numeric_features, categorical: batch.categorical_features }]));
  const decoder = new FeatureColumnDecoder(features, layouts, window.rowCount);
  if (!/^\d+$/.test(window.asOfRowId)) throw new Error(`row horizon ${window.asOfRowId} is not a row ID`);
  const middle = new Date((Date.parse(window.start) + Date.parse(window.end)) / 2).toISOString();
  const ranges: Array<[string, string]> = !ordered && window.rowCount >= SPLIT_READ_MIN_ROWS
    ? [[window.start, middle], [middle, window.end]]
    : [[window.start, window.end]];
  const reads = await Promise.allSettled(ranges.map(([after, upTo], part) => copyOut(db, (literal) => `COPY (SELECT batch_id, numeric_values${decoder.needsCategories ? ', categorical_values' : ''} FROM feature_rows
       WHERE model_name = ${literal(modelName)} AND event_time > ${literal(after)}::timestamptz
         AND event_time <= ${literal(upTo)}::timestamptz AND id <= ${window.asOfRowId}
       ${ordered ? 'ORDER BY event_time, id' : ''}) TO STDOUT (FORMAT binary)`, decoder.stream({ fromEnd: part === 1 }))));
  const failed = reads.find((read) => read.status === 'rejected');
  if (failed) throw failed.reason;
  return decoder.finish();
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
  const result = await db.query<LabelledValues>(
    `SELECT ${STORED_VALUES}, label, event_time FROM (
       SELECT ${STORED_VALUES}, label, event_time, id FROM feature_rows
       WHERE model_name = $1 AND label IS NOT NULL AND id <= $2 AND event_time <= $3
         AND (event_time, id) >= ($4::timestamptz, $5::bigint) AND event_time < $6
       ORDER BY event_time DESC, id DESC LIMIT $7
     ) recent ORDER BY event_time, id`,
    [modelName, earlier.asOfRowId, earlier.to, earlier.holdoutStart.eventTime, earlier.holdoutStart.rowId, before, limit],
  );
  return storedRows(db, result.rows);
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
  const result = await db.query<LabelledValues>(
    `SELECT ${STORED_VALUES}, label, event_time FROM feature_rows
     WHERE model_name = $1 AND label IS NOT NULL AND id <= $2 AND event_time >= $3 AND event_time <= $4 ${boundaryClause}
     ORDER BY event_time, id`,
    params,
  );
  return storedRows(db, result.rows);
}
