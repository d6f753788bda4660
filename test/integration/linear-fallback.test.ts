/**
 * qualityGate.linearFallback on the real services: a tuned challenger that scores below the linear
 * baseline is rejected, and the baseline, registered as a version of its own, is evaluated and promoted
 * in its place; it serves the predictions of the baseline the quality gate fitted, and registering it
 * again (an activity retry) returns the same version.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTrainingActivities } from '../../activities/training';
import { parseModelConfig, type ModelConfig } from '../../src/config';
import { readSplit, type DataSplit } from '../../src/store/feature-store';
import { getChampionReference, getVersionArtifact, listVersions } from '../../src/store/registry';
import { fitBaseline, predict, predictBaseline } from '../../src/training';
import { listRetrains } from '../../src/store/retrains';
import { recordingHistories, saveHistories } from '../replay/record';
import { startHarness, startWebhookReceiver, testModelYaml, type Harness, type WebhookReceiver } from './harness';
import { syntheticMulticlassRows, syntheticRows } from './synthetic';

// One trial of a network trained for one epoch at a negligible learning rate: it stays near its random
// start, far below a logistic regression on data drawn from a logistic model.
const UNDERTRAINED_TUNING = `
  trials: 1
  parallelism: 1
  warmStartRuns: 0
  space:
    hiddenLayers: { type: categorical, choices: [1] }
    hiddenUnits: { type: categorical, choices: [4] }
    learningRate: { type: categorical, choices: [0.00001] }
    epochs: { type: categorical, choices: [1] }
    dropout: { type: categorical, choices: [0] }`;

let harness: Harness;
let receiver: WebhookReceiver;

beforeAll(async () => {
  harness = await startHarness('linear_fallback');
  receiver = await startWebhookReceiver();
});

afterAll(async () => {
  // The loop test keeps the fallback off: this bootstrap is the replay test's history of the fallback path.
  if (recordingHistories()) {
    const [retrain] = await listRetrains(harness.db, 'fallback-binary');
    await saveHistories([{ name: 'retrain-linear-fallback', handle: harness.client.workflow.getHandle(retrain!.workflowId, retrain!.id) }]);
  }
  await harness?.close();
  await receiver?.close();
});

async function registerUndertrained(model: string, task: 'binary_classification' | 'multiclass_classification'): Promise<ModelConfig> {
  const yaml = testModelYaml(model, { task, tuning: UNDERTRAINED_TUNING, webhooks: [receiver.url], linearFallback: true });
  const config = parseModelConfig(yaml, `<${model}>`);
  await harness.registerModel(config);
  return config;
}

/** The retrain's id and split, as its plan recorded them. */
async function onlyRetrainOf(model: string): Promise<{ retrainId: string; split: DataSplit }> {
  const retrains = await harness.db.query<{ id: string; plan: { split: DataSplit } }>('SELECT id, plan FROM retrains WHERE model_name = $1', [model]);
  expect(retrains.rows).toHaveLength(1);
  return { retrainId: retrains.rows[0]!.id, split: retrains.rows[0]!.plan.split };
}

/** The largest difference between what the version serves on the holdout and predictBaseline of a baseline fitted on the training rows. */
async function servedAgainstBaseline(config: ModelConfig, version: number, split: DataSplit): Promise<number> {
  const training = await readSplit(harness.db, config.model, split, 'training');
  const holdoutRows = (await readSplit(harness.db, config.model, split, 'holdout')).map((r) => r.features);
  const baseline = await fitBaseline({
    task: config.task, features: config.features, rows: training.map((r) => r.features), labels: training.map((r) => r.label as number),
  });
  const served = await predict(await getVersionArtifact(harness.db, harness.artifacts, config.model, version), holdoutRows);
  const expected = predictBaseline(baseline, holdoutRows, 'linear');
  expect(served).toHaveLength(expected.length);
  return Math.max(...Array.from(expected, (p, i) => Math.abs(p - served[i]!)));
}

it('promotes the linear baseline in place of a tuned challenger below it, and serves the baseline\'s predictions', async () => {
  const model = 'fallback-binary';
  const config = await registerUndertrained(model, 'binary_classification');
  await harness.ingest(model, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 600, seed: 41 }));

  const result = await harness.bootstrap(model);
  expect(result).toMatchObject({ outcome: 'promoted', challengerVersion: 2, fallback: { from: 1 }, qualityGate: { passed: true } });
  expect(result.fallback!.reason).toMatch(/^challenger v1 scored below the linear baseline on log_loss \((\d|\.)+ vs (\d|\.)+\)/);
  expect(result.reason.startsWith(result.fallback!.reason)).toBe(true);

  const versions = await listVersions(harness.db, model);
  expect(versions.map((v) => [v.version, v.status])).toEqual([[1, 'rejected'], [2, 'champion']]);
  expect(versions[0]!.decision).toMatchObject({ promote: false, reasons: expect.arrayContaining([result.fallback!.reason]) });
  expect(versions[1]!.hyperparameters).toEqual({ model: 'linear_baseline', C: 1, iterations: expect.any(Number), converged: true });
  // Scored on the holdout, the candidate is the baseline the gate measured.
  const metrics = versions[1]!.metrics as { holdout: { log_loss: number }; baselines: { linear: { log_loss: number } } };
  expect(metrics.holdout.log_loss).toBeCloseTo(metrics.baselines.linear.log_loss, 5);
  // As the drift reference it brings its training window, like any promoted challenger.
  expect(Object.keys((await getChampionReference(harness.db, model))!.referenceProfile.features).sort()).toEqual(['segment', 'x1', 'x2', 'x3']);
  expect(receiver.received.find((a) => a.event === 'model_promoted' && a.model === model)?.summary)
    .toContain('the linear baseline was evaluated in its place');

  const { retrainId, split } = await onlyRetrainOf(model);
  expect(await servedAgainstBaseline(config, 2, split)).toBeLessThan(1e-5);

  // A retried registration finds the version it made.
  const activities = createTrainingActivities({ db: harness.db, artifacts: harness.artifacts });
  const again = await new MockActivityEnvironment().run(activities.registerLinearBaselineCandidate, { retrainId, modelName: model, split });
  expect(again).toMatchObject({ version: 2, epochsTrained: 0, resumedFromEpoch: null });
  expect(await listVersions(harness.db, model)).toHaveLength(2);
});

it('serves a multinomial baseline over every class when it stands in for a three-class challenger', async () => {
  const model = 'fallback-multiclass';
  const config = await registerUndertrained(model, 'multiclass_classification');
  await harness.ingest(model, syntheticMulticlassRows({ start: '2026-01-01T00:00:00Z', rows: 600, seed: 43 }));

  const result = await harness.bootstrap(model);
  expect(result).toMatchObject({ outcome: 'promoted', challengerVersion: 2, fallback: { from: 1 } });
  const { split } = await onlyRetrainOf(model);
  expect(await servedAgainstBaseline(config, 2, split)).toBeLessThan(1e-5);
});
