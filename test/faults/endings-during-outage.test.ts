/**
 * A retrain cancelled or terminated while PostgreSQL is down still ends cleanly once it is back: the
 * cleanup (release the claim, withdraw the candidate, free the challenger alias, delete checkpoints,
 * alert) is retried through the outage rather than lost. The same endings without an outage are
 * tested in test/integration/retrain-endings.test.ts and approval.test.ts.
 * Default run: the cancellation during approval (20 s outage); `npm run test:faults`: all three, 60 s each.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listAliases } from '../../src/store/registry';
import { listRetrains } from '../../src/store/retrains';
import { retrainProgressQuery, type RetrainResult, type RetrainStage } from '../../workflows/definitions';
import { testModelYaml } from '../integration/harness';
import { syntheticRows } from '../integration/synthetic';
import {
  FULL_RUN, NO_EARLY_STOPPING, POSTGRES_OUTAGE_MS, QUICK_TUNING, slowTuning, startFaultEnvironment, type FaultEnvironment,
} from './environment';
import { alertsOf, expectSound, until } from './invariants';

// Heartbeats (throttled to 80% of this) bring a cancellation or termination to the training activity within a second or two.
const PROMPT_CANCELLATION = `\n  heartbeatTimeout: 2s${NO_EARLY_STOPPING}`;

let env: FaultEnvironment;

beforeAll(async () => {
  env = await startFaultEnvironment('endings');
}, 120_000);

afterAll(async () => {
  await env?.close();
});

async function register(model: string, tuning: string, extra = ''): Promise<void> {
  await env.registerModel(`${testModelYaml(model, { webhooks: [env.webhook.url], tuning, retrain: PROMPT_CANCELLATION })}${extra}`);
}

/** Starts a bootstrap retrain of a fresh model and waits for its stage (and for `ready`, when given). */
async function retrainAt(model: string, stage: RetrainStage, ready: (retrainId: string) => Promise<boolean> = async () => true) {
  await env.ingest(model, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 720, seed: 31 }));
  const handle = await env.startRetrain(model);
  await until(`stage ${stage}`, async () => (await handle.query(retrainProgressQuery)).stage === stage && ready(handle.firstExecutionRunId), 120_000);
  return handle;
}

const checkpointsOf = async (retrainId: string) =>
  (await readdir(path.join(env.artifactDir, '_checkpoints')).catch(() => [] as string[])).filter((scope) => scope.startsWith(`${retrainId}.`));

async function expectCancelled(handle: { result(): Promise<unknown> }): Promise<void> {
  const error = await handle.result().then(() => null, (err: unknown) => err);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
}

it.runIf(FULL_RUN)('cancelled mid-training while PostgreSQL is down: released as cancelled once it is back, checkpoints deleted, alerted', async () => {
  const model = 'cancel-in-outage';
  await register(model, slowTuning(1));
  const handle = await retrainAt(model, 'training', async (retrainId) => (await checkpointsOf(retrainId)).length > 0);
  const outage = await env.postgresOutage(POSTGRES_OUTAGE_MS);
  await handle.cancel();
  await outage.over;
  await expectCancelled(handle);

  const retrainId = handle.firstExecutionRunId;
  expect(await listRetrains(env.db, model)).toMatchObject([{ id: retrainId, status: 'cancelled', closedReason: "cancelled at stage 'training'" }]);
  expect(await checkpointsOf(retrainId)).toEqual([]);
  const { versions } = await expectSound(env, model, { champion: null });
  expect(versions).toEqual([]);
}, 400_000);

it.runIf(FULL_RUN)('terminated while PostgreSQL is down: the next retrain, started during the outage, releases the claim once it is back, alerts, and promotes', async () => {
  const model = 'terminate-in-outage';
  await register(model, slowTuning(1));
  const stuck = await retrainAt(model, 'training');
  // The next retrain's tuning; the stuck one trains by its plan.
  await register(model, QUICK_TUNING);
  const outage = await env.postgresOutage(POSTGRES_OUTAGE_MS);
  await stuck.terminate('operator: stuck on a dead GPU');
  const next = await env.startRetrain(model, 'manual');
  await outage.over;
  const result: RetrainResult = await next.result();
  expect(result.outcome, result.reason).toBe('promoted');

  expect((await listRetrains(env.db, model)).map((r) => [r.id, r.status, r.closedReason])).toEqual([
    [stuck.firstExecutionRunId, 'failed', 'terminated: operator: stuck on a dead GPU'],
    [next.firstExecutionRunId, 'promoted', null],
  ]);
  const { versions } = await expectSound(env, model, { champion: 1 });
  expect(versions.map((v) => [v.version, v.status])).toEqual([[1, 'champion']]);
}, 400_000);

it('cancelled during approval while PostgreSQL is down: the version is withdrawn, the alias freed, the claim released, alerted', async () => {
  const model = 'approval-in-outage';
  await register(model, QUICK_TUNING, 'approval: { required: true, timeout: 1h }\n');
  const handle = await retrainAt(model, 'awaiting_approval');
  expect(await listAliases(env.db, model)).toEqual({ challenger: 1 });
  const outage = await env.postgresOutage(POSTGRES_OUTAGE_MS);
  await handle.cancel();
  await outage.over;
  await expectCancelled(handle);

  expect(await listRetrains(env.db, model)).toMatchObject([{ status: 'cancelled', closedReason: "cancelled at stage 'awaiting_approval'" }]);
  const { versions } = await expectSound(env, model, { champion: null });
  expect(versions.map((v) => [v.version, v.status])).toEqual([[1, 'cancelled']]);
  expect(await listAliases(env.db, model)).toEqual({});
  expect(alertsOf(env, model).filter((a) => a.event === 'retrain_cancelled').map((a) => a.summary)).toEqual([
    expect.stringContaining('Its candidate v1 is cancelled and the challenger alias is free.'),
  ]);
}, 400_000);
