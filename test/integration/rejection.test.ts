import { afterAll, beforeAll, expect, it } from 'vitest';
import { listVersions } from '../../src/store/registry';
import { forceRetrainUpdate, monitorWorkflowId, retrainWorkflowId, type RetrainResult } from '../../workflows/definitions';
import { startHarness, startWebhookReceiver, testModelConfig, type Harness, type WebhookReceiver } from './harness';
import { syntheticRows } from './synthetic';

const MODEL = 'rejection';
const DEAD_WEBHOOK = 'http://127.0.0.1:9/unreachable';
let harness: Harness;
let flaky: WebhookReceiver;

beforeAll(async () => {
  harness = await startHarness('rejection');
  // Answers 500 twice before accepting: the delivery activity's retries must get the alert through.
  flaky = await startWebhookReceiver({ failFirst: 2 });
  await harness.registerModel(testModelConfig(MODEL, flaky.url, { extraWebhooks: [DEAD_WEBHOOK] }));
});

afterAll(async () => {
  await harness?.close();
  await flaky?.close();
});

it('fails a challenger that learned noise at the quality gate, keeps the champion, and alerts even through a failing webhook', async () => {
  await harness.ingest(MODEL, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 960, seed: 11 }));
  expect((await harness.bootstrap(MODEL)).outcome).toBe('promoted');

  // The next 30 days: 22.5 days of labels that are pure noise (training data), then 7.5 clean days,
  // which are exactly the holdout (25%). The challenger learns noise; the champion knows the concept.
  await harness.ingest(MODEL, syntheticRows({ start: '2026-02-10T00:00:00Z', rows: 540, seed: 12, labelNoise: 1 }));
  await harness.ingest(MODEL, syntheticRows({ start: '2026-03-04T12:00:00Z', rows: 180, seed: 13 }));

  const monitor = await harness.checkDrift(MODEL);
  expect(monitor.outcome).toBe('checked');
  const started = await harness.client.workflow.getHandle(monitorWorkflowId(MODEL)).executeUpdate(forceRetrainUpdate, {
    args: [{ requestedBy: 'on-call', reason: 'test a manual retrain' }],
  });
  expect(started).toMatchObject({ started: true, workflowId: retrainWorkflowId(MODEL) });

  const result: RetrainResult = await harness.client.workflow.getHandle(retrainWorkflowId(MODEL)).result();
  // Trained on noise, it is broken, not merely worse: training failed, and the alert says so.
  expect(result.outcome).toBe('failed_quality_gate');
  expect(result.decision?.promote).toBe(false);
  expect(result.decision?.improvement).toBeLessThan(0);
  expect(result.metrics?.champion?.roc_auc).toBeGreaterThan(result.metrics!.challenger.roc_auc!);
  expect(result.qualityGate?.passed).toBe(false);

  const versions = await listVersions(harness.db, MODEL);
  expect(versions.map((v) => [v.version, v.status])).toEqual([[1, 'champion'], [2, 'rejected']]);
  expect(versions[1]?.decision).toMatchObject({ promote: false, metric: 'log_loss', qualityGate: { passed: false } });

  const failedAlerts = flaky.received.filter((a) => a.event === 'retrain_failed');
  expect(failedAlerts).toHaveLength(1);
  expect(failedAlerts[0]?.summary).toContain('failed the quality gate');
  expect(failedAlerts[0]?.summary).toContain('v1 kept');

  // The dead route failed every attempt, was recorded, and did not fail the retrain.
  const dead = await harness.db.query<{ status: string; attempts: number; last_error: string }>(
    `SELECT status, attempts, last_error FROM alert_deliveries WHERE target = $1 AND event = 'retrain_failed'`,
    [DEAD_WEBHOOK],
  );
  expect(dead.rows[0]?.status).toBe('failing');
  expect(dead.rows[0]?.attempts).toBe(5);
  const flakyRow = await harness.db.query<{ status: string; attempts: number }>(
    `SELECT status, attempts FROM alert_deliveries WHERE target = $1 AND event = 'retrain_failed'`,
    [flaky.url],
  );
  expect(flakyRow.rows[0]?.status).toBe('delivered');
});
