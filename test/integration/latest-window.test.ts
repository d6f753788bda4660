/**
 * Reading the newest rows, on a real PostgreSQL. A row-count window's row count comes from the walk that
 * finds its start, not from a second scan: it equals what windowBetween counts from that start, for every
 * window size, with event times tied across the boundary and with microseconds. A large window read in
 * any order comes as two halves on two connections, and holds the same values as one ordered read.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, type Db } from '../../src/store/db';
import { latestWindow, readWindowColumns, startOfRowsBefore, windowBetween } from '../../src/store/feature-store';
import { createTestDatabase, type TestDatabase } from './test-database';

const MODEL = 'latest-window';
let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase('latest_window');
  ({ db } = database);
  await migrate(db);
  await db.query(`INSERT INTO models (name, config) VALUES ($1, '{}')`, [MODEL]);
  const batchId = randomUUID();
  await db.query(`INSERT INTO ingest_batches (id, model_name, source, accepted, rejected) VALUES ($1, $2, 'test', 0, 0)`, [batchId, MODEL]);
  // Event times with ties (several rows per instant), whole milliseconds and microseconds, inserted out of time order.
  const times = [
    '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000250Z', '2026-01-01T00:00:00.000250Z',
    '2026-01-01T00:00:00.001Z', '2026-01-01T00:00:00.001700Z', '2026-01-01T00:00:00.001700Z', '2026-01-01T00:00:00.001Z',
    '2026-01-01T00:00:01Z', '2026-01-01T00:00:01Z', '2026-01-01T00:00:01Z', '2026-01-01T00:00:02.000001Z',
    '2026-01-01T00:00:00.000999Z', '2026-01-01T00:00:03Z', '2026-01-01T00:00:03Z', '2026-01-01T00:00:03.000500Z',
  ];
  for (const time of times) {
    await db.query('INSERT INTO feature_rows (model_name, event_time, batch_id) VALUES ($1, $2::timestamptz, $3)', [MODEL, time, batchId]);
  }
});

afterAll(async () => {
  await database?.drop();
});

describe('a window of the newest rows', () => {
  it('has the start and the row count that windowBetween gives from startOfRowsBefore, for every size and horizon', async () => {
    const rows = (await db.query<{ n: string }>('SELECT count(*)::text AS n FROM feature_rows')).rows[0]!.n;
    const newest = await db.query<{ end: Date; horizon: string }>('SELECT max(event_time) AS end, max(id)::text AS horizon FROM feature_rows');
    const { end, horizon } = newest.rows[0]!;
    for (let size = 1; size <= Number(rows) + 1; size++) {
      const start = await startOfRowsBefore(db, MODEL, end.toISOString(), horizon, size);
      const expected = await windowBetween(db, MODEL, start, end, horizon);
      expect(await latestWindow(db, MODEL, { kind: 'rows', rows: size }), `rows ${size}`).toEqual(expected);
    }
  });
});

describe('a large window read in any order', () => {
  it('holds the values of one ordered read, each once, read as two halves into the same columns', async () => {
    const model = 'large-window';
    await db.query(`INSERT INTO models (name, config) VALUES ($1, '{}')`, [model]);
    const batchId = randomUUID();
    await db.query(`INSERT INTO ingest_batches (id, model_name, source, accepted, rejected, numeric_features) VALUES ($1, $2, 'test', 0, 0, '{a,b}')`,
      [batchId, model]);
    // 250,000 rows, one a second, a few without b: above the size read in halves.
    await db.query(`INSERT INTO feature_rows (model_name, event_time, batch_id, numeric_values)
      SELECT $1, timestamptz '2026-01-01' + x * interval '1 second', $2,
        ARRAY[x::float8, CASE WHEN x % 1000 = 0 THEN NULL ELSE sin(x) END]
      FROM generate_series(1, 250000) x`, [model, batchId]);
    const window = (await latestWindow(db, model, { kind: 'rows', rows: 240_000 }))!;
    expect(window.rowCount).toBe(240_000);
    const halves = await readWindowColumns(db, model, window, ['a', 'b'], { ordered: false });
    const ordered = await readWindowColumns(db, model, window, ['a', 'b'], { ordered: true });
    expect(halves.rowCount).toBe(240_000);
    const a = Float64Array.from(halves.columns.a as Float64Array).sort();
    expect(a[0]).toBe(10_001);
    expect(a.every((value, i) => value === 10_001 + i)).toBe(true);
    // The rows come in another order, each with its own values: b follows a row by row.
    const b = halves.columns.b as Float64Array;
    const rowsOf = (table: typeof halves) => Array.from(table.columns.a as Float64Array, (value, i) => `${value}:${(table.columns.b as Float64Array)[i]}`).sort();
    expect(rowsOf(halves)).toEqual(rowsOf(ordered));
    expect(b.filter(Number.isNaN)).toHaveLength(240);
    // Read as two halves: the second half's stream fills the columns from the last row backwards, so the last
    // row is the first it sent (in the freshly written table's physical order, the middle of the window),
    // where one stream would have ended on the newest row.
    expect((ordered.columns.a as Float64Array)[239_999]).toBe(250_000);
    expect((halves.columns.a as Float64Array)[239_999]).toBeLessThan(140_000);
  });
});
