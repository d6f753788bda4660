/**
 * One delivery attempt of one alert to every route that wants it, all routes at once (a hanging
 * receiver costs its own timeout, not the others'). Each route's outcome is recorded in
 * alert_deliveries; a route that already acknowledged this alert is not sent it again.
 */
import type { AlertConfig } from '../config';
import type { Db } from '../store/db';
import { incidentTriggerSent, notifiedWithin, recordDeliveryAttempt, wasDelivered } from '../store/alert-deliveries';
import { alertLinks, buildWebhookPayload, type AlertRequest } from './payload';
import { normaliseRoute, post, routeTarget, routesFor, sinkRequest } from './routes';

export interface DeliveryOptions {
  temporalUiUrl: string;
  namespace: string;
  /** Where secrets and DRIFTWATCH_REPORT_URL are read from, at send time. */
  env: NodeJS.ProcessEnv;
  now: Date;
}

export interface DeliveryOutcome {
  delivered: number;
  /** Held back by a route's rate limit. */
  suppressed: number;
  /** Resolves not sent because the route never heard the trigger (it was rate-limited or not routed). */
  skipped: number;
  /** `<target>: <error>` per route that failed this attempt; never contains a secret. */
  failures: string[];
}

export async function deliverToRoutes(db: Db, configured: readonly AlertConfig[], request: AlertRequest, options: DeliveryOptions): Promise<DeliveryOutcome> {
  const routes = routesFor(configured.map(normaliseRoute), request);
  const links = alertLinks(request, { ...options, reportUrlTemplate: options.env.DRIFTWATCH_REPORT_URL || null });
  const payload = buildWebhookPayload(request, links, options.now);
  const outcome: DeliveryOutcome = { delivered: 0, suppressed: 0, skipped: 0, failures: [] };
  const incidentKey = request.incident?.dedupKey ?? null;

  await Promise.all(routes.map(async (route) => {
    const target = routeTarget(route);
    const key = { alertKey: request.alertKey, target };
    if (await wasDelivered(db, key)) return;
    const record = { ...key, modelName: request.modelName, event: request.event, payload, sink: route.type, incidentKey };
    // A resolve (of drift, of a blind monitor) goes where its incident's trigger went, whatever the rate limit.
    if (request.incident?.action === 'resolve' && incidentKey !== null) {
      if (!(await incidentTriggerSent(db, { incidentKey, target, resolveAlertKey: request.alertKey }))) {
        outcome.skipped += 1;
        return;
      }
    } else if (route.rateLimitMs > 0 && await notifiedWithin(db, {
      modelName: request.modelName, target, event: request.event, exceptAlertKey: request.alertKey, withinMs: route.rateLimitMs,
    })) {
      await recordDeliveryAttempt(db, { ...record, error: null, suppressed: true });
      outcome.suppressed += 1;
      return;
    }
    let error: string | null;
    try {
      const { request: http, secrets } = sinkRequest(route, payload, options.env, options.now);
      error = await post(http, route.timeoutMs, secrets);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    await recordDeliveryAttempt(db, { ...record, error });
    if (error === null) outcome.delivered += 1;
    else outcome.failures.push(`${target}: ${error}`);
  }));
  return outcome;
}
