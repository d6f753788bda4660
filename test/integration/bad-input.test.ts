import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseModelConfig } from '../../src/config';
import { ingestRows } from '../../src/ingest/ingest';
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
