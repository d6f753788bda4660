/**
 * One delivery attempt of one alert to every route that wants it, all routes at once (a hanging
 * receiver costs its own timeout, not the others'). Each route's outcome is recorded in
 * alert_deliveries; a route that already acknowledged this alert is not sent it again. Every error
 * that leaves here (records, the activity's failure, logs) has the routes' secrets masked by value.
 */
import type { AlertConfig } from '../config';
import type { Db } from '../store/db';
import { incidentTriggerSent, notifiedWithin, recordDeliveryAttempt, wasDelivered } from '../store/alert-deliveries';
import { RefusedDestinationError, post } from './outbound';
import { alertLinks, buildWebhookPayload, type AlertRequest } from './payload';
import { normaliseRoute, routeSecrets, routeTarget, routesFor, sinkRequest } from './routes';
import { reportUrlTemplate } from '../settings';
import { secretMask } from './secret-mask';

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
  failures: DeliveryFailure[];
}

/** A route that failed this attempt. Its error has every secret of the model's routes masked. */
export interface DeliveryFailure {
  target: string;
  error: string;
  /** false when the route's destination policy refused it: only a config change helps. */
  retryable: boolean;
}

export async function deliverToRoutes(db: Db, configured: readonly AlertConfig[], request: AlertRequest, options: DeliveryOptions): Promise<DeliveryOutcome> {
  const routes = configured.map(normaliseRoute);
  // Every route's secrets, so that no route's error can carry another's either.
  const mask = secretMask(routes.flatMap((route) => routeSecrets(route, options.env)));
  const links = alertLinks(request, { ...options, reportUrlTemplate: reportUrlTemplate(options.env) });
  const payload = buildWebhookPayload(request, links, options.now);
  const outcome: DeliveryOutcome = { delivered: 0, suppressed: 0, skipped: 0, failures: [] };
  const incidentKey = request.incident?.dedupKey ?? null;

  await Promise.all(routesFor(routes, request).map(async (route) => {
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
    let failure: Omit<DeliveryFailure, 'target'> | null;
    try {
      const http = sinkRequest(route, payload, options.env, options.now);
      const error = await post(http, { timeoutMs: route.timeoutMs, policy: route, routePath: `alerts[${routes.indexOf(route)}]`, mask });
      failure = error === null ? null : { error, retryable: true };
    } catch (err) {
      failure = { error: mask(err instanceof Error ? err.message : String(err)), retryable: !(err instanceof RefusedDestinationError) };
    }
    await recordDeliveryAttempt(db, { ...record, error: failure?.error ?? null });
    if (failure === null) outcome.delivered += 1;
    else outcome.failures.push({ target, ...failure });
  }));
  return outcome;
}
