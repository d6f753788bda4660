import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createOrchestrationActivities } from '../activities/orchestration';
import type { AlertRequest } from '../src/alerts/payload';
import { ALERT_DELIVERY_ACTIVITY } from '../src/policy/retries';

const alerts = proxyActivities<ReturnType<typeof createOrchestrationActivities>>(ALERT_DELIVERY_ACTIVITY);

export type AlertContent = Omit<AlertRequest, 'alertKey' | 'workflowId' | 'runId'>;

/**
 * Sends an alert to every route of the model that wants this event. Delivery failures are logged
 * and recorded by the activity, never thrown: an alert must not fail a retrain. The request holds
 * no secret: routes name environment variables, which only the activity reads.
 */
export async function sendAlert(
  request: AlertContent,
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
