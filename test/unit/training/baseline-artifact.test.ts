import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalArtifactStore } from '../../../src/store/artifacts';
import { type BaselineModel, type FeatureInput, fitBaseline, linearBaselineArtifact, predict, predictBaseline } from '../../../src/training';
import { baselineFixtureCases } from '../../fixtures/baselines/cases';

// Both compute in float32 from the same float32 inputs; the network's weights are float32 too.
const TOLERANCE = 1e-5;

/** The largest difference between the served artifact's predictions and predictBaseline's, relative to the predictions' scale for regression. */
async function servedDifference(baseline: BaselineModel, rows: Array<Record<string, unknown>>): Promise<number> {
  const served = await predict(await linearBaselineArtifact(baseline), rows);
  const expected = predictBaseline(baseline, rows, 'linear');
  expect(served).toHaveLength(expected.length);
  const scale = baseline.task === 'regression' ? Math.max(1, ...Array.from(expected, Math.abs)) : 1;
  return Math.max(...Array.from(expected, (value, i) => Math.abs(value - served[i]!))) / scale;
}

describe('linearBaselineArtifact', () => {
  it.each(baselineFixtureCases.map((c) => [c.name, c] as const))('predicts as predictBaseline: %s', async (_, c) => {
    const baseline = await fitBaseline({ task: c.task, features: c.features, rows: c.trainRows, labels: c.trainLabels });
    expect(await servedDifference(baseline, c.testRows)).toBeLessThan(TOLERANCE);
  });

  it('covers a binary fit and a multinomial one, and a two-class fit of a multiclass task whose class 1 never occurs', async () => {
    const links = await Promise.all(baselineFixtureCases.map(async (c) =>
      [c.name, (await fitBaseline({ task: c.task, features: c.features, rows: c.trainRows, labels: c.trainLabels })).linear.link]));
    expect(Object.fromEntries(links)).toMatchObject({
      'binary, balanced-ish': 'sigmoid', 'multiclass, 3 classes': 'softmax', 'multiclass, class 1 absent': 'sigmoid', regression: 'identity',
    });
  });

  it('serves a constant model (one class in training) with that class at probability 1', async () => {
    const features: FeatureInput[] = [{ name: 'x', kind: 'numeric' }];
    const rows = [{ x: 1 }, { x: 2 }, { x: 3e6 }];
    for (const [task, labels] of [
      ['binary_classification', [0, 0, 0]],
      ['binary_classification', [1, 1, 1]],
      ['multiclass_classification', [2, 2, 2]],
    ] as const) {
      const baseline = await fitBaseline({ task, features, rows, labels });
      expect(baseline.linear.link).toBe('constant');
      const served = await predict(await linearBaselineArtifact(baseline), rows);
      expect(Array.from(served)).toEqual(Array.from(predictBaseline(baseline, rows, 'linear')));
    }
  });

  it('records what it is, and loads back from the artifact store predicting the same', async () => {
    const c = baselineFixtureCases.find((x) => x.task === 'multiclass_classification')!;
    const baseline = await fitBaseline({ task: c.task, features: c.features, rows: c.trainRows, labels: c.trainLabels });
    const artifact = await linearBaselineArtifact(baseline);
    expect(artifact).toMatchObject({
      task: c.task, classCount: baseline.classCount, epochsTrained: 0, preprocessor: baseline.preprocessor,
      hyperparameters: { model: 'linear_baseline', C: 1, iterations: baseline.linear.iterations, converged: true },
    });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'driftwatch-baseline-artifact-'));
    try {
      const store = createLocalArtifactStore(dir);
      const saved = await store.saveModelVersion('linear', 1, artifact);
      const loaded = await store.loadModelVersion(saved.uri, saved.sha256);
      expect(Array.from(await predict(loaded, c.testRows))).toEqual(Array.from(await predict(artifact, c.testRows)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses features that produce no model inputs', async () => {
    const baseline = await fitBaseline({
      task: 'binary_classification', features: [{ name: 'segment', kind: 'categorical' }], rows: [{}, {}], labels: [0, 1],
    });
    await expect(linearBaselineArtifact(baseline)).rejects.toThrow(/no model inputs/);
  });
});
