import { proxyActivities } from '@temporalio/workflow';
import type { createOrchestrationActivities } from '../activities/orchestration';
import { MONITOR_TICK_ACTIVITY } from '../src/policy/retries';
import type { DriftCheckResult } from './definitions';

const orchestration = proxyActivities<ReturnType<typeof createOrchestrationActivities>>(MONITOR_TICK_ACTIVITY);

/**
 * What the Temporal Schedule starts on each tick: hands the tick to the model's monitor (starting it
 * if needed) and returns the drift check's result, so the schedule's run list shows each outcome.
 */
export async function monitorTickWorkflow(input: { modelName: string }): Promise<DriftCheckResult> {
  return orchestration.deliverMonitorTick({ modelName: input.modelName, source: 'schedule' });
}
