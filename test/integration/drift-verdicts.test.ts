/**
 * Drift verdicts are never lost, on the real monitor workflow, Temporal server and PostgreSQL: a
 * check whose result was lost after its report was written answers, on its retry, with that report's
 * verdict (and the monitor makes the same retrain request), and a check of a model with 10,000
 * features returns a result far below Temporal's 2 MB payload limit. No model is trained: the
 * champions are registered with a reference profile built here.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseModelConfig, type ModelConfig } from '../../src/config';
import { buildReferenceProfile, tableFromRows } from '../../src/drift';
import { mayHold } from '../../src/policy/drift-signature';
import { promoteCandidate, registerCandidate } from '../../src/store/registry';
import { trainModel, type ModelArtifact } from '../../src/training';
import type { monitorTickWorkflow } from '../../workflows/tick';
import { startHarness, type Harness } from './harness';

const LOST = 'lost-result';
const LOST_TICK = 'lost-tick';
const WIDE = 'wide';
const WIDE_FEATURES = 10_000;
const DAY = 86_400_000;

let harness: Harness;
let artifact: ModelArtifact;
const computeDriftAttempts: number[] = [];
const tickAttempts: number[] = [];

/** No labels: a retrain the drift starts fails at planning (not enough data) instead of training. */
function modelConfig(model: string, features: string[]): ModelConfig {
  return parseModelConfig(`
model: ${model}
task: binary_classification
label: label
performance: null
monitoring: { window: auto, windowRows: 30, minRows: 30 }
retrain: { cooldown: 0s }
features:
${features.map((name) => `  - { name: ${name}, kind: numeric }`).join('\n')}
`, `<${model}>`);
}

/** Daily rows from 2026-01-01; the second half of the features moves by `shift`. */
function rows(features: string[], first: number, count: number, shift: number, seed: number): Record<string, unknown>[] {
  let state = seed;
  const uniform = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  return Array.from({ length: count }, (_, i) => ({
    event_time: new Date(Date.UTC(2026, 0, 1) + (first + i) * DAY).toISOString(),
    ...Object.fromEntries(features.map((name, f) => [name, uniform() + (f >= features.length / 2 ? shift : 0)])),
  }));
}

/** Registers a champion whose drift reference is the given rows, as a promoted retrain would leave it. */
async function registerChampion(config: ModelConfig, referenceRows: Record<string, unknown>[]): Promise<void> {
  const retrainId = randomUUID();
  await harness.db.query(
    `INSERT INTO retrains (id, workflow_id, model_name, trigger, status) VALUES ($1, $2, $3, 'bootstrap', 'promoted')`,
    [retrainId, `retrain-${retrainId}`, config.model],
  );
  const version = await registerCandidate(harness.db, harness.artifacts, {
    modelName: config.model, retrainId, kind: 'tuned', workflowId: `retrain-${retrainId}`, task: 'binary_classification',
    backend: artifact.backend.name, hyperparameters: artifact.hyperparameters,
    trainingWindow: {
      asOfRowId: '0', from: '2026-01-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z', holdoutStart: null, trainingRows: 0, holdoutRows: 0,
    },
    referenceProfile: buildReferenceProfile(config.features, tableFromRows(referenceRows, config.features.map((f) => f.name))),
    // Never loaded: the checks do not score the champion (performance: null).
    artifact,
  });
  await promoteCandidate(harness.db, {
    modelName: config.model, version, retrainId, expectedChampion: null, decision: {}, workflowId: `retrain-${retrainId}`,
  });
}

beforeAll(async () => {
  harness = await startHarness('drift_verdicts', {
    overrideActivities: (real) => ({
      async computeDrift(input) {
        const result = await real.computeDrift(input);
        if (input.modelName !== LOST) return result;
        const { attempt } = Context.current().info;
        computeDriftAttempts.push(attempt);
        if (attempt === 1) throw new Error('simulated: the connection dropped after the drift report was written');
        return result;
      },
      async deliverMonitorTick(input) {
        const result = await real.deliverMonitorTick(input);
        const { attempt } = Context.current().info;
        tickAttempts.push(attempt);
        if (attempt === 1) throw new Error('simulated: the answer of the update was lost');
        return result;
      },
    }),
  });
  const training = rows(['x1', 'x2'], 0, 40, 0, 1);
  ({ artifact } = await trainModel({
    task: 'binary_classification', features: modelConfig(LOST, ['x1', 'x2']).features, rows: training,
    labels: training.map((_, i) => i % 2), seed: 1,
    hyperparameters: { hiddenLayers: 1, hiddenUnits: 4, learningRate: 0.01, epochs: 1, batchSize: 16, dropout: 0, l2: 0 },
  }));
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

it('a retried check whose result was lost answers with the verdict of the report it wrote, and the monitor retrains on it', async () => {
  const features = ['x1', 'x2', 'x3', 'x4'];
  const config = modelConfig(LOST, features);
  await harness.registerModel(config);
  const reference = rows(features, 0, 60, 0, 2);
  await registerChampion(config, reference);
  await harness.ingest(LOST, [...reference, ...rows(features, 60, 30, 3, 3)]);

  const check = await harness.checkDrift(LOST);
  expect(computeDriftAttempts).toEqual([1, 2]);
  expect(check).toMatchObject({ outcome: 'checked', verdict: 'drift', championVersion: 1, window: { rows: 30 } });
  expect(check.retrain).toMatchObject({ started: true, workflowId: `retrain-${LOST}`, reason: expect.stringMatching(/^drift: /) });
  const reports = await harness.db.query<{ id: string; verdict: string; check_id: string }>(
    'SELECT id, verdict, check_id FROM drift_reports WHERE model_name = $1', [LOST],
  );
  expect(reports.rows).toEqual([{ id: String(check.reportId), verdict: 'drift', check_id: expect.stringMatching(/^monitor-lost-result\//) }]);

  // A later check is another check: the same rows are unchanged.
  const again = await harness.checkDrift(LOST);
  expect(again).toMatchObject({ outcome: 'unchanged', reportId: check.reportId });
});

it('a retried schedule tick gets the answer of the check it asked for, not a second check', async () => {
  const features = ['x1', 'x2'];
  const config = modelConfig(LOST_TICK, features);
  await harness.registerModel(config);
  const reference = rows(features, 0, 60, 0, 6);
  await registerChampion(config, reference);
  await harness.ingest(LOST_TICK, [...reference, ...rows(features, 60, 30, 3, 7)]);

  const tick = await harness.client.workflow.execute<typeof monitorTickWorkflow>('monitorTickWorkflow', {
    taskQueue: harness.taskQueue, workflowId: `tick-${LOST_TICK}-test`, args: [{ modelName: LOST_TICK }],
  });
  expect(tickAttempts).toEqual([1, 2]);
  expect(tick).toMatchObject({ outcome: 'checked', verdict: 'drift', retrain: { started: true } });
  const reports = await harness.db.query('SELECT id FROM drift_reports WHERE model_name = $1', [LOST_TICK]);
  expect(reports.rows).toEqual([{ id: String(tick.reportId) }]);
});

it(`a check of a model with ${WIDE_FEATURES} features returns a bounded result through the real monitor`, async () => {
  const features = Array.from({ length: WIDE_FEATURES }, (_, i) => `f${String(i).padStart(5, '0')}`);
  const config = modelConfig(WIDE, features);
  await harness.registerModel(config);
  const reference = rows(features, 0, 40, 0, 4);
  await registerChampion(config, reference);
  await harness.ingest(WIDE, [...reference, ...rows(features, 40, 30, 3, 5)]);

  const check = await harness.checkDrift(WIDE);
  expect(check).toMatchObject({ outcome: 'checked', verdict: 'drift' });
  expect(JSON.stringify(check).length).toBeLessThan(100_000);
  expect(check.features).toHaveLength(50);
  expect(check.features.every((f) => f.drifted)).toBe(true);
  expect(check.featureCounts).toMatchObject({ total: WIDE_FEATURES, byStatus: { ok: WIDE_FEATURES } });
  expect(check.featureCounts!.drifted).toBeGreaterThanOrEqual(WIDE_FEATURES / 2);
  // The report holds every feature; the result's signature every drifted one.
  const report = await harness.db.query<{ features: Array<{ feature: string; drifted: boolean }> }>(
    'SELECT features FROM drift_reports WHERE id = $1', [check.reportId],
  );
  const drifted = report.rows[0]!.features.filter((f) => f.drifted).map((f) => f.feature);
  expect(report.rows[0]!.features).toHaveLength(WIDE_FEATURES);
  expect(drifted).toHaveLength(check.featureCounts!.drifted);
  expect(drifted.every((name) => mayHold(check.driftSignature!, name))).toBe(true);
}, 180_000);
