import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseModelConfig } from '../../src/config';
import { CsvParseError } from '../../src/ingest/csv';
import { ingestFile, ingestRows, MAX_REJECTIONS_LISTED } from '../../src/ingest/ingest';
import { listRetrains } from '../../src/store/retrains';
import { retrainWorkflowId } from '../../workflows/definitions';
import type { retrainWorkflow } from '../../workflows';
import { startHarness, startWebhookReceiver, testModelConfig, type Harness, type WebhookReceiver } from './harness';
import { syntheticRows } from './synthetic';

const MODEL = 'bad-input';
let harness: Harness;
let webhook: WebhookReceiver;

beforeAll(async () => {
  harness = await startHarness('bad-input');
  webhook = await startWebhookReceiver();
  await harness.registerModel(testModelConfig(MODEL, webhook.url));
});

afterAll(async () => {
  await harness?.close();
  await webhook?.close();
});

describe('bad input gets a clear error and loses nothing', () => {
  it('a bad config names every bad key', () => {
    const attempt = () =>
      parseModelConfig(
        `model: m\ntask: binary_classification\nlabel: y\nfeatures:\n  - { name: a, kind: number }\n  - { name: b, kind: numeric, drift: { test: psi, treshold: 0.2 } }\n`,
        'bad.yaml',
      );
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (err) {
      const issues = (err as ConfigError).issues.map((i) => i.path);
      expect(issues).toContain('features[0].kind');
      expect((err as ConfigError).message).toMatch(/treshold.*did you mean 'threshold'/);
    }
  });

  it('bad rows are reported by row and field and kept out; the valid rows are stored', async () => {
    const rows: Record<string, unknown>[] = syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 10, seed: 41 });
    rows[2] = { ...rows[2], x1: 'not-a-number' };
    rows[5] = { ...rows[5], event_time: 'yesterday', label: 3 };
    const result = await ingestRows(harness.db, MODEL, rows, { source: 'bad-rows.csv' });
    expect(result.accepted).toBe(8);
    expect(result.rejected).toBe(2);
    expect(result.rejections.map((r) => [r.rowNumber, r.field])).toEqual([[3, 'x1'], [6, 'event_time'], [6, 'label']]);
    const stored = await harness.db.query<{ n: string }>('SELECT count(*) AS n FROM feature_rows WHERE model_name = $1', [MODEL]);
    expect(Number(stored.rows[0]?.n)).toBe(8);
    const rejections = await harness.db.query<{ row_number: number; field: string; reason: string }>(
      'SELECT row_number, field, reason FROM ingest_rejections WHERE batch_id = $1 ORDER BY id',
      [result.batchId],
    );
    expect(rejections.rows.map((r) => r.field)).toEqual(['x1', 'event_time', 'label']);
  });

  it('a retrain without enough data fails clearly, alerts, and succeeds when retried after more data arrives', async () => {
    const start = () =>
      harness.client.workflow.execute<typeof retrainWorkflow>('retrainWorkflow', {
        workflowId: retrainWorkflowId(MODEL), taskQueue: harness.taskQueue, args: [{ modelName: MODEL, requestedBy: 'test' }],
      });
    // WorkflowFailedError ← ActivityFailure ← the activity's non-retryable ApplicationFailure.
    const failure = await start().then(() => null, (err: Error) => err);
    const cause = (failure?.cause as Error & { cause?: Error & { type?: string; nonRetryable?: boolean } })?.cause;
    expect(cause?.type).toBe('NotEnoughDataError');
    expect(cause?.nonRetryable).toBe(true);
    expect(cause?.message).toMatch(/not enough data for model 'bad-input': 6 labelled training rows .*retrain\.minTrainingRows is 100/);
    expect(webhook.received.filter((a) => a.event === 'retrain_failed')).toHaveLength(1);
    expect((await listRetrains(harness.db, MODEL)).map((r) => r.status)).toEqual(['failed']);

    await harness.ingest(MODEL, syntheticRows({ start: '2026-01-02T00:00:00Z', rows: 600, seed: 42 }));
    expect((await start()).outcome).toBe('promoted');
  });

  it('a window with empty columns, and a feature the champion never saw, is checked with a status for each, not an error', async () => {
    // The champion from the previous test is the reference; the new rows, alone in the 30-day window, lack x3 and segment.
    const rows = syntheticRows({ start: '2026-03-15T00:00:00Z', rows: 200, seed: 43 }).map(({ x3: _x3, ...row }) => ({ ...row, segment: null }));
    await harness.ingest(MODEL, rows);
    const check = await harness.checkDrift(MODEL);
    expect(check.outcome).toBe('checked');
    const status = Object.fromEntries(check.features.map((f) => [f.feature, f.status]));
    expect(status).toEqual({ x1: 'ok', x2: 'ok', x3: 'all_null', segment: 'all_null' });
    expect(check.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^x3: not measured \(all_null/)]));

    // A feature added to the config after the champion was trained is not in its reference profile.
    const config = testModelConfig(MODEL, webhook.url);
    await harness.registerModel({ ...config, features: [...config.features, { name: 'x4', kind: 'numeric', drift: { test: 'auto', threshold: null } }] });
    await harness.ingest(MODEL, syntheticRows({ start: '2026-03-24T00:00:00Z', rows: 48, seed: 44 }).map((row) => ({ ...row, x4: 1 })));
    const after = await harness.checkDrift(MODEL);
    expect(after.features.find((f) => f.feature === 'x4')).toMatchObject({ status: 'missing_column', drifted: false, score: null });
  });

  it('a corrupted champion artifact fails the retrain at evaluation without retries, naming the file', async () => {
    const champion = await harness.db.query<{ version: number; artifact_uri: string }>(
      `SELECT version, artifact_uri FROM model_versions WHERE model_name = $1 AND status = 'champion'`,
      [MODEL],
    );
    const weights = path.join(fileURLToPath(champion.rows[0]!.artifact_uri), 'weights.bin');
    const bytes = await readFile(weights);
    bytes[0] = bytes[0]! ^ 0xff;
    await writeFile(weights, bytes);

    const failure = await harness.client.workflow
      .execute<typeof retrainWorkflow>('retrainWorkflow', {
        workflowId: retrainWorkflowId(MODEL), taskQueue: harness.taskQueue, args: [{ modelName: MODEL, requestedBy: 'test' }],
      })
      .then(() => null, (err: Error) => err);
    const activityFailure = failure?.cause as Error & { activityType?: string; retryState?: string; cause?: Error & { type?: string } };
    expect(activityFailure?.activityType).toBe('evaluateChallenger');
    expect(activityFailure?.retryState).toBe('NON_RETRYABLE_FAILURE');
    expect(activityFailure?.cause?.type).toBe('CorruptArtifactError');
    expect(activityFailure?.cause?.message).toMatch(/weights\.bin has sha256 .* but MANIFEST\.sha256 records/);
    expect(webhook.received.filter((a) => a.event === 'retrain_failed').at(-1)?.summary).toMatch(/stage 'evaluating'.*weights\.bin/);
  });
});

describe('a file is streamed in; each bad row is rejected alone and every valid row is kept', () => {
  const FILE_MODEL = 'bad-files';
  const COLUMNS = ['event_time', 'x1', 'x2', 'x3', 'segment', 'label'];
  let dir: string;

  const csvLine = (row: Record<string, unknown>) => COLUMNS.map((column) => String(row[column])).join(',');
  const storedRows = async () =>
    Number((await harness.db.query<{ n: string }>('SELECT count(*) AS n FROM feature_rows WHERE model_name = $1', [FILE_MODEL])).rows[0]?.n);
  const batches = async () =>
    (await harness.db.query<{ accepted: number; rejected: number }>(
      'SELECT accepted, rejected FROM ingest_batches WHERE model_name = $1 ORDER BY created_at', [FILE_MODEL],
    )).rows;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'driftwatch-bad-files-'));
    await harness.registerModel(testModelConfig(FILE_MODEL, webhook.url));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('CSV: a short row, a long row, numbers that overflow and a NUL are rejected by row number and field; the other rows are stored', async () => {
    const rows = syntheticRows({ start: '2026-05-01T00:00:00Z', rows: 10, seed: 51 });
    const lines = rows.map(csvLine);
    lines[2] = lines[2]!.split(',').slice(0, 2).join(',');
    lines[4] = `${lines[4]},surplus`;
    lines[6] = csvLine({ ...rows[6], x2: '1e999' });
    lines[7] = csvLine({ ...rows[7], x3: '9'.repeat(400) });
    lines[8] = csvLine({ ...rows[8], label: 2 });
    lines[9] = csvLine({ ...rows[9], segment: 'a\u0000b' });
    const file = path.join(dir, 'rows.csv');
    await writeFile(file, `${COLUMNS.join(',')}\n${lines.join('\n')}\n`);

    const result = await ingestFile(harness.db, FILE_MODEL, file);
    expect(result.accepted).toBe(4);
    expect(result.rejected).toBe(6);
    expect(result.rejections.map((r) => [r.rowNumber, r.field])).toEqual([[3, 'x2'], [5, '(row)'], [7, 'x2'], [8, 'x3'], [9, 'label'], [10, 'segment']]);
    expect(result.rejections[0]?.reason).toBe('missing: the row has 2 field(s), the header 6');
    expect(result.rejections[2]?.reason).toMatch(/^number out of range: beyond/);
    expect(await storedRows()).toBe(4);
    expect((await batches()).at(-1)).toEqual({ accepted: 4, rejected: 6 });
    const stored = await harness.db.query<{ row_number: number; field: string; value: string }>(
      'SELECT row_number, field, value FROM ingest_rejections WHERE batch_id = $1 ORDER BY id', [result.batchId],
    );
    expect(stored.rows.map((r) => [r.row_number, r.field])).toEqual([[3, 'x2'], [5, '(row)'], [7, 'x2'], [8, 'x3'], [9, 'label'], [10, 'segment']]);
    // PostgreSQL text cannot hold the NUL that got the value refused, so it is stored escaped.
    expect(stored.rows.at(-1)?.value).toBe('a\\u0000b');
  });

  it('JSON lines: a line that is not JSON and a label that overflows are rejected; the other rows are stored', async () => {
    const before = await storedRows();
    const rows = syntheticRows({ start: '2026-05-02T00:00:00Z', rows: 4, seed: 52 });
    const lines = rows.map((row) => JSON.stringify(row));
    lines[1] = '{"event_time": "2026-05-02T01:00:00Z", "x1": ';
    lines[2] = lines[2]!.replace(/"label":\d/, '"label":1e999');
    const file = path.join(dir, 'rows.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);

    const result = await ingestFile(harness.db, FILE_MODEL, file);
    expect(result.rejections.map((r) => [r.rowNumber, r.field, r.reason])).toEqual([
      [2, '(row)', expect.stringMatching(/^not valid JSON: /)],
      [3, 'label', 'expected a finite number'],
    ]);
    expect(result.accepted).toBe(2);
    expect(await storedRows()).toBe(before + 2);
  });

  it('a file whose record boundaries are in doubt (a quote that never closes) stores nothing, says where, and leaves the store usable', async () => {
    const before = { rows: await storedRows(), batches: (await batches()).length };
    const rows = syntheticRows({ start: '2026-05-03T00:00:00Z', rows: 3, seed: 53 });
    const file = path.join(dir, 'unclosed.csv');
    await writeFile(file, `${COLUMNS.join(',')}\n${csvLine(rows[0]!)}\n${csvLine({ ...rows[1], segment: '"a' })}\n${csvLine(rows[2]!)}\n`);

    const failure = await ingestFile(harness.db, FILE_MODEL, file).then(() => null, (err: unknown) => err);
    expect(failure).toBeInstanceOf(CsvParseError);
    expect((failure as Error).message).toMatch(/^malformed CSV at line \d+: /);
    expect(await storedRows()).toBe(before.rows);
    expect((await batches()).length).toBe(before.batches);
    const retried = await ingestRows(harness.db, FILE_MODEL, [rows[0]!]);
    expect(retried.accepted).toBe(1);
  });

  it('a file with more rejections than are held at once keeps all of them, lists the first ones, and stores the rows in file order', async () => {
    const before = await storedRows();
    const rows = syntheticRows({ start: '2026-06-01T00:00:00Z', rows: 25_000, seed: 54 });
    const lines = rows.map((row, index) => csvLine(index % 2 === 1 ? { ...row, x1: 'bad' } : row));
    const file = path.join(dir, 'many.csv');
    await writeFile(file, `${COLUMNS.join(',')}\n${lines.join('\n')}\n`);

    const result = await ingestFile(harness.db, FILE_MODEL, file);
    expect({ accepted: result.accepted, rejected: result.rejected, problems: result.problems }).toEqual({ accepted: 12_500, rejected: 12_500, problems: 12_500 });
    expect(result.rejections).toHaveLength(MAX_REJECTIONS_LISTED);
    expect(result.rejections.at(-1)?.rowNumber).toBe(2 * MAX_REJECTIONS_LISTED);
    const stored = await harness.db.query<{ n: string }>('SELECT count(*) AS n FROM ingest_rejections WHERE batch_id = $1', [result.batchId]);
    expect(Number(stored.rows[0]?.n)).toBe(12_500);
    expect(await storedRows()).toBe(before + 12_500);
    const order = await harness.db.query<{ in_order: boolean }>(
      `SELECT bool_and(event_time > previous) AS in_order FROM (
         SELECT event_time, lag(event_time) OVER (ORDER BY id) AS previous FROM feature_rows WHERE batch_id = $1) t`,
      [result.batchId],
    );
    expect(order.rows[0]?.in_order).toBe(true);
  });

  it('without per-row foreign keys, a row still needs an ingest batch of its own model and one value per feature of that batch, and deleting a model deletes its rows', async () => {
    const insertRow = (model: string, batchId: string) => harness.db.query(
      `INSERT INTO feature_rows (model_name, event_time, label, batch_id) VALUES ($1, now(), NULL, $2)`, [model, batchId],
    );
    const { batchId } = await ingestRows(harness.db, FILE_MODEL, syntheticRows({ start: '2026-07-01T00:00:00Z', rows: 1, seed: 55 }));
    await expect(insertRow(FILE_MODEL, randomUUID())).rejects.toMatchObject({ code: '23503' });
    await expect(insertRow(MODEL, batchId)).rejects.toMatchObject({ code: '23503' });
    // The batch holds numeric features; a row without their values could not be read by name.
    await expect(insertRow(FILE_MODEL, batchId)).rejects.toMatchObject({ code: '23514', message: expect.stringMatching(/ingest batch .* has [1-9]\d* numeric and \d+ categorical feature\(s\), a row holds 0 and 0 value\(s\)/) });
    await expect(harness.db.query("UPDATE feature_rows SET model_name = $1 WHERE batch_id = $2", [MODEL, batchId])).rejects.toMatchObject({ code: '23503' });

    await harness.registerModel(testModelConfig('short-lived', webhook.url));
    await ingestRows(harness.db, 'short-lived', syntheticRows({ start: '2026-07-01T00:00:00Z', rows: 3, seed: 56 }));
    await harness.db.query('DELETE FROM models WHERE name = $1', ['short-lived']);
    const left = await harness.db.query<{ n: string }>("SELECT count(*) AS n FROM feature_rows WHERE model_name = 'short-lived'");
    expect(Number(left.rows[0]?.n)).toBe(0);
  });
});
