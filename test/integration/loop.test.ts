import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listVersions } from '../../src/store/registry';
import { listRetrains } from '../../src/store/retrains';
import { monitorStatusQuery, monitorWorkflowId, retrainWorkflowId, type RetrainResult } from '../../workflows/definitions';
import { startHarness, startWebhookReceiver, testModelConfig, type Harness, type WebhookReceiver } from './harness';
import { recordingHistories, saveHistories } from '../replay/record';
import { syntheticRows } from './synthetic';

const MODEL = 'loop';
let harness: Harness;
let webhook: WebhookReceiver;

beforeAll(async () => {
  harness = await startHarness('loop');
  webhook = await startWebhookReceiver();
  await harness.registerModel(testModelConfig(MODEL, webhook.url));
});

afterAll(async () => {
  if (recordingHistories()) await recordHistories();
  await harness?.close();
  await webhook?.close();
});

/** Saves this run's workflow histories for the replay test (see test/replay/README.md). */
async function recordHistories(): Promise<void> {
  const retrains = await listRetrains(harness.db, MODEL);
  await saveHistories([
    { name: 'monitor', handle: harness.client.workflow.getHandle(monitorWorkflowId(MODEL)) },
    ...retrains.map((r) => ({ name: `retrain-${r.trigger}`, handle: harness.client.workflow.getHandle(r.workflowId, r.id) })),
  ]);
}

describe('the whole loop on a real Temporal server and PostgreSQL', () => {
  it('bootstraps v1, ignores a window like the reference, and retrains once on drift, promoting a better challenger', async () => {
    // Reference period: 40 days of hourly rows.
    await harness.ingest(MODEL, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 960, seed: 1 }));
    const bootstrap = await harness.bootstrap(MODEL);
    expect(bootstrap.outcome).toBe('promoted');
    expect(bootstrap.challengerVersion).toBe(1);
    expect(['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu']).toContain(bootstrap.backend);
    // The reference is the whole 30-day training window (721 hourly rows, holdout included);
    // numeric values live beside the JSON profile.
    const stored = await harness.db.query<{ feature: string; bytes: number }>(
      'SELECT feature, length(sorted_values) AS bytes FROM reference_values WHERE model_name = $1 AND version = 1 ORDER BY feature',
      [MODEL],
    );
    expect(stored.rows).toEqual(['x1', 'x2', 'x3'].map((feature) => ({ feature, bytes: 721 * 8 })));

    // A window drawn from the same process: no drift, no retrain.
    await harness.ingest(MODEL, syntheticRows({ start: '2026-02-10T00:00:00Z', rows: 480, seed: 2 }));
    const calm = await harness.checkDrift(MODEL);
    expect(calm.outcome).toBe('checked');
    expect(calm.datasetDrift).toBe(false);
    expect(calm.retrain.started).toBe(false);
    expect(calm.features.every((f) => f.status === 'ok')).toBe(true);

    // Covariate shift and a new concept: drift, exactly one retrain, and a better challenger.
    await harness.ingest(MODEL, syntheticRows({ start: '2026-03-01T00:00:00Z', rows: 720, seed: 3, shift: 2.5, weights: [-2, 1.5, 2] }));
    const drifted = await harness.checkDrift(MODEL);
    expect(drifted.datasetDrift).toBe(true);
    expect(drifted.features.find((f) => f.feature === 'x1')?.drifted).toBe(true);
    expect(drifted.retrain.started).toBe(true);
    expect(drifted.retrain.workflowId).toBe(retrainWorkflowId(MODEL));

    const retrain: RetrainResult = await harness.client.workflow.getHandle(retrainWorkflowId(MODEL)).result();
    expect(retrain.outcome, retrain.reason).toBe('promoted');
    expect(retrain.challengerVersion).toBe(2);
    expect(retrain.trials).toHaveLength(2);
    expect(retrain.decision?.improvement).toBeGreaterThan(0);

    const versions = await listVersions(harness.db, MODEL);
    expect(versions.map((v) => [v.version, v.status])).toEqual([[1, 'archived'], [2, 'champion']]);
    const retrains = await listRetrains(harness.db, MODEL);
    expect(retrains.map((r) => [r.trigger, r.status])).toEqual([['bootstrap', 'promoted'], ['drift', 'promoted']]);

    // The same window checked again against the new champion's reference is a new report, and the
    // cooldown stops a second retrain even if it still drifts.
    const after = await harness.checkDrift(MODEL);
    expect(after.retrain.started).toBe(false);
    const status = await harness.client.workflow.getHandle(monitorWorkflowId(MODEL)).query(monitorStatusQuery);
    expect(status.checks).toBe(3);
    expect(status.lastRetrain?.trigger).toBe('drift');

    const events = webhook.received.map((a) => a.event);
    expect(events.filter((e) => e === 'model_promoted')).toHaveLength(2);
    expect(events).toContain('drift_detected');
  });
});
