import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactVersionConflictError, type ArtifactStore, MANIFEST_FILE, createLocalArtifactStore } from '../../../src/store/artifacts';
import { CorruptArtifactError } from '../../../src/errors';
import {
  DEFAULT_HYPERPARAMETERS,
  type FeatureInput,
  type ModelArtifact,
  initTensorflow,
  predict,
  trainModel,
} from '../../../src/training';
import { createRng } from '../../../src/tuning';

function sampleArtifact(weights: Buffer = randomBytes(4096)): ModelArtifact {
  return {
    formatVersion: 1,
    task: 'regression',
    preprocessor: {
      formatVersion: 1,
      features: [{ name: 'x', kind: 'numeric', mean: 1.5, std: 0.25 }],
      width: 1,
    } as unknown as ModelArtifact['preprocessor'],
    modelTopology: { class_name: 'Sequential', config: { name: 'sequential_1', layers: [{ class_name: 'Dense' }] } },
    weightSpecs: [{ name: 'dense/kernel', shape: [1, 32], dtype: 'float32' }],
    weightDataBase64: weights.toString('base64'),
    backend: { name: 'cpu', version: '4.22.0' } as unknown as ModelArtifact['backend'],
    hyperparameters: { hiddenLayers: 1, hiddenUnits: 32, learningRate: 0.001, epochs: 10, batchSize: 64, dropout: 0, l2: 0 },
    epochsTrained: 7,
    labelMean: 12.5,
    labelStd: 3.25,
  };
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

let root: string;
let store: ArtifactStore;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'driftwatch-artifacts-'));
  store = createLocalArtifactStore(root);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function corruptionOf(promise: Promise<unknown>): Promise<CorruptArtifactError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(CorruptArtifactError);
  return error as CorruptArtifactError;
}

describe('model versions', () => {
  it('round-trips an artifact with identical weight bytes, in one folder per version', async () => {
    const weights = randomBytes(10_000);
    const artifact = { ...sampleArtifact(weights), classCount: 2 } as ModelArtifact;
    const saved = await store.saveModelVersion('churn', 3, artifact);

    const dir = path.join(root, 'churn', 'v3');
    expect(saved.uri).toBe(`file://${dir}`);
    expect(saved.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await readdir(dir)).sort()).toEqual([MANIFEST_FILE, 'metadata.json', 'model.json', 'preprocessing.json', 'weights.bin']);
    expect((await readFile(path.join(dir, 'weights.bin'))).equals(weights)).toBe(true);
    const metadata = JSON.parse(await readFile(path.join(dir, 'metadata.json'), 'utf8'));
    expect(metadata).toMatchObject({ task: 'regression', labelMean: 12.5, labelStd: 3.25, epochsTrained: 7, classCount: 2 });

    const loaded = await store.loadModelVersion(saved.uri, saved.sha256);
    expect(loaded).toEqual(artifact);
    expect(Buffer.from(loaded.weightDataBase64, 'base64').equals(weights)).toBe(true);
  });

  it('writes a manifest that sha256sum -c accepts', async (context) => {
    if (spawnSync('sha256sum', ['--version']).status !== 0) context.skip();
    const saved = await store.saveModelVersion('churn', 1, sampleArtifact());
    const check = spawnSync('sha256sum', ['-c', MANIFEST_FILE], { cwd: fileURLToPath(saved.uri), encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(check.stdout.trim().split('\n')).toEqual(['metadata.json: OK', 'model.json: OK', 'preprocessing.json: OK', 'weights.bin: OK']);
  });

  it('refuses a flipped byte in weights.bin, naming the file, the uri and what to do', async () => {
    const saved = await store.saveModelVersion('churn', 1, sampleArtifact());
    const file = path.join(fileURLToPath(saved.uri), 'weights.bin');
    const bytes = await readFile(file);
    bytes[100] = bytes[100]! ^ 0x01;
    await writeFile(file, bytes);

    const error = await corruptionOf(store.loadModelVersion(saved.uri, saved.sha256));
    expect(error.name).toBe('CorruptArtifactError');
    expect(error.message).toContain('weights.bin');
    expect(error.message).toContain(saved.uri);
    expect(error.message).toMatch(/restore the folder .* or retrain/);
  });

  it('refuses a deleted file', async () => {
    const saved = await store.saveModelVersion('churn', 1, sampleArtifact());
    await unlink(path.join(fileURLToPath(saved.uri), 'preprocessing.json'));
    const error = await corruptionOf(store.loadModelVersion(saved.uri, saved.sha256));
    expect(error.message).toContain('preprocessing.json is missing');
  });

  it('refuses a deleted folder', async () => {
    const saved = await store.saveModelVersion('churn', 1, sampleArtifact());
    await rm(fileURLToPath(saved.uri), { recursive: true });
    const error = await corruptionOf(store.loadModelVersion(saved.uri, saved.sha256));
    expect(error.message).toContain('the folder does not exist');
  });

  it('refuses a deleted manifest', async () => {
    const saved = await store.saveModelVersion('churn', 1, sampleArtifact());
    await unlink(path.join(fileURLToPath(saved.uri), MANIFEST_FILE));
    const error = await corruptionOf(store.loadModelVersion(saved.uri, saved.sha256));
    expect(error.message).toContain(`${MANIFEST_FILE} is missing`);
    // A retried save does not paper over it either.
    await corruptionOf(store.saveModelVersion('churn', 1, sampleArtifact()));
  });

  it('refuses a manifest that is not the one the registry recorded', async () => {
    const saved = await store.saveModelVersion('churn', 1, sampleArtifact());
    const error = await corruptionOf(store.loadModelVersion(saved.uri, 'f'.repeat(64)));
    expect(error.message).toContain(MANIFEST_FILE);
    expect(error.message).toContain('the registry recorded');
  });

  it('refuses a file and manifest rewritten together when the registry sha differs', async () => {
    const first = await store.saveModelVersion('churn', 1, sampleArtifact());
    const other = await store.saveModelVersion('churn', 2, sampleArtifact());
    // Swap v2's content into v1: every file matches its manifest, the manifest not the registry.
    await rm(fileURLToPath(first.uri), { recursive: true });
    await store.saveModelVersion('churn', 1, await store.loadModelVersion(other.uri, other.sha256));
    await corruptionOf(store.loadModelVersion(first.uri, first.sha256));
  });

  it('refuses metadata.json that does not parse even when the manifest was updated to match', async () => {
    const saved = await store.saveModelVersion('churn', 1, sampleArtifact());
    const dir = fileURLToPath(saved.uri);
    await writeFile(path.join(dir, 'metadata.json'), '{ not json');
    const names = ['metadata.json', 'model.json', 'preprocessing.json', 'weights.bin'];
    const lines = await Promise.all(names.map(async (name) => `${sha256(await readFile(path.join(dir, name)))}  ${name}\n`));
    const manifest = Buffer.from(lines.join(''));
    await writeFile(path.join(dir, MANIFEST_FILE), manifest);
    const sha = sha256(manifest);
    const error = await corruptionOf(store.loadModelVersion(saved.uri, sha));
    expect(error.message).toContain('metadata.json does not parse');
  });

  it('treats an identical re-save as a no-op and a different one as a conflict', async () => {
    const artifact = sampleArtifact();
    const first = await store.saveModelVersion('churn', 1, artifact);
    // Same content with another key order is the same version.
    const reordered = Object.fromEntries(Object.entries(artifact).reverse()) as unknown as ModelArtifact;
    expect(await store.saveModelVersion('churn', 1, reordered)).toEqual(first);

    const different = { ...artifact, epochsTrained: 8 };
    const conflict = await store.saveModelVersion('churn', 1, different).catch((err: unknown) => err);
    expect(conflict).toBeInstanceOf(ArtifactVersionConflictError);
    expect((conflict as Error).message).toContain(first.uri);
    expect(await store.loadModelVersion(first.uri, first.sha256)).toEqual(artifact);
  });

  it('lets concurrent identical saves both succeed with one folder and no leftovers', async () => {
    const artifact = sampleArtifact(randomBytes(1 << 20));
    const results = await Promise.all([1, 2, 3, 4].map(() => store.saveModelVersion('churn', 5, artifact)));
    expect(new Set(results.map((r) => r.sha256)).size).toBe(1);
    expect(await readdir(path.join(root, 'churn'))).toEqual(['v5']);
    expect(await store.loadModelVersion(results[0]!.uri, results[0]!.sha256)).toEqual(artifact);
  });

  it('lets exactly one of two concurrent conflicting saves win', async () => {
    const outcomes = await Promise.allSettled([
      store.saveModelVersion('churn', 1, sampleArtifact()),
      store.saveModelVersion('churn', 1, sampleArtifact()),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(ArtifactVersionConflictError);
    expect(await readdir(path.join(root, 'churn'))).toEqual(['v1']);
  });

  it('ignores what a crash mid-save left behind', async () => {
    const partial = path.join(root, 'churn', '.tmp-v1-crashed');
    await mkdir(partial, { recursive: true });
    await writeFile(path.join(partial, 'weights.bin'), randomBytes(10));
    const never = await corruptionOf(store.loadModelVersion(`file://${path.join(root, 'churn', 'v1')}`, 'f'.repeat(64)));
    expect(never.message).toContain('the folder does not exist');
    const saved = await store.saveModelVersion('churn', 1, sampleArtifact());
    await store.loadModelVersion(saved.uri, saved.sha256);
  });

  it('deletes a version, after which the same number can be saved with other content', async () => {
    await store.saveModelVersion('churn', 1, sampleArtifact());
    await store.deleteModelVersion('churn', 1);
    await store.deleteModelVersion('churn', 1);
    const saved = await store.saveModelVersion('churn', 1, sampleArtifact());
    await store.loadModelVersion(saved.uri, saved.sha256);
  });

  it('rejects path traversal and invalid names, versions and uris', async () => {
    const artifact = sampleArtifact();
    for (const name of ['../escape', 'a/b', '..', '.hidden', 'Upper', '', 'a'.repeat(64)]) {
      await expect(store.saveModelVersion(name, 1, artifact)).rejects.toThrow(RangeError);
    }
    for (const version of [0, -1, 1.5, Number.NaN]) {
      await expect(store.saveModelVersion('churn', version, artifact)).rejects.toThrow(RangeError);
    }
    const saved = await store.saveModelVersion('churn', 1, artifact);
    for (const uri of [
      `file://${path.join(root, '..', 'elsewhere', 'v1')}`,
      `${saved.uri}/../../../etc`,
      `file://${path.join(root, 'churn')}`,
      `file://${path.join(root, 'churn', 'v1', 'weights.bin')}`,
      's3://bucket/churn/v1',
      '/absolute/path/churn/v1',
    ]) {
      await expect(store.loadModelVersion(uri, saved.sha256)).rejects.toThrow(RangeError);
    }
    expect(await readdir(root)).toEqual(['churn']);
  });

  it('refuses weights that are not canonical base64 instead of storing different bytes', async () => {
    const artifact = { ...sampleArtifact(), weightDataBase64: 'not base64!' };
    await expect(store.saveModelVersion('churn', 1, artifact)).rejects.toThrow(/canonical base64/);
  });
});

describe('a trained model', () => {
  it('predicts the same after the round trip, and model.json + weights.bin is the TensorFlow.js format', async () => {
    const random = createRng(5);
    const rows = Array.from({ length: 200 }, () => ({ x: random() * 4 - 2 }));
    const labels = rows.map(({ x }) => 3 * x + 1);
    const features: FeatureInput[] = [{ name: 'x', kind: 'numeric' }];
    const hyperparameters = { ...DEFAULT_HYPERPARAMETERS, epochs: 3, hiddenUnits: 8 };
    const { artifact } = await trainModel({ task: 'regression', features, rows, labels, hyperparameters, seed: 3 });
    const saved = await store.saveModelVersion('house-prices', 1, artifact);
    const loaded = await store.loadModelVersion(saved.uri, saved.sha256);
    expect(loaded).toEqual(artifact);
    expect(await predict(loaded, rows.slice(0, 20))).toEqual(await predict(artifact, rows.slice(0, 20)));

    const { tf } = await initTensorflow();
    const dir = fileURLToPath(saved.uri);
    const modelJson = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
    const weights = await readFile(path.join(dir, 'weights.bin'));
    const modelArtifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => [
      manifest.flatMap((group) => group.weights),
      weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    ]);
    const model = await tf.loadLayersModel(tf.io.fromMemory(modelArtifacts));
    expect(model.countParams()).toBeGreaterThan(0);
    model.dispose();
  });
});

describe('checkpoints', () => {
  const scope = '0f8fad5b-d9cb-469f-a165-70867728950e.train';

  it('round-trips bytes and objects', async () => {
    const bytes = randomBytes(50_000);
    const bytesRef = await store.saveCheckpoint(scope, 0, bytes);
    expect(bytesRef).toBe(`file://${path.join(root, '_checkpoints', scope, 'epoch-0')}`);
    const loadedBytes = await store.loadCheckpoint(bytesRef);
    expect(loadedBytes).toMatchObject({ reference: bytesRef, scope, epoch: 0 });
    expect(loadedBytes!.state).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(loadedBytes!.state as Uint8Array).equals(bytes)).toBe(true);

    const state = { epoch: 1, bestValidationLoss: 0.25, weightDataBase64: bytes.toString('base64') };
    const objectRef = await store.saveCheckpoint(scope, 1, state);
    expect((await store.loadCheckpoint(objectRef))!.state).toEqual(state);
  });

  it('keeps only the latest two checkpoints per scope', async () => {
    const references: string[] = [];
    for (let epoch = 1; epoch <= 5; epoch++) references.push(await store.saveCheckpoint(scope, epoch, { epoch }));
    await store.saveCheckpoint('other-scope', 1, { epoch: 1 });

    expect((await readdir(path.join(root, '_checkpoints', scope))).sort()).toEqual(['epoch-4', 'epoch-5']);
    expect(await store.loadCheckpoint(references[0]!)).toBeNull();
    expect((await store.loadCheckpoint(references[4]!))!.state).toEqual({ epoch: 5 });
    expect(await store.latestCheckpoint(scope)).toBe(references[4]);
    expect(await store.latestCheckpoint('other-scope')).not.toBeNull();
  });

  it('lets a retry that resumed from an older epoch replace the abandoned later ones', async () => {
    for (let epoch = 1; epoch <= 8; epoch++) await store.saveCheckpoint(scope, epoch, { epoch, attempt: 1 });
    // The last heartbeat the server saw said epoch 7; the retry resumes there and saves epoch 8 again.
    const reference = await store.saveCheckpoint(scope, 8, { epoch: 8, attempt: 2 });
    expect((await store.loadCheckpoint(reference))!.state).toEqual({ epoch: 8, attempt: 2 });
    expect((await readdir(path.join(root, '_checkpoints', scope))).sort()).toEqual(['epoch-7', 'epoch-8']);
    // An attempt that started over: the later epochs are another timeline and must not be resumed from.
    await store.saveCheckpoint(scope, 1, { epoch: 1, attempt: 3 });
    expect(await readdir(path.join(root, '_checkpoints', scope))).toEqual(['epoch-1']);
    expect(await store.latestCheckpoint(scope)).toMatch(/epoch-1$/);
  });

  it('detects a corrupted checkpoint', async () => {
    const reference = await store.saveCheckpoint(scope, 3, randomBytes(1000));
    const file = fileURLToPath(reference);
    const content = await readFile(file);
    content[content.length - 1] = content[content.length - 1]! ^ 0xff;
    await writeFile(file, content);
    const error = await corruptionOf(store.loadCheckpoint(reference));
    expect(error.message).toContain(reference);

    await writeFile(file, 'garbage without a header');
    await corruptionOf(store.loadCheckpoint(reference));
  });

  it('deletes a scope', async () => {
    const reference = await store.saveCheckpoint(scope, 1, { epoch: 1 });
    await store.deleteCheckpoints(scope);
    await store.deleteCheckpoints(scope);
    expect(await store.loadCheckpoint(reference)).toBeNull();
    expect(await store.latestCheckpoint(scope)).toBeNull();
  });

  it("deletes every scope of one retrain, and no other retrain's", async () => {
    const retrainId = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const other = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
    for (const part of ['trial-1', 'trial-2', 'challenger']) await store.saveCheckpoint(`${retrainId}.${part}`, 1, { epoch: 1 });
    await store.saveCheckpoint(`${other}.challenger`, 1, { epoch: 1 });
    await store.deleteRetrainCheckpoints(retrainId);
    await store.deleteRetrainCheckpoints(retrainId);
    expect(await readdir(path.join(root, '_checkpoints'))).toEqual([`${other}.challenger`]);
    await expect(createLocalArtifactStore(path.join(root, 'never-used')).deleteRetrainCheckpoints(retrainId)).resolves.toBeUndefined();
  });

  it('rejects path traversal in scopes and references, and states JSON cannot hold', async () => {
    for (const bad of ['../x', 'a/../../b', '/abs', 'a/b', '', '.', '..', '_x', 'with space']) {
      await expect(store.saveCheckpoint(bad, 1, { epoch: 1 })).rejects.toThrow(RangeError);
      await expect(store.deleteCheckpoints(bad)).rejects.toThrow(RangeError);
    }
    await expect(store.saveCheckpoint(scope, -1, {})).rejects.toThrow(RangeError);
    await expect(store.saveCheckpoint(scope, 1, new Float32Array(4))).rejects.toThrow(TypeError);
    await expect(store.saveCheckpoint(scope, 1, { loss: Number.NaN })).rejects.toThrow(/'loss' is NaN/);
    await expect(store.saveCheckpoint(scope, 1, { weights: new Float32Array(4) })).rejects.toThrow(/'weights' is binary/);
    expect(await store.latestCheckpoint(scope)).toBeNull();
    await expect(store.loadCheckpoint(`file://${path.join(root, 'churn', 'v1')}`)).rejects.toThrow(RangeError);
    await expect(store.loadCheckpoint(`file://${path.join(root, '..', '_checkpoints', 'x', 'epoch-1')}`)).rejects.toThrow(RangeError);
    await expect(store.loadCheckpoint(`file://${path.join(root, '_checkpoints', 'x', 'epoch-01')}`)).rejects.toThrow(RangeError);
  });
});
