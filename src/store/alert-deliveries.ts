import type { Db } from './db';

export interface DeliveryKey { alertKey: string; target: string }

export async function wasDelivered(db: Db, key: DeliveryKey): Promise<boolean> {
  const result = await db.query(
    `SELECT 1 FROM alert_deliveries WHERE alert_key = $1 AND target = $2 AND status = 'delivered'`,
    [key.alertKey, key.target],
  );
  return (result.rowCount ?? 0) > 0;
}

export async function recordDeliveryAttempt(
  db: Db,
  attempt: DeliveryKey & { modelName: string; event: string; payload: object; error: string | null },
): Promise<void> {
  await db.query(
    `INSERT INTO alert_deliveries (alert_key, target, model_name, event, payload, status, attempts, last_error)
     VALUES ($1, $2, $3, $4, $5, $6, 1, $7)
     ON CONFLICT (alert_key, target) DO UPDATE SET status = EXCLUDED.status, attempts = alert_deliveries.attempts + 1,
       last_error = EXCLUDED.last_error, updated_at = now()`,
    [attempt.alertKey, attempt.target, attempt.modelName, attempt.event, JSON.stringify(attempt.payload),
      attempt.error === null ? 'delivered' : 'failing', attempt.error],
  );
}
