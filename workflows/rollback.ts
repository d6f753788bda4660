import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createOrchestrationActivities } from '../activities/orchestration';
import type { RollbackInput, RollbackResult } from './definitions';

const { rollbackChampion } = proxyActivities<ReturnType<typeof createOrchestrationActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['RollbackError', 'UnknownModelError'] },
});

/**
 * Moves a model's champion alias back (startable from the Temporal UI or `driftwatch models
 * rollback`). One transaction in the registry; the move is recorded in the alias history with who
 * asked, why and this workflow's ID.
 */
export async function rollbackWorkflow(input: RollbackInput): Promise<RollbackResult> {
  if (typeof input?.modelName !== 'string' || input.modelName === '') {
    throw ApplicationFailure.nonRetryable('modelName is required', 'InvalidRollbackInput');
  }
  if (typeof input.requestedBy !== 'string' || input.requestedBy.trim() === '') {
    throw ApplicationFailure.nonRetryable('requestedBy is required: say who rolls back', 'InvalidRollbackInput');
  }
  if (input.toVersion !== undefined && !(Number.isSafeInteger(input.toVersion) && input.toVersion >= 1)) {
    throw ApplicationFailure.nonRetryable(`toVersion must be a version number, got ${JSON.stringify(input.toVersion)}`, 'InvalidRollbackInput');
  }
  const result = await rollbackChampion({
    modelName: input.modelName,
    toVersion: input.toVersion ?? null,
    move: { actor: input.requestedBy.trim(), reason: input.reason ?? 'rollback', workflowId: workflowInfo().workflowId },
  });
  return { modelName: input.modelName, ...result };
}
