/**
 * What a person can ask of a model through Temporal, shared by the CLI and the HTTP service: a drift
 * check, a retrain, an approval decision and a rollback. Each one checks the model exists, hands the
 * work to the workflows exactly as a schedule tick or the Temporal UI would, and answers with the
 * workflow's result or an OperationRefusedError whose message says why.
 */
import {
  ApplicationFailure,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { errorText } from './errors';
import type { Settings } from './settings';
import type { Db } from './store/db';
import { loadStoredConfig } from './store/models';
import { getChampionVersion } from './store/registry';
import {
  approveUpdate,
  checkDriftUpdate,
  forceRetrainUpdate,
  monitorWorkflowId,
  rejectUpdate,
  retrainWorkflowId,
  rollbackWorkflowId,
  RETRAIN_REFUSED_FAILURE,
  trainingTaskQueue,
  type ApprovalAnswer,
  type ApprovalRequest,
  type DriftCheckResult,
  type RetrainInput,
  type RollbackInput,
  type RollbackResult,
} from '../workflows/definitions';
import type { modelMonitorWorkflow } from '../workflows/monitor';
import type { retrainWorkflow } from '../workflows/retrain';
import type { rollbackWorkflow } from '../workflows/rollback';

export interface TaskQueueUse { name: string; kind: 'workflow' | 'activity' }

/** What an operation runs with; connections open on first use, so an unknown model fails before Temporal is reached. */
export interface OperationContext {
  readonly settings: Settings;
  db(): Promise<Db>;
  client(): Promise<Client>;
  /** Told which task queues will do the work, before it is handed over (the CLI warns when no worker polls them). */
  warnIfNoWorker?(queues: ReadonlyArray<TaskQueueUse>): Promise<void>;
}

/** The operation cannot be done now, as asked: another one holds the model, or the workflow refused or failed it. */
export class OperationRefusedError extends Error {
  constructor(message: string, readonly kind: 'conflict' | 'refused') {
    super(message);
    this.name = 'OperationRefusedError';
  }
}

/** The same path as a schedule tick: the monitor serialises it with every other request of this model, and is started if it is not running. */
export async function requestDriftCheck(
  ctx: OperationContext, model: string, request: { source: string; requestedBy: string },
): Promise<DriftCheckResult> {
  await loadStoredConfig(await ctx.db(), model);
  const client = await ctx.client();
  const { taskQueue } = ctx.settings;
  await ctx.warnIfNoWorker?.([{ name: taskQueue, kind: 'workflow' }, { name: taskQueue, kind: 'activity' }]);
  return client.workflow.executeUpdateWithStart(checkDriftUpdate, {
    args: [request],
    startWorkflowOperation: monitorStart(model, taskQueue),
  });
}

export interface StartedRetrain {
  workflowId: string;
  runId: string;
  trigger: 'bootstrap' | 'manual';
  requestedBy: string;
  /** The champion when the retrain started; null for a bootstrap. */
  championVersion: number | null;
  handle: WorkflowHandle<typeof retrainWorkflow>;
}

/** A bootstrap when the model has no champion, else a manual retrain; refused (conflict) while one runs. */
export async function startRetrain(
  ctx: OperationContext, model: string, request: { requestedBy: string; reason?: string },
): Promise<StartedRetrain> {
  const db = await ctx.db();
  await loadStoredConfig(db, model);
  const championVersion = await getChampionVersion(db, model);
  const input: RetrainInput = {
    modelName: model,
    trigger: championVersion === null ? 'bootstrap' : 'manual',
    requestedBy: request.requestedBy,
    ...(request.reason === undefined ? {} : { reason: request.reason }),
  };
  const client = await ctx.client();
  const { taskQueue } = ctx.settings;
  const workflowId = retrainWorkflowId(model);
  await ctx.warnIfNoWorker?.([
    { name: taskQueue, kind: 'workflow' },
    { name: taskQueue, kind: 'activity' },
    { name: trainingTaskQueue(taskQueue), kind: 'activity' },
  ]);
  const alreadyRunning = (id: string) => new OperationRefusedError(`a retrain of ${model} is already running: ${id}`, 'conflict');
  let handle: WorkflowHandle<typeof retrainWorkflow>;
  if (input.trigger === 'manual') {
    // Through the monitor, like forceRetrain from the UI: it serialises the request with the drift
    // checks, and a person asking for a retrain re-arms a drift incident that had stopped retraining.
    const started = await client.workflow.executeUpdateWithStart(forceRetrainUpdate, {
      args: [{ requestedBy: request.requestedBy, ...(request.reason === undefined ? {} : { reason: request.reason }) }],
      startWorkflowOperation: monitorStart(model, taskQueue),
    }).catch((err: unknown) => {
      // The monitor refuses by failing the update; monitors started by earlier versions answer started: false.
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === RETRAIN_REFUSED_FAILURE) {
        throw alreadyRunning(workflowId);
      }
      throw err;
    });
    if (!started.started) throw alreadyRunning(started.workflowId ?? workflowId);
    handle = client.workflow.getHandle<typeof retrainWorkflow>(workflowId);
  } else {
    try {
      handle = await client.workflow.start<typeof retrainWorkflow>('retrainWorkflow', {
        workflowId, taskQueue, args: [input], workflowIdConflictPolicy: 'FAIL',
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw alreadyRunning(workflowId);
      throw err;
    }
  }
  const runId = (await handle.describe()).runId;
  return { workflowId, runId, trigger: input.trigger as StartedRetrain['trigger'], requestedBy: request.requestedBy, championVersion, handle };
}

/** Approves or rejects the challenger that awaits approval; the retrain's validator refuses any other request. */
export async function decideApproval(
  ctx: OperationContext, model: string, verdict: 'approve' | 'reject', request: ApprovalRequest,
): Promise<ApprovalAnswer> {
  await loadStoredConfig(await ctx.db(), model);
  const client = await ctx.client();
  const workflowId = retrainWorkflowId(model);
  try {
    return await client.workflow.getHandle(workflowId).executeUpdate(verdict === 'approve' ? approveUpdate : rejectUpdate, { args: [request] });
  } catch (err) {
    // The validator's refusal (no challenger waiting, wrong version, no approver) comes back as the error's cause.
    throw new OperationRefusedError(`${verdict} refused by ${workflowId}: ${errorText(err)}`, 'refused');
  }
}

/** Through the rollbackWorkflow; a version that was turned down comes back only with force and a reason. */
export async function rollback(ctx: OperationContext, model: string, request: Omit<RollbackInput, 'modelName'>): Promise<RollbackResult> {
  await loadStoredConfig(await ctx.db(), model);
  const client = await ctx.client();
  const { taskQueue } = ctx.settings;
  const workflowId = rollbackWorkflowId(model);
  await ctx.warnIfNoWorker?.([{ name: taskQueue, kind: 'workflow' }, { name: taskQueue, kind: 'activity' }]);
  try {
    return await client.workflow.execute<typeof rollbackWorkflow>('rollbackWorkflow', {
      workflowId, taskQueue, args: [{ modelName: model, ...request }], workflowIdConflictPolicy: 'FAIL',
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new OperationRefusedError(`a rollback of ${model} is already running: ${workflowId}`, 'conflict');
    if (err instanceof WorkflowFailedError) throw new OperationRefusedError(`rollback of ${model} failed: ${errorText(err.cause ?? err)}`, 'refused');
    throw err;
  }
}

function monitorStart(model: string, taskQueue: string): WithStartWorkflowOperation<typeof modelMonitorWorkflow> {
  return new WithStartWorkflowOperation<typeof modelMonitorWorkflow>('modelMonitorWorkflow', {
    workflowId: monitorWorkflowId(model), taskQueue, args: [{ modelName: model }], workflowIdConflictPolicy: 'USE_EXISTING',
  });
}
