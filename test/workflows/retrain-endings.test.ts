/**
 * How a retrain ends when it does not decide, with the real workflows on a Temporal dev server and
 * stubbed activities: a cancellation (mid-training, or while a challenger awaits approval) and a
 * failure release the retrain's claim, with why, and alert; a claim left behind by a run that ran
 * no code at its end (terminated, timed out) is released, and alerted, before the next claim or check.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ActivityFailure, CancelledFailure } from '@temporalio/common';
import { workflowMetadataQuery } from '@temporalio/workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { createOrchestrationActivities } from '../../activities/orchestration';
import type { createTrainingActivities } from '../../activities/training';
import type { ReleasedClaim } from '../../src/policy/retrain-claims';
import type { modelMonitorWorkflow, retrainWorkflow } from '../../workflows';
import {
  checkDriftUpdate,
  monitorWorkflowId,
  retrainProgressQuery,
  retrainWorkflowId,
  type RetrainProgress,
  type RetrainStage,
} from '../../workflows/definitions';
import { startWorkflowEnvironment, type WorkflowTestEnvironment } from './environment';
import { checksOf, createFakeWorld, day } from './fake-activities';

type Orchestration = ReturnType<typeof createOrchestrationActivities>;
type Training = ReturnType<typeof createTrainingActivities>;

const TASK_QUEUE = 'retrain-ending-tests';
const world = createFakeWorld();
/** Models whose challenger training runs until it is cancelled. */
const trainsUntilCancelled = new Set<string>();
/** Models whose better challenger waits for approval. */
const needsApproval = new Set<string>();
/** Models whose evaluation fails for good. */
const evaluationFails = new Set<string>();
/** The claim the next reconciliation of a model releases (as if its run had been terminated). */
const staleClaims = new Map<string, ReleasedClaim>();
const decided: Array<{ modelName: string; version: number; how: 'promoted' | 'rejected' }> = [];

const orchestration = {
  ...world.orchestration,
  async reconcileRetrainClaims({ modelName }) {
    const stale = staleClaims.get(modelName) ?? null;
    staleClaims.delete(modelName);
    return stale;
  },
  async planRetrain(input) {
    const plan = await world.orchestration.planRetrain!(input);
    // Short, so a cancellation reaches the heartbeating training activity quickly.
    return { ...plan, heartbeatTimeoutMs: 1_000, approval: needsApproval.has(input.modelName) ? { timeoutMs: 3_600_000, onTimeout: 'reject' } : null };
  },
  async evaluateChallenger({ modelName }) {
    if (evaluationFails.has(modelName)) throw ApplicationFailure.nonRetryable('the holdout rows are unreadable', 'CorruptArtifactError');
    return { holdoutRows: 200, challenger: { log_loss: 0.4 }, champion: { log_loss: 0.5 }, bootstrap: null, guardrail: null };
  },
  async promoteChallenger({ modelName, version }) {
    decided.push({ modelName, version, how: 'promoted' });
    return 'promoted' as const;
  },
  async rejectChallenger({ modelName, version }) {
    decided.push({ modelName, version, how: 'rejected' });
  },
} satisfies Partial<Orchestration>;

const training = {
  ...world.training,
  async trainChallenger(request) {
    if (!trainsUntilCancelled.has(request.modelName)) return world.training.trainChallenger!(request);
    for (;;) {
      Context.current().heartbeat();
      await Context.current().sleep(50);
    }
  },
} satisfies Partial<Training>;

let environment: WorkflowTestEnvironment;

beforeAll(async () => {
  environment = await startWorkflowEnvironment(TASK_QUEUE, { orchestration, training });
});

afterAll(async () => {
  await environment?.close();
});

type Retrain = WorkflowHandle<typeof retrainWorkflow>;

function startRetrain(modelName: string): Promise<Retrain> {
  return environment.env.client.workflow.start<typeof retrainWorkflow>('retrainWorkflow', {
    workflowId: retrainWorkflowId(modelName), taskQueue: TASK_QUEUE, args: [{ modelName, trigger: 'drift' }],
  });
}

async function reachStage(handle: Retrain, stage: RetrainStage): Promise<RetrainProgress> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const progress = await handle.query(retrainProgressQuery);
    if (progress.stage === stage) return progress;
    if (Date.now() > deadline) throw new Error(`never reached stage ${stage}: ${JSON.stringify(progress)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The run's error: a cancelled run fails its result with a CancelledFailure. */
async function closingError(handle: Retrain): Promise<WorkflowFailedError> {
  const error = await handle.result().then(() => null, (err: unknown) => err);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return error as WorkflowFailedError;
}

const alertsOf = (modelName: string, event: string) => world.alerts(modelName).filter((a) => a.event === event);

describe('retrain workflow endings without a decision', () => {
  it('releases its claim as cancelled and alerts retrain_cancelled when cancelled mid-training', async () => {
    const model = 'cancel-training';
    trainsUntilCancelled.add(model);
    const handle = await startRetrain(model);
    await reachStage(handle, 'training');
    await handle.cancel();

    expect((await closingError(handle)).cause).toBeInstanceOf(CancelledFailure);
    const { runId } = await handle.describe();
    expect(world.released(model)).toEqual([{
      retrainId: runId, workflowId: retrainWorkflowId(model), modelName: model, status: 'cancelled', reason: "cancelled at stage 'training'",
      withdrawnVersions: [],
    }]);
    expect(await handle.query(retrainProgressQuery)).toMatchObject({ stage: 'cancelled', message: "cancelled at stage 'training'" });
    const [alert] = alertsOf(model, 'retrain_cancelled');
    expect(alert?.summary).toContain(`Retrain ${retrainWorkflowId(model)} of ${model} (run ${runId}) cancelled at stage 'training'.`);
    expect(alert?.details).toMatchObject({ trigger: 'drift', progress: { stage: 'cancelled' } });
    expect(alertsOf(model, 'retrain_failed')).toEqual([]);
  });

  it('cleans up the same way when cancelled while the challenger awaits approval, and decides nothing', async () => {
    const model = 'cancel-approval';
    needsApproval.add(model);
    const handle = await startRetrain(model);
    const waiting = await reachStage(handle, 'awaiting_approval');
    // The Temporal UI's current details tell the person the exact update input.
    const { currentDetails } = await handle.query(workflowMetadataQuery);
    expect(currentDetails).toContain(`- Approve: update \`approve\` with input \`{"version":${waiting.challengerVersion},"approver":"your-name","reason":"why"}\``);
    expect(currentDetails).toContain(`**Awaiting approval** until ${waiting.approval!.deadline} (then: reject).`);
    await handle.cancel();

    expect((await closingError(handle)).cause).toBeInstanceOf(CancelledFailure);
    expect(world.released(model)).toMatchObject([{ status: 'cancelled', reason: "cancelled at stage 'awaiting_approval'" }]);
    expect(await handle.query(retrainProgressQuery)).toMatchObject({ stage: 'cancelled', approval: null, challengerVersion: waiting.challengerVersion });
    expect((await handle.query(workflowMetadataQuery)).currentDetails).toContain("**cancelled**: cancelled at stage 'awaiting_approval'.");
    expect(decided.filter((d) => d.modelName === model)).toEqual([]);
    expect(alertsOf(model, 'retrain_cancelled')).toHaveLength(1);
  });

  it('releases its claim as failed, with the stage and the error, and alerts retrain_failed', async () => {
    const model = 'evaluation-fails';
    evaluationFails.add(model);
    const handle = await startRetrain(model);

    const { cause } = await closingError(handle);
    expect(cause).toBeInstanceOf(ActivityFailure);
    expect((cause as ActivityFailure).cause?.message).toBe('the holdout rows are unreadable');
    expect(world.released(model)).toMatchObject([{ status: 'failed', reason: "failed at stage 'evaluating': the holdout rows are unreadable" }]);
    expect(alertsOf(model, 'retrain_failed').map((a) => a.summary)).toEqual([
      expect.stringContaining("failed at stage 'evaluating': the holdout rows are unreadable."),
    ]);
  });

  it('releases a claim left by a terminated run before claiming, alerts it, and then retrains', async () => {
    const model = 'stale-before-claim';
    const stale: ReleasedClaim = {
      retrainId: 'terminated-run', workflowId: retrainWorkflowId(model), modelName: model, status: 'failed', reason: 'terminated: stuck', withdrawnVersions: [7],
    };
    staleClaims.set(model, stale);
    const handle = await startRetrain(model);

    expect((await handle.result()).outcome).toBe('promoted');
    const [alert] = alertsOf(model, 'retrain_failed');
    expect(alert?.details).toMatchObject({ retrainId: 'terminated-run', reason: 'terminated: stuck', withdrawnVersions: [7] });
    expect(alert?.summary).toContain('Its candidate v7 is cancelled and the challenger alias is free.');
    expect(world.retrainsStarted(model)).toBe(1);
  });

  it('the monitor releases a claim left behind before each check, and alerts it', async () => {
    const model = 'stale-before-check';
    world.script(model, checksOf(model).clean(day(10)));
    staleClaims.set(model, {
      retrainId: 'timed-out-run', workflowId: retrainWorkflowId(model), modelName: model, status: 'failed',
      reason: "timed out (the workflow's execution or run timeout)", withdrawnVersions: [],
    });
    const monitor = await environment.env.client.workflow.start<typeof modelMonitorWorkflow>('modelMonitorWorkflow', {
      workflowId: monitorWorkflowId(model), taskQueue: TASK_QUEUE, args: [{ modelName: model }],
    });
    try {
      expect((await monitor.executeUpdate(checkDriftUpdate, { args: [{ source: 'test' }] })).verdict).toBe('no_drift');
      const deadline = Date.now() + 30_000;
      while (alertsOf(model, 'retrain_failed').length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(alertsOf(model, 'retrain_failed')[0]?.details).toMatchObject({ retrainId: 'timed-out-run', status: 'failed' });
      expect(staleClaims.has(model)).toBe(false);
    } finally {
      await monitor.terminate('test over');
    }
  });
});
