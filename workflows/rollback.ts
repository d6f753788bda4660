import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createOrchestrationActivities } from '../activities/orchestration';
import { ORCHESTRATION_ACTIVITY } from '../src/policy/retries';
import type { RollbackInput, RollbackResult } from './definitions';

const { rollbackChampion } = proxyActivities<ReturnType<typeof createOrchestrationActivities>>(ORCHESTRATION_ACTIVITY);

/**
 * Moves a model's champion alias back (startable from the Temporal UI or `driftwatch models
 * rollback`). One transaction in the registry; the move is recorded in the alias history with who
 * asked, why and this workflow's ID. A version that was turned down comes back only with `force`
 * and a reason, and the history also records why it had been turned down.
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
  if (input.force !== undefined && typeof input.force !== 'boolean') {
    throw ApplicationFailure.nonRetryable(`force must be true or false, got ${JSON.stringify(input.force)}`, 'InvalidRollbackInput');
  }
  if (input.force && (typeof input.reason !== 'string' || input.reason.trim() === '')) {
    throw ApplicationFailure.nonRetryable('a forced rollback needs a reason: say why a version that was turned down should serve', 'InvalidRollbackInput');
  }
  const result = await rollbackChampion({
    modelName: input.modelName,
    toVersion: input.toVersion ?? null,
    move: { actor: input.requestedBy.trim(), reason: input.reason ?? 'rollback', workflowId: workflowInfo().workflowId },
    force: input.force ?? false,
  });
  return { modelName: input.modelName, ...result };
}
