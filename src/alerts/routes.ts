/**
 * Which routes get an alert, how a route is named in records and errors, and the one HTTP send.
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
export function sinkRequest(route: AlertConfig, payload: WebhookPayload, env: NodeJS.ProcessEnv, now: Date): { request: SinkRequest; secrets: string[] } {
  const read = (variable: string): string => {
    const value = env[variable];
    if (!value) throw new MissingSecretError(variable);
    return value;
  };
  switch (route.type) {
    case 'webhook': {
      const secret = route.secretEnv ? read(route.secretEnv) : null;
      return { request: webhookRequest({ ...route, url: route.url! }, payload, secret, now), secrets: secret ? [secret] : [] };
    }
    case 'slack': {
      const url = route.urlEnv === null ? route.url! : read(route.urlEnv);
      return { request: slackRequest({ ...route, url }, payload), secrets: route.urlEnv === null ? [] : [url] };
    }
    case 'pagerduty': {
      if (!route.routingKeyEnv) throw new MissingSecretError('(routingKeyEnv not configured)');
      const key = read(route.routingKeyEnv);
      return { request: pagerDutyRequest({ ...route, url: route.url! }, payload, key), secrets: [key] };
    }
  }
}

/**
 * POSTs once. Returns null on a 2xx answer, else what went wrong, with any secret masked. Redirects
 * are not followed (a 3xx is a failure: the target should be configured as it answers), and a
 * receiver that does not answer within the route's timeout is abandoned.
 */
export async function post(request: SinkRequest, timeoutMs: number, secrets: readonly string[] = []): Promise<string | null> {
  const url = new URL(request.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `refused to post to a ${url.protocol} URL`;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'driftwatch', ...request.headers },
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.ok) {
      await response.body?.cancel();
      return null;
    }
    const text = (await response.text().catch(() => '')).slice(0, 200).trim();
    const redirect = response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : '';
    return mask(`HTTP ${response.status}${redirect}${text ? `: ${text}` : ''}`, secrets);
  } catch (err) {
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
      return `no answer within ${timeoutMs} ms`;
    }
    const message = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    return mask(message, secrets);
  }
}

function mask(text: string, secrets: readonly string[]): string {
  return secrets.reduce((masked, secret) => (secret ? masked.split(secret).join('***') : masked), text);
}
