/**
 * The JSON body of a webhook alert: what happened, to which model, with the numbers, and where to
 * look (the Temporal UI page of the workflow that sent it).
 */
export type AlertEvent = 'drift_detected' | 'retrain_failed' | 'model_promoted' | 'model_rejected' | 'approval_required';
export type AlertSeverity = 'info' | 'warning' | 'error';

export interface AlertRequest {
  alertKey: string;
  modelName: string;
  event: AlertEvent;
  severity: AlertSeverity;
  summary: string;
  details: Record<string, unknown>;
  workflowId: string;
  runId: string;
}

export interface WebhookPayload {
  source: 'driftwatch';
  event: AlertEvent;
  severity: AlertSeverity;
  model: string;
  summary: string;
  details: Record<string, unknown>;
  links: { workflow: string };
  alertKey: string;
  sentAt: string;
}

/** The Temporal UI page of one workflow run (its event history). */
export function workflowPageUrl(temporalUiUrl: string, namespace: string, workflowId: string, runId: string): string {
  const base = temporalUiUrl.replace(/\/$/, '');
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}

export function buildWebhookPayload(request: AlertRequest, temporalUiUrl: string, namespace: string, now: Date): WebhookPayload {
  const workflowLink = workflowPageUrl(temporalUiUrl, namespace, request.workflowId, request.runId);
  return {
    source: 'driftwatch',
    event: request.event,
    severity: request.severity,
    model: request.modelName,
    summary: request.summary,
    details: request.details,
    links: { workflow: workflowLink },
    alertKey: request.alertKey,
    sentAt: now.toISOString(),
  };
}
