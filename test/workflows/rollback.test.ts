/**
 * The real rollback workflow on a Temporal dev server, with the registry's activity stubbed: a forced
 * rollback needs a reason before anything is moved, and force and reason reach the registry.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { createOrchestrationActivities } from '../../activities/orchestration';
import { rollbackWorkflowId, type RollbackResult } from '../../workflows/definitions';
import { startWorkflowEnvironment, type WorkflowTestEnvironment } from './environment';
import { createFakeWorld } from './fake-activities';

type RollbackRequest = Parameters<ReturnType<typeof createOrchestrationActivities>['rollbackChampion']>[0];

const TASK_QUEUE = 'rollback-workflow-tests';
const requests: RollbackRequest[] = [];
let runs = 0;
let environment: WorkflowTestEnvironment;

const orchestration = {
  async rollbackChampion(request: RollbackRequest) {
    requests.push(request);
    return { outcome: 'rolled_back' as const, from: 4, to: request.toVersion ?? 3, forcedOver: request.force ? 'was rejected by alice' : null };
  },
};

beforeAll(async () => {
  // The fake world's training activities only keep the environment's training worker busy with something to serve.
  environment = await startWorkflowEnvironment(TASK_QUEUE, { orchestration, training: createFakeWorld().training });
});

afterAll(async () => {
  await environment?.close();
});

/** Input as the Temporal UI may send it: any JSON. */
function rollback(input: Record<string, unknown>): Promise<RollbackResult> {
  return environment.env.client.workflow.execute('rollbackWorkflow', {
    taskQueue: TASK_QUEUE, workflowId: `${rollbackWorkflowId('m')}-${(runs += 1)}`,
    args: [{ modelName: 'm', requestedBy: 'bob', ...input }],
  });
}

it('refuses a forced rollback without a reason, or with a force that is not a boolean, before moving anything', async () => {
  for (const input of [{ force: true }, { force: true, reason: '  ' }, { force: 'yes', reason: 'v4 misfires' }]) {
    await expect(rollback({ toVersion: 2, ...input })).rejects.toMatchObject({ cause: { type: 'InvalidRollbackInput' } });
  }
  await expect(rollback({ toVersion: 2, force: true })).rejects.toMatchObject({ cause: { message: expect.stringContaining('a forced rollback needs a reason') } });
  expect(requests).toEqual([]);
});

it('passes force, who and why to the registry, and returns what the rollback overrode', async () => {
  const result = await rollback({ toVersion: 2, force: true, reason: 'v4 misfires on every order' });
  expect(result).toEqual({ outcome: 'rolled_back', modelName: 'm', from: 4, to: 2, forcedOver: 'was rejected by alice' });
  expect(requests.at(-1)).toMatchObject({ modelName: 'm', toVersion: 2, force: true, move: { actor: 'bob', reason: 'v4 misfires on every order' } });

  await rollback({});
  expect(requests.at(-1)).toMatchObject({ toVersion: null, force: false, move: { actor: 'bob', reason: 'rollback' } });
});
