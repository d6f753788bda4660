/**
 * A retrain releases its claim in every ending, on a real Temporal server and PostgreSQL. Cancelled
 * mid-training, it cleans up after itself: claim released as cancelled, checkpoints deleted, no
 * candidate left holding the challenger alias, retrain_cancelled sent. Terminated, it runs no code:
 * the monitor's next check asks Temporal, releases the claim with the termination's reason and sends
 * retrain_failed. Either way the next drift check retrains.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseModelConfig } from '../../src/config';
import { listAliases, listVersions } from '../../src/store/registry';
import { claimRetrain, listRetrains, releaseClaim, type RetrainSummary } from '../../src/store/retrains';
import { retrainProgressQuery, retrainWorkflowId, type RetrainResult, type RetrainStage } from '../../workflows/definitions';
import { startHarness, startWebhookReceiver, testModelYaml, type Harness, type WebhookReceiver } from './harness';
import { syntheticRows } from './synthetic';

const MODEL = 'endings';
const oneTrial = (space = '') => `
  trials: 1
  parallelism: 1
  space:
    learningRate: { type: float, min: 0.01, max: 0.05, log: true }
    hiddenUnits: { type: int, min: 8, max: 16 }${space}`;
// Slow training runs all its epochs, long enough to act while the challenger trains; its heartbeat
// timeout is short, so a cancellation reaches the training activity at once (heartbeats are
// throttled to 80% of it).
const SLOW_EPOCHS = 300;
const SLOW_TRAINING = `\n  minEpochs: ${SLOW_EPOCHS}\n  heartbeatTimeout: 1s`;

let harness: Harness;
let webhook: WebhookReceiver;

async function register(training: 'fast' | 'slow'): Promise<void> {
  const yaml = training === 'slow'
    ? testModelYaml(MODEL, { webhooks: [webhook.url], tuning: oneTrial(`\n    epochs: { type: categorical, choices: [${SLOW_EPOCHS}] }`), retrain: SLOW_TRAINING })
    : testModelYaml(MODEL, { webhooks: [webhook.url], tuning: oneTrial() });
  await harness.registerModel(parseModelConfig(yaml, `<${training} ${MODEL}>`));
}

beforeAll(async () => {
  harness = await startHarness('retrain_endings');
  webhook = await startWebhookReceiver();
});

afterAll(async () => {
  await harness?.close();
  await webhook?.close();
});

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const retrainHandle = () => harness.client.workflow.getHandle(retrainWorkflowId(MODEL));
const latestRetrain = async (): Promise<RetrainSummary> => (await listRetrains(harness.db, MODEL)).at(-1)!;
const checkpointScopes = async (runId: string): Promise<string[]> =>
  (await readdir(path.join(harness.artifactDir, '_checkpoints')).catch(() => [])).filter((scope) => scope.startsWith(`${runId}.`));
const alerts = (event: string) => webhook.received.filter((a) => a.model === MODEL && a.event === event);

async function reachStage(stage: RetrainStage): Promise<void> {
  await eventually(() => retrainHandle().query(retrainProgressQuery), (p) => p.stage === stage, `stage ${stage}`);
}

it('cancelled mid-training: releases its claim, deletes its checkpoints, leaves no challenger, alerts, and the next drift check retrains', async () => {
  await register('fast');
  await harness.ingest(MODEL, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 720, seed: 1 }));
  expect((await harness.bootstrap(MODEL)).outcome).toBe('promoted');
  await register('slow');

  await harness.ingest(MODEL, syntheticRows({ start: '2026-01-31T00:00:00Z', rows: 720, seed: 2, shift: 2.5 }));
  const drifted = await harness.checkDrift(MODEL);
  expect(drifted.retrain.started, drifted.retrain.reason).toBe(true);
  await reachStage('training');
  const { runId } = await retrainHandle().describe();
  await eventually(() => checkpointScopes(runId), (scopes) => scopes.includes(`${runId}.challenger`), 'a checkpoint of the challenger');

  await retrainHandle().cancel();
  const error = await retrainHandle().result().then(() => null, (err: unknown) => err);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);

  expect(await latestRetrain()).toMatchObject({ id: runId, trigger: 'drift', status: 'cancelled', closedReason: "cancelled at stage 'training'" });
  expect(await checkpointScopes(runId)).toEqual([]);
  expect((await listVersions(harness.db, MODEL)).map((v) => [v.version, v.status])).toEqual([[1, 'champion']]);
  expect(await listAliases(harness.db, MODEL)).toEqual({ champion: 1 });
  const [cancelled] = await eventually(async () => alerts('retrain_cancelled'), (found) => found.length > 0, 'retrain_cancelled');
  expect(cancelled!.summary).toContain(`(run ${runId}) cancelled at stage 'training'.`);

  // Still drifting, and nothing holds the model: the next check retrains.
  await harness.ingest(MODEL, syntheticRows({ start: '2026-03-01T00:00:00Z', rows: 48, seed: 3, shift: 2.5 }));
  const next = await harness.checkDrift(MODEL);
  expect(next.retrain, next.retrain.reason).toMatchObject({ started: true, workflowId: retrainWorkflowId(MODEL) });
  expect((await retrainHandle().describe()).runId).not.toBe(runId);
});

it('terminated: the claim stays until the next check reconciles it with Temporal, records why, alerts, and retrains', async () => {
  // The retrain the previous test's last check started, still training.
  const { runId } = await retrainHandle().describe();
  await eventually(latestRetrain, (r) => r.id === runId && r.status === 'running', 'the claim of the running retrain');
  await retrainHandle().terminate('operator: stuck on a dead GPU');
  // Termination runs no workflow code: the claim is still held.
  expect(await latestRetrain()).toMatchObject({ id: runId, status: 'running' });

  await register('fast');
  await harness.ingest(MODEL, syntheticRows({ start: '2026-03-03T00:00:00Z', rows: 48, seed: 4, shift: 2.5 }));
  const check = await harness.checkDrift(MODEL);
  const released = (await listRetrains(harness.db, MODEL)).find((r) => r.id === runId);
  expect(released).toMatchObject({ status: 'failed', closedReason: 'terminated: operator: stuck on a dead GPU' });
  const [failed] = await eventually(async () => alerts('retrain_failed'), (found) => found.length > 0, 'retrain_failed');
  expect(failed!.summary).toContain(`(run ${runId}) terminated: operator: stuck on a dead GPU.`);

  expect(check.retrain, check.retrain.reason).toMatchObject({ started: true });
  const result: RetrainResult = await retrainHandle().result();
  expect(['promoted', 'rejected']).toContain(result.outcome);
  expect((await listRetrains(harness.db, MODEL)).filter((r) => r.status === 'running')).toEqual([]);
});

it('releases a claim once: a repeated release answers with the ending recorded first, and a decided retrain is never released', async () => {
  const claim = {
    id: 'run-by-hand', workflowId: 'retrain-by-hand', modelName: MODEL, trigger: 'manual', requestedBy: 'test', reason: null, driftReportId: null, cooldownMs: 0,
  } as const;
  expect(await claimRetrain(harness.db, claim)).toEqual({ claimed: true });
  const ending = { retrainId: claim.id, status: 'failed', reason: "failed at stage 'planning': connection refused" } as const;
  const first = await releaseClaim(harness.db, harness.artifacts, ending);
  expect(first).toEqual({
    releasedNow: true, claim: { ...ending, workflowId: claim.workflowId, modelName: MODEL, withdrawnVersions: [] },
  });
  expect(await releaseClaim(harness.db, harness.artifacts, { ...ending, status: 'cancelled', reason: 'again' })).toEqual({ ...first, releasedNow: false });

  const bootstrap = (await listRetrains(harness.db, MODEL))[0]!;
  expect(bootstrap).toMatchObject({ trigger: 'bootstrap', status: 'promoted' });
  expect(await releaseClaim(harness.db, harness.artifacts, { ...ending, retrainId: bootstrap.id })).toBeNull();
  expect((await listRetrains(harness.db, MODEL))[0]).toEqual(bootstrap);
});
