/**
 * Decisions of the retrain that must not be fooled: a challenger that predicts one constant class
 * fails the quality gate (and is reported as failed training, not as "not better"), and the default
 * rule does not promote a challenger whose improvement interval includes 0.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseModelConfig } from '../../src/config';
import { listVersions } from '../../src/store/registry';
import { createRng } from '../../src/tuning/random';
import { retrainWorkflowId, type RetrainResult } from '../../workflows/definitions';
import { LOCAL_RECEIVER_POLICY, startHarness, startWebhookReceiver, testModelYaml, type Harness, type WebhookReceiver } from './harness';
import { syntheticRows } from './synthetic';

let harness: Harness;
let receiver: WebhookReceiver;

beforeAll(async () => {
  harness = await startHarness('retrain_trust');
  receiver = await startWebhookReceiver();
});

afterAll(async () => {
  await harness?.close();
  await receiver?.close();
});

function manualRetrain(model: string): Promise<RetrainResult> {
  return harness.client.workflow.execute('retrainWorkflow', {
    workflowId: retrainWorkflowId(model), taskQueue: harness.taskQueue,
    args: [{ modelName: model, trigger: 'manual', requestedBy: 'test', reason: 'fresh labels' }],
  });
}

it('a challenger that predicts a constant class fails the quality gate; the alert says training failed', async () => {
  const model = 'constant-challenger';
  // The only input never varies, so the network can only learn its output bias: one class for every row.
  await harness.registerModel(parseModelConfig(`
model: ${model}
task: binary_classification
label: label
features:
  - { name: x, kind: numeric }
retrain: { minTrainingRows: 100 }
tuning:
  trials: 2
  parallelism: 2
alerts:
  - { type: webhook, url: ${receiver.url}, ${LOCAL_RECEIVER_POLICY} }
`, '<constant>'));
  const rng = createRng(5);
  await harness.ingest(model, Array.from({ length: 600 }, (_, i) => ({
    event_time: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString(), x: 1, label: rng() < 0.6 ? 1 : 0,
  })));

  const result = await harness.bootstrap(model);
  expect(result.outcome).toBe('failed_quality_gate');
  expect(result.qualityGate?.passed).toBe(false);
  const failed = result.qualityGate!.checks.filter((check) => !check.passed).map((check) => check.name);
  expect(failed).toContain('not_constant');
  expect(result.reason).toMatch(/quality gate/);
  // The linear baseline evaluated in its place cannot do better on that input: it fails the gate too.
  expect(result.fallback?.from).toBe(1);

  // Both registered for the record, never champion.
  const versions = await listVersions(harness.db, model);
  expect(versions.map((v) => [v.version, v.status])).toEqual([[1, 'rejected'], [2, 'rejected']]);
  const alert = receiver.received.find((a) => a.event === 'retrain_failed' && a.model === model);
  expect(alert?.summary).toMatch(/failed the quality gate/);
});

it('the default rule does not promote a challenger whose improvement interval includes 0', async () => {
  const model = 'noise-promotion';
  await harness.registerModel(parseModelConfig(testModelYaml(model, { webhooks: [receiver.url] }), '<noise>'));
  // One stationary stream: the challenger has nothing to learn that the champion did not.
  const stream = syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 1680, seed: 31 });
  await harness.ingest(model, stream.slice(0, 960));
  expect((await harness.bootstrap(model)).outcome).toBe('promoted');
  await harness.ingest(model, stream.slice(960));

  const result = await manualRetrain(model);
  expect(result.outcome).toBe('rejected');
  expect(result.qualityGate?.passed).toBe(true);
  const { decision } = result;
  expect(decision).toMatchObject({ metric: 'log_loss', requireConfidentImprovement: true, promote: false });
  expect(decision!.bootstrap!.lower).toBeLessThanOrEqual(0);
  expect(decision!.bootstrap!.upper).toBeGreaterThanOrEqual(0);
  expect(decision!.reasons.join('\n')).toMatch(/lower bound -?\d\.\d{4} does not reach the required 0/);
});
