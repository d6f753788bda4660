/**
 * Human approval: a challenger the rule would promote waits for the `approve` or `reject` update
 * (validated), with a durable timeout and a configured outcome when nobody decides.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseModelConfig } from '../../src/config';
import { listAliasHistory, listAliases, listVersions } from '../../src/store/registry';
import { listRetrains } from '../../src/store/retrains';
import {
  approveUpdate,
  rejectUpdate,
  retrainProgressQuery,
  retrainWorkflowId,
  type RetrainProgress,
  type RetrainResult,
} from '../../workflows/definitions';
import { startHarness, startWebhookReceiver, testModelYaml, type Harness, type WebhookReceiver } from './harness';
import { syntheticRows } from './synthetic';

let harness: Harness;
let webhook: WebhookReceiver;

async function register(model: string, approval: string): Promise<void> {
  const yaml = `${testModelYaml(model, { webhooks: [webhook.url] })}approval: ${approval}\n`;
  await harness.registerModel(parseModelConfig(yaml, `<approval test ${model}>`));
  await harness.ingest(model, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 600, seed: 61 }));
}

async function startRetrain(model: string) {
  return harness.client.workflow.start('retrainWorkflow', {
    taskQueue: harness.taskQueue, workflowId: retrainWorkflowId(model), args: [{ modelName: model, trigger: 'bootstrap' }],
  });
}

async function awaitingApproval(handle: Awaited<ReturnType<typeof startRetrain>>): Promise<RetrainProgress> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const progress = await handle.query(retrainProgressQuery);
    if (progress.stage === 'awaiting_approval') return progress;
    if (progress.stage === 'done' || progress.stage === 'failed' || Date.now() > deadline) throw new Error(`never awaited approval: ${progress.stage}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  harness = await startHarness('approval');
  webhook = await startWebhookReceiver();
});

afterAll(async () => {
  await harness?.close();
  await webhook?.close();
});

it('waits for a person across a worker restart, refuses invalid verdicts, and promotes on approval', async () => {
  const model = 'approve-me';
  await register(model, '{ required: true, timeout: 1h }');
  const handle = await startRetrain(model);
  const waiting = await awaitingApproval(handle);
  expect(waiting.approval).toMatchObject({ onTimeout: 'reject' });
  // New workers (a deploy, a crash) pick the waiting retrain up from its history; it still waits.
  await harness.restartWorkers();
  expect(await handle.query(retrainProgressQuery)).toMatchObject({ stage: 'awaiting_approval', approval: waiting.approval });
  expect(webhook.received.find((a) => a.model === model && a.event === 'approval_required')?.summary)
    .toContain(`driftwatch approve ${model} --version 1`);

  // The validator's refusal is the cause of the client's WorkflowUpdateFailedError.
  const refusal = (request: object) =>
    handle.executeUpdate(approveUpdate, { args: [request as never] }).then(() => null, (err: Error) => (err.cause as Error).message);
  expect(await refusal({ version: 2, approver: 'alice' })).toContain('version 2 is not the challenger awaiting approval (v1)');
  expect(await refusal({ version: 1, approver: '  ' })).toContain('approver is required');

  expect(await handle.executeUpdate(approveUpdate, { args: [{ version: 1, approver: 'alice', reason: 'looks right' }] }))
    .toEqual({ version: 1, verdict: 'approved', by: 'alice' });
  const result: RetrainResult = await handle.result();
  expect(result.outcome).toBe('promoted');
  expect(result.decision?.approval).toMatchObject({ status: 'approved', by: 'alice', reason: 'looks right' });
  expect(result.reason).toContain('approved by alice: looks right');
  expect((await handle.describe()).memo).toMatchObject({
    model, trigger: 'bootstrap', outcome: 'promoted', summary: expect.stringContaining('challenger v1 promoted'),
  });
  expect((await listVersions(harness.db, model))[0]).toMatchObject({ status: 'champion', decision: { approval: { by: 'alice' } } });
  // Too late: the retrain has finished, and the server refuses the update.
  await expect(handle.executeUpdate(rejectUpdate, { args: [{ version: 1, approver: 'bob' }] })).rejects.toThrow(/already completed/);
});

it('rejects on a person\'s reject, and on timeout when configured so', async () => {
  const rejected = 'reject-me';
  await register(rejected, '{ required: true }');
  const first = await startRetrain(rejected);
  await awaitingApproval(first);
  await first.executeUpdate(rejectUpdate, { args: [{ version: 1, approver: 'bob', reason: 'wait for Monday data' }] });
  const firstResult: RetrainResult = await first.result();
  expect(firstResult.outcome).toBe('rejected');
  expect(firstResult.reason).toContain('rejected by bob: wait for Monday data');
  expect((await listVersions(harness.db, rejected))[0]?.status).toBe('rejected');
  expect((await listAliasHistory(harness.db, rejected)).filter((h) => h.alias === 'champion')).toEqual([]);

  const timedOut = 'nobody-answers';
  await register(timedOut, '{ required: true, timeout: 2s, onTimeout: reject }');
  const second = await startRetrain(timedOut);
  const secondResult: RetrainResult = await second.result();
  expect(secondResult.outcome).toBe('rejected');
  expect(secondResult.decision?.approval).toMatchObject({ status: 'timed_out', by: 'timeout' });
  expect(secondResult.reason).toContain('no approval before the deadline: rejected as configured');

  // The Temporal UI (visibility) lists retrains by model and outcome through the search attributes.
  const query = `DriftwatchModel = '${rejected}' AND DriftwatchOutcome = 'rejected' AND DriftwatchStage = 'done'`;
  const deadline = Date.now() + 20_000;
  let found: string[] = [];
  while (found.length === 0 && Date.now() < deadline) {
    found = [];
    for await (const execution of harness.client.workflow.list({ query })) found.push(execution.workflowId);
    if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(found).toEqual([retrainWorkflowId(rejected)]);
});

it('cleans up when cancelled while the challenger awaits approval: version cancelled, alias freed, claim released, alerted', async () => {
  const model = 'cancel-me';
  await register(model, '{ required: true, timeout: 1h }');
  const handle = await startRetrain(model);
  await awaitingApproval(handle);
  expect(await listAliases(harness.db, model)).toEqual({ challenger: 1 });

  await handle.cancel();
  await expect(handle.result()).rejects.toThrow(/cancelled/);
  expect((await listVersions(harness.db, model)).map((v) => [v.version, v.status])).toEqual([[1, 'cancelled']]);
  expect(await listAliases(harness.db, model)).toEqual({});
  const reason = "cancelled at stage 'awaiting_approval'";
  expect((await listAliasHistory(harness.db, model)).map((h) => [h.alias, h.fromVersion, h.toVersion, h.reason])).toEqual([
    ['challenger', null, 1, 'trained'], ['challenger', 1, null, `its retrain ${reason}`],
  ]);
  expect(await listRetrains(harness.db, model)).toMatchObject([{ status: 'cancelled', closedReason: reason }]);
  // The workflow alerts before it closes.
  expect(webhook.received.filter((a) => a.model === model && a.event === 'retrain_cancelled').map((a) => a.summary)).toEqual([
    expect.stringContaining(`${reason}. Its candidate v1 is cancelled and the challenger alias is free.`),
  ]);
  await expect(handle.executeUpdate(approveUpdate, { args: [{ version: 1, approver: 'alice' }] })).rejects.toThrow(/already completed/);
});
