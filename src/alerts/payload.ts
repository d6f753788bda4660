/**
 * What an alert says: what happened, to which model, with the numbers, and where to look (the
 * Temporal UI page of the workflow that sent it, and the drift report). Deterministic and free of
 * Node modules: workflows build AlertRequests; the delivery activity turns them into sink bodies.
 */
import type { AlertEvent as RoutedEvent, AlertSeverity } from '../config';

export type { AlertSeverity };
/** The routed events plus drift_resolved, which follows the drift_detected of its incident. */
export type AlertEvent = RoutedEvent | 'drift_resolved';

/** A drift incident's or blind episode's transition: PagerDuty triggers and resolves with this key; other sinks show it. */
export interface IncidentRef {
  /** `driftwatch/<model>/drift/<id>` or `driftwatch/<model>/blind/<id>`: the same for every notification of one incident. */
  dedupKey: string;
  action: 'trigger' | 'resolve';
}

export interface AlertRequest {
  /** Identifies this alert across activity retries: a retry re-sends only to routes that have not acknowledged it. */
  alertKey: string;
  modelName: string;
  event: AlertEvent;
  severity: AlertSeverity;
  summary: string;
  details: Record<string, unknown>;
  workflowId: string;
  runId: string;
  incident?: IncidentRef;
  driftReportId?: number | null;
}

export interface AlertLinks {
  /** The Temporal UI page of the workflow run that sent the alert. */
  workflow: string;
  /** Only when DRIFTWATCH_REPORT_URL is set (a template with {model} and {reportId}). */
  driftReport?: string;
}

export interface WebhookPayload {
  source: 'driftwatch';
  event: AlertEvent;
  /** 'resolved' for drift_resolved and any other incident resolve (a blind monitor that sees again; Alertmanager's convention), else 'firing'. */
  status: 'firing' | 'resolved';
  severity: AlertSeverity;
  model: string;
  summary: string;
  details: Record<string, unknown>;
  links: AlertLinks;
  incident: IncidentRef | null;
  driftReportId: number | null;
  alertKey: string;
  sentAt: string;
}

/** The Temporal UI page of one workflow run (its event history). */
export function workflowPageUrl(temporalUiUrl: string, namespace: string, workflowId: string, runId: string): string {
  const base = temporalUiUrl.replace(/\/$/, '');
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}

/** Expands a drift report URL template: `{model}` and `{reportId}`, each URL-encoded. */
export function driftReportUrl(template: string, modelName: string, reportId: number): string {
  return template.replaceAll('{model}', encodeURIComponent(modelName)).replaceAll('{reportId}', String(reportId));
}

export function alertLinks(
  request: AlertRequest,
  options: { temporalUiUrl: string; namespace: string; reportUrlTemplate?: string | null },
): AlertLinks {
  const links: AlertLinks = { workflow: workflowPageUrl(options.temporalUiUrl, options.namespace, request.workflowId, request.runId) };
  if (options.reportUrlTemplate && request.driftReportId != null) {
    links.driftReport = driftReportUrl(options.reportUrlTemplate, request.modelName, request.driftReportId);
  }
  return links;
}

export function buildWebhookPayload(request: AlertRequest, links: AlertLinks, now: Date): WebhookPayload {
  return {
    source: 'driftwatch',
    event: request.event,
    status: request.event === 'drift_resolved' || request.incident?.action === 'resolve' ? 'resolved' : 'firing',
    severity: request.severity,
    model: request.modelName,
    summary: request.summary,
    details: request.details,
    links,
    incident: request.incident ?? null,
    driftReportId: request.driftReportId ?? null,
    alertKey: request.alertKey,
    sentAt: now.toISOString(),
  };
}
