/**
 * Retrain runs (their tuning trials are in ./trials). A partial unique index allows one running retrain per model;
 * the cooldown is measured from the last retrain that reached a decision.
 */
import type { ReleasedClaim, UndecidedEnding } from '../policy/retrain-claims';
import type { ArtifactStore } from './artifacts';
import type { Db } from './db';
import { isUniqueViolation, withTransaction } from './db';
import { withdrawCandidates } from './registry';

export type RetrainTrigger = 'drift' | 'manual' | 'bootstrap';
export type RetrainStatus = 'running' | 'promoted' | 'rejected' | 'failed_quality_gate' | UndecidedEnding;

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

export type ClaimResult = { claimed: true } | { claimed: false; reason: string };

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
/** Records a decided retrain's ending; false when it had ended already (a retried activity). */
export async function finishRetrain(db: Db, id: string, status: Exclude<RetrainStatus, 'running'>, result: object): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE retrains SET status = $2, result = $3, finished_at = now() WHERE id = $1 AND status = 'running'`,
    [id, status, JSON.stringify(result)],
  );
  return rowCount === 1;
}

/** Which model a retrain was for and what started it; null for an unknown retrain. */
export async function retrainOrigin(db: Db, id: string): Promise<{ modelName: string; trigger: RetrainTrigger } | null> {
  const { rows } = await db.query<{ model_name: string; trigger: RetrainTrigger }>(`SELECT model_name, trigger FROM retrains WHERE id = $1`, [id]);
  return rows[0] ? { modelName: rows[0].model_name, trigger: rows[0].trigger } : null;
}

/**
 * Ends a retrain that will not decide (it failed, was cancelled, terminated or timed out): releases
 * its claim with the reason, withdraws its candidates (`cancelled`, off the challenger alias) and
 * deletes its training checkpoints. Idempotent: for a retrain already ended so, it returns the ending
 * recorded then, with `releasedNow` false (whoever released it has alerted). Null for a retrain that
 * decided, or an unknown one.
 */
export async function releaseClaim(
  db: Db,
  artifacts: ArtifactStore,
  ending: { retrainId: string; status: UndecidedEnding; reason: string },
): Promise<{ claim: ReleasedClaim; releasedNow: boolean } | null> {
  const released = await withTransaction(db, async (client) => {
    const running = await client.query<{ model_name: string; workflow_id: string }>(
      `UPDATE retrains SET status = $2, closed_reason = $3, finished_at = now() WHERE id = $1 AND status = 'running'
       RETURNING model_name, workflow_id`,
      [ending.retrainId, ending.status, ending.reason],
    );
    const row = running.rows[0];
    if (row) {
      const withdrawnVersions = await withdrawCandidates(client, {
        modelName: row.model_name, retrainId: ending.retrainId, workflowId: row.workflow_id, reason: `its retrain ${ending.reason}`,
      });
      return { claim: { ...ending, modelName: row.model_name, workflowId: row.workflow_id, withdrawnVersions }, releasedNow: true };
    }
    const ended = await client.query<{ model_name: string; workflow_id: string; status: UndecidedEnding; closed_reason: string | null; withdrawn: number[] }>(
      `SELECT model_name, workflow_id, status, closed_reason,
              array(SELECT version FROM model_versions WHERE retrain_id = $1 AND status = 'cancelled' ORDER BY version) AS withdrawn
       FROM retrains WHERE id = $1 AND status IN ('failed', 'cancelled')`,
      [ending.retrainId],
    );
    const earlier = ended.rows[0];
    if (!earlier) return null;
    const claim: ReleasedClaim = {
      retrainId: ending.retrainId, modelName: earlier.model_name, workflowId: earlier.workflow_id, status: earlier.status,
      reason: earlier.closed_reason ?? ending.reason, withdrawnVersions: earlier.withdrawn,
    };
    return { claim, releasedNow: false };
  });
  // Also when it was released before: a retry after a failed deletion deletes them then.
  if (released) await artifacts.deleteRetrainCheckpoints(ending.retrainId);
  return released;
}

export interface RetrainSummary {
  id: string;
  workflowId: string;
  trigger: RetrainTrigger;
  status: RetrainStatus;
  startedAt: string;
  finishedAt: string | null;
  result: Record<string, unknown> | null;
  /** Why a retrain that did not decide ended (failed, cancelled, terminated, timed out); null otherwise. */
  closedReason: string | null;
}

export async function listRetrains(db: Db, modelName: string): Promise<RetrainSummary[]> {
  const result = await db.query<{
    id: string; workflow_id: string; trigger: RetrainTrigger; status: RetrainStatus; started_at: Date; finished_at: Date | null;
    result: Record<string, unknown> | null; closed_reason: string | null;
  }>(
    `SELECT id, workflow_id, trigger, status, started_at, finished_at, result, closed_reason
     FROM retrains WHERE model_name = $1 ORDER BY started_at`,
    [modelName],
  );
  return result.rows.map((r) => ({
    id: r.id, workflowId: r.workflow_id, trigger: r.trigger, status: r.status, startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null, result: r.result, closedReason: r.closed_reason,
  }));
}
