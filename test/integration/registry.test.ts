/**
 * The model registry under contention, on a real PostgreSQL: promotions racing each other, and
 * rollbacks through the real rollback workflow on the real Temporal server (forced to bring back a
 * version a person rejected).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildReferenceProfile, tableFromRows } from '../../src/drift';
import { trainModel, type ModelArtifact } from '../../src/training';
import type { DataSplit } from '../../src/store/feature-store';
import {
  listAliases,
  listAliasHistory,
  listVersions,
  promoteCandidate,
  registerCandidate,
  rejectCandidate,
  setUserAlias,
  type PromotionOutcome,
} from '../../src/store/registry';
import { rollbackWorkflowId, type RollbackInput, type RollbackResult } from '../../workflows/definitions';
import { startHarness, testModelConfig, type Harness } from './harness';
import { syntheticRows } from './synthetic';

const MODEL = 'registry';
const RACERS = 20;
let harness: Harness;
let artifact: ModelArtifact;

const config = testModelConfig(MODEL, 'http://127.0.0.1:9/unused');
const window: DataSplit = {
  asOfRowId: '0', from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z', holdoutStart: null, trainingRows: 0, holdoutRows: 0,
};

/** A registered candidate of its own (fake) retrain, as trainChallenger leaves it. */
async function candidate(): Promise<{ version: number; retrainId: string }> {
  const retrainId = randomUUID();
  await harness.db.query(
    `INSERT INTO retrains (id, workflow_id, model_name, trigger, status) VALUES ($1, $2, $3, 'manual', 'rejected')`,
    [retrainId, `retrain-${retrainId}`, MODEL],
  );
  const rows = syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 50, seed: 3 });
  const version = await registerCandidate(harness.db, harness.artifacts, {
    modelName: MODEL, retrainId, kind: 'tuned', workflowId: `retrain-${retrainId}`, task: 'binary_classification', backend: artifact.backend.name,
    hyperparameters: artifact.hyperparameters, trainingWindow: window,
    referenceProfile: buildReferenceProfile(config.features, tableFromRows(rows, config.features.map((f) => f.name))),
    artifact,
  });
  return { version, retrainId };
}

function rollback(input: Omit<RollbackInput, 'modelName'>): Promise<RollbackResult> {
  return harness.client.workflow.execute('rollbackWorkflow', {
    taskQueue: harness.taskQueue, workflowId: rollbackWorkflowId(MODEL), args: [{ modelName: MODEL, ...input }],
  });
}

beforeAll(async () => {
  harness = await startHarness('registry');
  await harness.registerModel(config);
  const rows = syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 60, seed: 1 });
  ({ artifact } = await trainModel({
    task: 'binary_classification', features: config.features, rows, labels: rows.map((r) => r.label as number), seed: 1,
    hyperparameters: { hiddenLayers: 1, hiddenUnits: 4, learningRate: 0.01, epochs: 1, batchSize: 16, dropout: 0, l2: 0 },
  }));
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

it(`lets exactly one of ${RACERS} concurrent promotions win; the others are recorded as superseded`, async () => {
  const first = await candidate();
  expect(await promoteCandidate(harness.db, {
    modelName: MODEL, version: first.version, retrainId: first.retrainId, expectedChampion: null, decision: {}, workflowId: 'bootstrap',
  })).toBe('promoted');

  const racers = [];
  for (let i = 0; i < RACERS; i++) racers.push(await candidate());
  const outcomes: PromotionOutcome[] = await Promise.all(racers.map((racer) => promoteCandidate(harness.db, {
    modelName: MODEL, version: racer.version, retrainId: racer.retrainId, expectedChampion: first.version, decision: {},
    workflowId: `retrain-${racer.retrainId}`,
  })));
  expect(outcomes.filter((o) => o === 'promoted')).toHaveLength(1);
  expect(outcomes.filter((o) => o === 'superseded')).toHaveLength(RACERS - 1);
  const winner = racers[outcomes.indexOf('promoted')]!.version;

  const versions = await listVersions(harness.db, MODEL);
  expect(versions.filter((v) => v.status === 'champion').map((v) => v.version)).toEqual([winner]);
  expect(versions.filter((v) => v.status === 'rejected' && (v.decision as { superseded?: string }).superseded)).toHaveLength(RACERS - 1);
  const events = await harness.db.query<{ event: string; n: number }>(
    `SELECT event, count(*)::int AS n FROM model_events WHERE model_name = $1 GROUP BY event ORDER BY event`, [MODEL],
  );
  expect(events.rows).toEqual([{ event: 'archived', n: 1 }, { event: 'promoted', n: 2 }, { event: 'rejected', n: RACERS - 1 }]);
  expect(await listAliases(harness.db, MODEL)).toEqual({ champion: winner });
  const championMoves = (await listAliasHistory(harness.db, MODEL)).filter((h) => h.alias === 'champion');
  expect(championMoves.map((h) => [h.fromVersion, h.toVersion])).toEqual([[null, first.version], [first.version, winner]]);
});

it('rolls the champion back through the rollback workflow, records who and why, and stops a stale promotion', async () => {
  const before = await listAliases(harness.db, MODEL);
  const history = await listAliasHistory(harness.db, MODEL);
  const previous = history.filter((h) => h.alias === 'champion').at(-1)!.fromVersion!;
  const pending = await candidate();

  const result = await rollback({ requestedBy: 'on-call', reason: 'v-new breaks checkout' });
  expect(result).toEqual({ outcome: 'rolled_back', modelName: MODEL, from: before.champion, to: previous, forcedOver: null });
  expect((await listAliases(harness.db, MODEL)).champion).toBe(previous);
  expect((await listAliasHistory(harness.db, MODEL)).at(-1)).toMatchObject({
    alias: 'champion', fromVersion: before.champion, toVersion: previous, actor: 'on-call', reason: 'v-new breaks checkout',
    workflowId: rollbackWorkflowId(MODEL),
  });

  // A retrain evaluated against the rolled-back champion must not promote over the rollback.
  expect(await promoteCandidate(harness.db, {
    modelName: MODEL, version: pending.version, retrainId: pending.retrainId, expectedChampion: before.champion!, decision: {},
    workflowId: 'late-retrain',
  })).toBe('superseded');

  // Bad requests fail at once with a reason, not after retries.
  await expect(rollback({ requestedBy: ' ' })).rejects.toMatchObject({ cause: { message: expect.stringContaining('requestedBy is required') } });
  await expect(rollback({ requestedBy: 'on-call', toVersion: 999 })).rejects.toMatchObject({
    cause: { cause: { type: 'RollbackError', message: expect.stringContaining('has no version 999') } },
  });
  expect(await rollback({ requestedBy: 'on-call', toVersion: previous })).toMatchObject({ outcome: 'already_champion', to: previous });
});

it('moves user-defined aliases with history, and keeps champion and challenger to the registry\'s own transitions', async () => {
  const { champion } = await listAliases(harness.db, MODEL);
  const move = { actor: 'alice', reason: 'canary in eu-west', workflowId: null };
  expect(champion).toBe(1);
  await setUserAlias(harness.db, { modelName: MODEL, alias: 'canary', version: 2, move });
  await setUserAlias(harness.db, { modelName: MODEL, alias: 'canary', version: champion!, move });
  expect((await listAliases(harness.db, MODEL)).canary).toBe(champion);
  await setUserAlias(harness.db, { modelName: MODEL, alias: 'canary', version: null, move: { ...move, reason: 'canary over' } });
  expect((await listAliases(harness.db, MODEL)).canary).toBeUndefined();
  expect((await listAliasHistory(harness.db, MODEL)).filter((h) => h.alias === 'canary').map((h) => [h.fromVersion, h.toVersion, h.reason]))
    .toEqual([[null, 2, 'canary in eu-west'], [2, 1, 'canary in eu-west'], [1, null, 'canary over']]);

  await expect(setUserAlias(harness.db, { modelName: MODEL, alias: 'champion', version: 1, move })).rejects.toThrow(/moved by retrains and rollbacks only/);
  await expect(setUserAlias(harness.db, { modelName: MODEL, alias: 'Canary!', version: 1, move })).rejects.toThrow(/alias 'Canary!'/);
  await expect(setUserAlias(harness.db, { modelName: MODEL, alias: 'canary', version: 999, move })).rejects.toThrow(/has no version 999/);
});

it('brings back a version a person rejected only when forced with a reason, and records who forced it, why, and what it overrode', async () => {
  const { champion } = await listAliases(harness.db, MODEL);
  const turnedDown = await candidate();
  await rejectCandidate(harness.db, {
    modelName: MODEL, version: turnedDown.version, retrainId: turnedDown.retrainId, workflowId: `retrain-${turnedDown.retrainId}`,
    decision: {
      promote: false, reasons: ['improved log_loss by 0.02', 'rejected by alice: flags every order from Lisbon'],
      approval: { status: 'rejected', by: 'alice', reason: 'flags every order from Lisbon', at: '2026-02-01T00:00:00.000Z' },
    },
  });
  const why = 'was rejected by alice (flags every order from Lisbon)';

  await expect(rollback({ requestedBy: 'bob', toVersion: turnedDown.version })).rejects.toMatchObject({
    cause: { cause: { type: 'RollbackError', message: expect.stringContaining(`v${turnedDown.version} of '${MODEL}' ${why}; a rollback to it must be forced, with a reason`) } },
  });
  await expect(rollback({ requestedBy: 'bob', toVersion: turnedDown.version, force: true })).rejects.toMatchObject({
    cause: { type: 'InvalidRollbackInput', message: expect.stringContaining('a forced rollback needs a reason') },
  });
  expect((await listAliases(harness.db, MODEL)).champion).toBe(champion);

  const reason = 'the Lisbon flags are a known feed problem; v1 misses fraud';
  expect(await rollback({ requestedBy: 'bob', toVersion: turnedDown.version, force: true, reason })).toEqual({
    outcome: 'rolled_back', modelName: MODEL, from: champion, to: turnedDown.version, forcedOver: why,
  });
  expect((await listVersions(harness.db, MODEL)).find((v) => v.version === turnedDown.version)?.status).toBe('champion');
  expect((await listAliasHistory(harness.db, MODEL)).at(-1)).toMatchObject({
    alias: 'champion', fromVersion: champion, toVersion: turnedDown.version, actor: 'bob', reason, forcedOver: why, workflowId: rollbackWorkflowId(MODEL),
  });

  // The version it replaced served as champion: it comes back without force.
  expect(await rollback({ requestedBy: 'bob', toVersion: champion! })).toMatchObject({ outcome: 'rolled_back', to: champion, forcedOver: null });
});
