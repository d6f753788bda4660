/**
 * Feature rows in typed arrays (migration 015), on a real PostgreSQL: what ingest's binary COPY
 * writes reads back exactly, and rows an earlier version stored as JSONB read back the same after
 * the migration, each by name and one feature at a time.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../src/config';
import { ingestRows } from '../../src/ingest/ingest';
import { migrate, type Db } from '../../src/store/db';
import { latestWindow, readWindowColumn, readWindowRows, type FeatureWindow } from '../../src/store/feature-store';
import { saveModelConfig } from '../../src/store/models';
import { createTestDatabase, type TestDatabase } from './test-database';

const MIGRATIONS_DIR = path.join(__dirname, '../../src/store/migrations');
const FIRST_TYPED_MIGRATION = '015_typed_feature_rows.sql';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase('feature_layout');
  ({ db } = database);
  // The schema as the version before typed rows left it, recorded as the migrator records it.
  await db.query('CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  for (const file of (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql') && f < FIRST_TYPED_MIGRATION).sort()) {
    await db.query(await readFile(path.join(MIGRATIONS_DIR, file), 'utf8'));
    await db.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file]);
  }
});

afterAll(async () => {
  await database?.drop();
});

const everyRow = (model: string) => latestWindow(db, model, { kind: 'rows', rows: 1_000 }) as Promise<FeatureWindow>;

describe('rows stored as JSONB by an earlier version', () => {
  const model = 'legacy';
  // Two batches, the second after a config change added y and z; z was never given a value.
  const first = [
    { x: 1.5, colour: 'red' },
    { x: null, colour: null },
  ];
  const second = [
    { x: -2.25e-300, colour: 'blue 😀', y: 7, z: null },
    { x: 1.7976931348623157e308, colour: 'green', y: null, z: null },
  ];

  it('read back the same by name after migration 015, and the migration leaves nothing to migrate', async () => {
    await db.query(`INSERT INTO models (name, config) VALUES ($1, '{}')`, [model]);
    let time = Date.UTC(2026, 0, 1);
    for (const rows of [first, second]) {
      const batchId = randomUUID();
      await db.query(`INSERT INTO ingest_batches (id, model_name, source, accepted, rejected) VALUES ($1, $2, 'test', $3, 0)`, [batchId, model, rows.length]);
      for (const features of rows) {
        time += 3_600_000;
        await db.query(
          'INSERT INTO feature_rows (model_name, event_time, features, label, batch_id) VALUES ($1, $2, $3, 1, $4)',
          [model, new Date(time), JSON.stringify(features), batchId],
        );
      }
    }

    const later = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql') && f >= FIRST_TYPED_MIGRATION).sort();
    expect(await migrate(db)).toEqual(later);
    expect(await migrate(db)).toEqual([]);

    const window = await everyRow(model);
    expect(await readWindowRows(db, model, window)).toEqual([...first, ...second]);
    expect(await readWindowColumn(db, model, window, 'x')).toEqual({ values: [1.5, null, -2.25e-300, 1.7976931348623157e308], present: true });
    expect(await readWindowColumn(db, model, window, 'colour')).toEqual({ values: ['red', null, 'blue 😀', 'green'], present: true });
    expect(await readWindowColumn(db, model, window, 'y')).toEqual({ values: [null, null, 7, null], present: true });
    expect(await readWindowColumn(db, model, window, 'z')).toEqual({ values: [null, null, null, null], present: true });
    expect(await readWindowColumn(db, model, window, 'w')).toEqual({ values: [null, null, null, null], present: false });
    const layouts = await db.query('SELECT numeric_features, categorical_features FROM ingest_batches ORDER BY created_at, id');
    expect(layouts.rows).toEqual(expect.arrayContaining([
      { numeric_features: ['x'], categorical_features: ['colour'] },
      // z has no value to tell its kind; null reads as null from either list.
      { numeric_features: ['x', 'y'], categorical_features: ['colour', 'z'] },
    ]));
  });
});

describe('rows ingest writes with binary COPY', () => {
  const model = 'typed';

  it('read back exactly: extreme doubles, missing values, any text, event times from year 1 to 9999', async () => {
    await saveModelConfig(db, parseModelConfig(JSON.stringify({
      model,
      task: 'regression',
      label: 'y',
      features: [
        { name: 'tiny', kind: 'numeric' },
        { name: 'place', kind: 'categorical' },
        { name: 'huge', kind: 'numeric' },
      ],
    }), 'test'));
    const rows = [
      { event_time: '0001-01-01T00:00:00.001Z', tiny: '5e-324', place: 'Zürich', huge: '1.7976931348623157e308', y: '-1e38' },
      { event_time: '1969-12-31T23:59:59.999Z', tiny: '-0.1', place: '', huge: 'NA', y: '' },
      { event_time: '2026-06-01T12:00:00.123+02:00', tiny: 3, place: 'tab\there, "quoted", back\\slash 😀', huge: -12345.678, y: 0.5 },
      { event_time: '9999-12-31T23:59:59.999Z', tiny: null, place: 'ß'.repeat(5_000), huge: 1e-300, y: 1e38 },
    ];
    const result = await ingestRows(db, model, rows);
    expect(result).toMatchObject({ accepted: 4, rejected: 0 });

    const window = await everyRow(model);
    expect(window.rowCount).toBe(4);
    expect(await readWindowRows(db, model, window)).toEqual([
      { tiny: 5e-324, place: 'Zürich', huge: 1.7976931348623157e308 },
      { tiny: -0.1, place: null, huge: null },
      { tiny: 3, place: 'tab\there, "quoted", back\\slash 😀', huge: -12345.678 },
      { tiny: null, place: 'ß'.repeat(5_000), huge: 1e-300 },
    ]);
    const stored = await db.query<{ event_time: string; label: number | null }>(
      `SELECT to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS event_time, label FROM feature_rows WHERE model_name = $1 ORDER BY id`,
      [model],
    );
    expect(stored.rows).toEqual([
      { event_time: '0001-01-01T00:00:00.001', label: -1e38 },
      { event_time: '1969-12-31T23:59:59.999', label: null },
      { event_time: '2026-06-01T10:00:00.123', label: 0.5 },
      { event_time: '9999-12-31T23:59:59.999', label: 1e38 },
    ]);
  });
});
