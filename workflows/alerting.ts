import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createOrchestrationActivities } from '../activities/orchestration';
import type { AlertRequest } from '../src/alerts/payload';

const alerts = proxyActivities<ReturnType<typeof createOrchestrationActivities>>({
  startToCloseTimeout: '30 seconds',
  // Bounded: a dead webhook costs about a minute of retries, then the workflow moves on.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '20 seconds', maximumAttempts: 5 },
});

/**
 * Sends an alert to every route of the model that wants this event. Delivery failures are logged
 * and recorded by the activity, never thrown: an alert must not fail a retrain.
 */
export async function sendAlert(
  request: Omit<AlertRequest, 'alertKey' | 'workflowId' | 'runId'>,
  /** Tells apart alerts of one event from one workflow run (a long-lived monitor sends many). */
  occurrence = '',
): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  const alertKey = `${workflowId}/${runId}/${request.event}${occurrence ? `/${occurrence}` : ''}`;
  try {
    await alerts.deliverAlert({ ...request, alertKey, workflowId, runId });
  } catch (err) {
    log.warn('alert delivery failed after retries', { event: request.event, error: err instanceof Error ? err.message : String(err) });
  }
}
