/**
 * Retrain runs (their tuning trials are in ./trials). A partial unique index allows one running retrain per model;
 * the cooldown is measured from the last retrain that reached a decision.
 */
import type { Db } from './db';
import { isUniqueViolation } from './db';

export type RetrainTrigger = 'drift' | 'manual' | 'bootstrap';
export type RetrainStatus = 'running' | 'promoted' | 'rejected' | 'failed_quality_gate' | 'failed';

export interface RetrainClaim {
  id: string;
  workflowId: string;
  modelName: string;
  trigger: RetrainTrigger;
  requestedBy: string | null;
  reason: string | null;
  driftReportId: number | null;
  cooldownMs: number;
}

export type ClaimResult =
  | { claimed: true }
  | { claimed: false; reason: string; holder?: { id: string; workflowId: string } };

export async function claimRetrain(db: Db, claim: RetrainClaim): Promise<ClaimResult> {
  const mine = await db.query<{ status: RetrainStatus }>('SELECT status FROM retrains WHERE id = $1', [claim.id]);
  if (mine.rows[0]) return { claimed: true };
  if (claim.trigger === 'drift') {
    const until = await cooldownUntil(db, claim.modelName, claim.cooldownMs);
    if (until) return { claimed: false, reason: `cooling down until ${until} after the last retrain` };
  }
  try {
    await db.query(
      `INSERT INTO retrains (id, workflow_id, model_name, trigger, requested_by, reason, drift_report_id, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'running')`,
      [claim.id, claim.workflowId, claim.modelName, claim.trigger, claim.requestedBy, claim.reason, claim.driftReportId],
    );
    return { claimed: true };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const holder = await runningRetrain(db, claim.modelName);
    return {
      claimed: false,
      reason: holder ? `retrain ${holder.workflowId} (run ${holder.id}) is already running` : 'another retrain is starting',
      ...(holder ? { holder } : {}),
    };
  }
}

/**
 * When a drift-triggered retrain may start again, or null if it may start now. The cooldown stops
 * retrain storms under persistent drift, so it runs from the last drift or manual retrain's
 * decision; the bootstrap of a model's first version does not start one.
 */
export async function cooldownUntil(db: Db, modelName: string, cooldownMs: number): Promise<string | null> {
  const last = await db.query<{ finished_at: Date }>(
    `SELECT finished_at FROM retrains
     WHERE model_name = $1 AND status IN ('promoted', 'rejected', 'failed_quality_gate') AND trigger <> 'bootstrap'
     ORDER BY finished_at DESC LIMIT 1`,
    [modelName],
  );
  const finishedAt = last.rows[0]?.finished_at;
  if (!finishedAt) return null;
  const until = finishedAt.getTime() + cooldownMs;
  return until > Date.now() ? new Date(until).toISOString() : null;
}

export async function runningRetrain(db: Db, modelName: string): Promise<{ id: string; workflowId: string } | null> {
  const result = await db.query<{ id: string; workflow_id: string }>(
    `SELECT id, workflow_id FROM retrains WHERE model_name = $1 AND status = 'running'`,
    [modelName],
  );
  const row = result.rows[0];
  return row ? { id: row.id, workflowId: row.workflow_id } : null;
}

export async function saveRetrainPlan(db: Db, id: string, plan: object): Promise<void> {
  await db.query('UPDATE retrains SET plan = $2 WHERE id = $1', [id, JSON.stringify(plan)]);
}

/** Sets the final status once; a retried call, or a late zombie attempt, cannot overwrite it. */
export async function finishRetrain(db: Db, id: string, status: Exclude<RetrainStatus, 'running'>, result: object): Promise<void> {
  await db.query(
    `UPDATE retrains SET status = $2, result = $3, finished_at = now() WHERE id = $1 AND status = 'running'`,
    [id, status, JSON.stringify(result)],
  );
}

/** Releases the claim of a retrain whose workflow ended without finishing it (terminated, timed out). */
export async function abandonRetrain(db: Db, id: string, why: string): Promise<void> {
  await finishRetrain(db, id, 'failed', { error: why });
}

export interface RetrainSummary {
  id: string;
  workflowId: string;
  trigger: RetrainTrigger;
  status: RetrainStatus;
  startedAt: string;
  finishedAt: string | null;
  result: Record<string, unknown> | null;
}

export async function listRetrains(db: Db, modelName: string): Promise<RetrainSummary[]> {
  const result = await db.query<{
    id: string; workflow_id: string; trigger: RetrainTrigger; status: RetrainStatus; started_at: Date; finished_at: Date | null;
    result: Record<string, unknown> | null;
  }>(
    'SELECT id, workflow_id, trigger, status, started_at, finished_at, result FROM retrains WHERE model_name = $1 ORDER BY started_at',
    [modelName],
  );
  return result.rows.map((r) => ({
    id: r.id, workflowId: r.workflow_id, trigger: r.trigger, status: r.status, startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null, result: r.result,
  }));
}
