import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseModelConfig } from '../../src/config';
import { ingestRows } from '../../src/ingest/ingest';
import { listVersions } from '../../src/store/registry';
import { retrainWorkflowId, type RetrainResult } from '../../workflows/definitions';
import { startHarness, testModelYaml, type Harness } from './harness';
import { syntheticMulticlassRows } from './synthetic';

const MODEL = 'multiclass';
const CLASSES = 3;
let harness: Harness;


beforeAll(async () => {
  harness = await startHarness('multiclass');
  await harness.registerModel(parseModelConfig(testModelYaml(MODEL, { task: 'multiclass_classification' }), `<test ${MODEL}>`));
});

afterAll(async () => {
  await harness?.close();
});

it('ingests class indices, bootstraps a three-class champion well above chance, and decides on a retrain after drift', async () => {
  // Ingestion keeps the good rows of a batch and names the row and field of a label that is no class index.
  const mixed = await ingestRows(
    harness.db,
    MODEL,
    [
      { event_time: '2025-12-31T00:00:00Z', x1: 0, x2: 0, x3: 0, segment: 'a', label: '2' },
      { event_time: '2025-12-31T01:00:00Z', x1: 0, x2: 0, x3: 0, segment: 'a', label: 'high' },
      { event_time: '2025-12-31T02:00:00Z', x1: 0, x2: 0, x3: 0, segment: 'b', label: -1 },
    ],
    { source: 'test' },
  );
  expect(mixed.rejections).toEqual([
    expect.objectContaining({ rowNumber: 2, field: 'label', value: 'high', reason: expect.stringContaining('class index') }),
    expect.objectContaining({ rowNumber: 3, field: 'label', value: '-1', reason: expect.stringContaining('non-negative integer') }),
  ]);

  // Reference period: 40 days of hourly rows, labels 0, 1 and 2.
  await harness.ingest(MODEL, syntheticMulticlassRows({ start: '2026-01-01T00:00:00Z', rows: 960, seed: 21 }));
  const bootstrap = await harness.bootstrap(MODEL);
  expect(bootstrap.outcome, bootstrap.reason).toBe('promoted');
  expect(bootstrap.challengerVersion).toBe(1);
  expect(bootstrap.decision?.metric).toBe('log_loss');

  const [v1] = await listVersions(harness.db, MODEL);
  expect(v1?.status).toBe('champion');
  const holdout = (v1?.metrics as { holdout: Record<string, number> } | null)?.holdout;
  expect(Object.keys(holdout ?? {}).sort()).toEqual(['accuracy', 'f1', 'log_loss', 'roc_auc']);
  expect(holdout?.accuracy).toBeGreaterThan(1 / CLASSES + 0.2);
  expect(holdout?.roc_auc).toBeGreaterThan(0.75);
  // Uniform guessing over three classes scores ln 3 ≈ 1.0986.
  expect(holdout?.log_loss).toBeLessThan(Math.log(CLASSES));

  // Covariate shift of x1, a new concept (classes 0 and 2 swap their regions) and a new class 3,
  // which the champion has never seen: both models are still compared over all four classes.
  await harness.ingest(
    MODEL,
    syntheticMulticlassRows({
      start: '2026-02-10T00:00:00Z', rows: 720, seed: 22, shift: 2.5,
      classWeights: [[-1.25, -2.2, 0.5], [-1.25, 2.2, 0], [2.5, 0, 0], [0, 0, 2.5]],
    }),
  );
  const drifted = await harness.checkDrift(MODEL);
  expect(drifted.outcome).toBe('checked');
  expect(drifted.datasetDrift).toBe(true);
  expect(drifted.features.find((f) => f.feature === 'x1')?.drifted).toBe(true);
  expect(drifted.retrain.started).toBe(true);

  const retrain: RetrainResult = await harness.client.workflow.getHandle(retrainWorkflowId(MODEL)).result();
  expect(['promoted', 'rejected']).toContain(retrain.outcome);
  expect(retrain.challengerVersion).toBe(2);
  expect(retrain.decision?.metric).toBe('log_loss');
  expect(retrain.decision?.reasons.length).toBeGreaterThan(0);
  expect(retrain.decision?.promote).toBe(retrain.outcome === 'promoted');
  expect(retrain.metrics?.champion).not.toBeNull();
  expect(retrain.metrics?.challenger.log_loss).toBeLessThan(retrain.metrics!.champion!.log_loss!);

  const versions = await listVersions(harness.db, MODEL);
  expect(versions.map((v) => v.version)).toEqual([1, 2]);
  expect(versions[1]?.status).toBe(retrain.outcome === 'promoted' ? 'champion' : 'rejected');
});
