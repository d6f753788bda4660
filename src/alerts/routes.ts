/**
 * Which routes get an alert, how a route is named in records and errors, and the secrets its
 * delivery reads from the environment.
 */
import {
  ALERT_EVENTS,
  ALERT_SEVERITIES,
  DEFAULT_ALERT_TIMEOUT_MS,
  DEFAULT_PAGERDUTY_EVENTS,
  PAGERDUTY_EVENTS_URL,
  type AlertConfig,
} from '../config';
import type { AlertRequest, WebhookPayload } from './payload';
import { urlSecretParts } from './secret-mask';
import { pagerDutyRequest, slackRequest, webhookRequest, type SinkRequest } from './sinks';

/** Fills in what configs stored before sinks, severities and limits existed do not have. */
export function normaliseRoute(route: Partial<AlertConfig>): AlertConfig {
  const type = route.type ?? 'webhook';
  const urlEnv = route.urlEnv ?? null;
  return {
    type,
    url: route.url ?? (urlEnv === null ? PAGERDUTY_EVENTS_URL : null),
    urlEnv,
    events: route.events ?? [...(type === 'pagerduty' ? DEFAULT_PAGERDUTY_EVENTS : ALERT_EVENTS)],
    minSeverity: route.minSeverity ?? 'info',
    secretEnv: route.secretEnv ?? null,
    routingKeyEnv: route.routingKeyEnv ?? null,
    timeoutMs: route.timeoutMs ?? DEFAULT_ALERT_TIMEOUT_MS,
    rateLimitMs: route.rateLimitMs ?? 0,
    allowInsecureHosts: route.allowInsecureHosts ?? [],
    allowPrivateHosts: route.allowPrivateHosts ?? [],
  };
}

/**
 * The routes an alert goes to: the event is subscribed and the severity is at least the route's
 * minimum. drift_resolved follows drift_detected, and keeps the severity of the drift it closes
 * (as Alertmanager's resolved notifications keep their labels), so a route that was paged is
 * always told the incident is over.
 */
export function routesFor(routes: readonly AlertConfig[], request: Pick<AlertRequest, 'event' | 'severity'>): AlertConfig[] {
  const subscribedAs = request.event === 'drift_resolved' ? 'drift_detected' : request.event;
  return routes.filter((route) =>
    route.events.includes(subscribedAs)
    && ALERT_SEVERITIES.indexOf(request.severity) >= ALERT_SEVERITIES.indexOf(route.minSeverity));
}

/**
 * How a route is named in alert_deliveries and in errors: the webhook URL as configured, a Slack
 * URL without its secret path, PagerDuty by the variable holding its key. Never a secret.
 */
export function routeTarget(route: AlertConfig): string {
  switch (route.type) {
    case 'webhook':
      return route.url!;
    case 'slack': {
      if (route.urlEnv !== null) return `slack:$${route.urlEnv}`;
      const url = new URL(route.url!);
      return `slack:${url.host}#${shortHash(url.pathname)}`;
    }
    case 'pagerduty':
      return `pagerduty:${route.routingKeyEnv ?? '?'}@${new URL(route.url!).host}`;
  }
}

/** Tells two Slack webhooks on one host apart without writing their secret path anywhere. */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

export class MissingSecretError extends Error {
  constructor(readonly variable: string) {
    super(`environment variable ${variable} is not set on the worker`);
    this.name = 'MissingSecretError';
  }
}

/** Reads the route's secret from the environment at send time. */
export function sinkRequest(route: AlertConfig, payload: WebhookPayload, env: NodeJS.ProcessEnv, now: Date): SinkRequest {
  const read = (variable: string): string => {
    const value = env[variable];
    if (!value) throw new MissingSecretError(variable);
    return value;
  };
  switch (route.type) {
    case 'webhook':
      return webhookRequest({ ...route, url: route.url! }, payload, route.secretEnv ? read(route.secretEnv) : null, now);
    case 'slack':
      return slackRequest({ ...route, url: route.urlEnv === null ? route.url! : read(route.urlEnv) }, payload);
    case 'pagerduty':
      if (!route.routingKeyEnv) throw new MissingSecretError('(routingKeyEnv not configured)');
      return pagerDutyRequest({ ...route, url: route.url! }, payload, read(route.routingKeyEnv));
  }
}

/**
 * Every secret value a route's delivery handles, for masking: the values of its secret variables,
 * and a Slack webhook URL (from the config or the environment) with its parts.
 */
export function routeSecrets(route: AlertConfig, env: NodeJS.ProcessEnv): string[] {
  const fromEnv = [route.secretEnv, route.routingKeyEnv, route.urlEnv].flatMap((variable) => (variable ? [env[variable] ?? ''] : []));
  const slackUrl = route.type === 'slack' ? (route.urlEnv === null ? route.url : env[route.urlEnv]) : null;
  return [...fromEnv, ...(slackUrl ? urlSecretParts(slackUrl) : [])].filter((secret) => secret !== '');
}
