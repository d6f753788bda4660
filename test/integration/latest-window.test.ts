/**
 * A row-count window's row count comes from the walk that finds its start, not from a second scan: on a
 * real PostgreSQL it equals what windowBetween counts from that start, for every window size, with event
 * times tied across the boundary and with microseconds.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, databaseUrl, migrate, type Db } from '../../src/store/db';
import { latestWindow, startOfRowsBefore, windowBetween } from '../../src/store/feature-store';

const MODEL = 'latest-window';
let admin: Client;
let dbName: string;
let db: Db;

beforeAll(async () => {
  const adminUrl = new URL(databaseUrl(process.env.DATABASE_URL));
  adminUrl.pathname = '/postgres';
  admin = new Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  dbName = `driftwatch_test_latest_window_${randomUUID().slice(0, 8)}`;
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(dbName)}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  db = createPool(dbUrl.toString());
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
  await db?.end();
  await admin?.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(dbName)} WITH (FORCE)`);
  await admin?.end();
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
