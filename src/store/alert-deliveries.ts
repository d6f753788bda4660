import type { Db } from './db';

export interface DeliveryKey { alertKey: string; target: string }

export type DeliveryStatus = 'delivered' | 'failing' | 'suppressed';

/** Delivered, or held back by a rate limit: either way a retry of the delivery must not send it again. */
export async function wasDelivered(db: Db, key: DeliveryKey): Promise<boolean> {
  const result = await db.query(
    `SELECT 1 FROM alert_deliveries WHERE alert_key = $1 AND target = $2 AND status IN ('delivered', 'suppressed')`,
    [key.alertKey, key.target],
  );
  return (result.rowCount ?? 0) > 0;
}

export async function recordDeliveryAttempt(
  db: Db,
  attempt: DeliveryKey & {
    modelName: string; event: string; payload: object; error: string | null;
    sink?: string; incidentKey?: string | null; suppressed?: boolean;
  },
): Promise<void> {
  const status: DeliveryStatus = attempt.suppressed ? 'suppressed' : attempt.error === null ? 'delivered' : 'failing';
  await db.query(
    `INSERT INTO alert_deliveries (alert_key, target, model_name, event, payload, status, attempts, last_error, sink, incident_key, delivered_at)
     VALUES ($1, $2, $3, $4, $5, $6::text, $7, $8, $9, $10, CASE WHEN $6::text = 'delivered' THEN now() END)
     ON CONFLICT (alert_key, target) DO UPDATE SET status = EXCLUDED.status, attempts = alert_deliveries.attempts + EXCLUDED.attempts,
       last_error = EXCLUDED.last_error, delivered_at = EXCLUDED.delivered_at, updated_at = now()`,
    [attempt.alertKey, attempt.target, attempt.modelName, attempt.event, JSON.stringify(attempt.payload), status,
      attempt.suppressed ? 0 : 1, attempt.error, attempt.sink ?? 'webhook', attempt.incidentKey ?? null],
  );
}

/** Whether this route was sent another alert of this event kind for this model within the interval. */
export async function notifiedWithin(
  db: Db,
  query: { modelName: string; target: string; event: string; exceptAlertKey: string; withinMs: number },
): Promise<boolean> {
  const result = await db.query(
    `SELECT 1 FROM alert_deliveries
      WHERE model_name = $1 AND target = $2 AND event = $3 AND alert_key <> $4 AND status = 'delivered'
        AND delivered_at > now() - make_interval(secs => $5::double precision / 1000)
      LIMIT 1`,
    [query.modelName, query.target, query.event, query.exceptAlertKey, query.withinMs],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Whether this route was sent (or tried to be sent) an earlier alert of the incident (its trigger), so it must hear the resolve. */
export async function incidentTriggerSent(db: Db, query: { incidentKey: string; target: string; resolveAlertKey: string }): Promise<boolean> {
  const result = await db.query(
    `SELECT 1 FROM alert_deliveries
      WHERE incident_key = $1 AND target = $2 AND alert_key <> $3 AND status IN ('delivered', 'failing')
      LIMIT 1`,
    [query.incidentKey, query.target, query.resolveAlertKey],
  );
  return (result.rowCount ?? 0) > 0;
}

export interface DeliveryRecord {
  alertKey: string; target: string; sink: string; event: string; status: DeliveryStatus; attempts: number;
  lastError: string | null; incidentKey: string | null; updatedAt: string;
}

export async function listDeliveries(db: Db, modelName: string, limit = 50): Promise<DeliveryRecord[]> {
  const result = await db.query<Omit<DeliveryRecord, 'updatedAt'> & { updatedAt: Date }>(
    `SELECT alert_key AS "alertKey", target, sink, event, status, attempts, last_error AS "lastError",
            incident_key AS "incidentKey", updated_at AS "updatedAt"
       FROM alert_deliveries WHERE model_name = $1 ORDER BY updated_at DESC LIMIT $2`,
    [modelName, limit],
  );
  return result.rows.map((row) => ({ ...row, updatedAt: row.updatedAt.toISOString() }));
}
