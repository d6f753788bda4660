/**
 * What the fault tests check once the faults are over: what must hold for a model however its
 * retrains ended, and what the histories say was retried.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { expect } from 'vitest';
import { listAliases, listVersions, type VersionSummary } from '../../src/store/registry';
import { listRetrains, type RetrainSummary } from '../../src/store/retrains';
import type { FaultEnvironment } from './environment';

/** What the receiver got: driftwatch's webhook payload (src/alerts/payload.ts), the fields checked here. */
export interface ReceivedAlert { event: string; model: string; summary: string; alertKey: string }

export const alertsOf = (env: FaultEnvironment, modelName: string): ReceivedAlert[] =>
  (env.webhook.received as ReceivedAlert[]).filter((alert) => alert.model === modelName);

/**
 * The registry names one champion (`champion`; null: none yet) and the champion alias names it; no
 * retrain holds its claim (`running`); versions are numbered 1..n, at most one per retrain and kind;
 * a retrain that decided ran each trial it planned once, numbered 1..n; every failed or cancelled
 * retrain was alerted, naming its run, and every promotion announced exactly once.
 */
export async function expectSound(
  env: FaultEnvironment, modelName: string, { champion }: { champion: number | null },
): Promise<{ retrains: RetrainSummary[]; versions: VersionSummary[] }> {
  const versions = await listVersions(env.db, modelName);
  expect(versions.filter((v) => v.status === 'champion').map((v) => v.version)).toEqual(champion === null ? [] : [champion]);
  expect((await listAliases(env.db, modelName)).champion).toBe(champion ?? undefined);
  expect(versions.map((v) => v.version)).toEqual(versions.map((_, i) => i + 1));
  const perRetrainAndKind = await env.db.query<{ retrain_id: string; candidate_kind: string; n: string }>(
    `SELECT retrain_id, candidate_kind, count(*) AS n FROM model_versions WHERE model_name = $1
     GROUP BY retrain_id, candidate_kind HAVING count(*) > 1`, [modelName],
  );
  expect(perRetrainAndKind.rows).toEqual([]);

  const retrains = await listRetrains(env.db, modelName);
  expect(retrains.filter((r) => r.status === 'running').map((r) => r.id)).toEqual([]);
  for (const retrain of retrains.filter((r) => ['promoted', 'rejected', 'failed_quality_gate'].includes(r.status))) {
    const trials = await env.db.query<{ trial_number: number; planned: number }>(
      `SELECT t.trial_number, (r.plan->'tuning'->>'trials')::int AS planned
       FROM tuning_trials t JOIN retrains r ON r.id = t.retrain_id WHERE t.retrain_id = $1 ORDER BY t.trial_number`, [retrain.id],
    );
    const planned = trials.rows[0]?.planned ?? 0;
    expect(trials.rows.map((t) => t.trial_number), `trials of retrain ${retrain.id}`).toEqual(Array.from({ length: planned }, (_, i) => i + 1));
  }

  await until('an alert for every retrain that failed or was cancelled', () => retrains
    .filter((r) => r.status === 'failed' || r.status === 'cancelled')
    .every((r) => alertsOf(env, modelName).some((a) => a.event === `retrain_${r.status}` && a.summary.includes(`(run ${r.id})`))));
  for (const retrain of retrains.filter((r) => r.status === 'promoted')) {
    const announced = alertsOf(env, modelName).filter((a) => a.alertKey === `${retrain.workflowId}/${retrain.id}/model_promoted`);
    expect(announced, `model_promoted of retrain ${retrain.id}`).toHaveLength(1);
  }
  return { retrains, versions };
}

/** The attempt that ended each execution of the activity in the workflow's history (Temporal records only the last one). */
export async function finalAttempts(handle: WorkflowHandle, activityType: string): Promise<number[]> {
  return (await finalAttemptStarts(handle, activityType)).map((started) => started.attempt!);
}

/** For each execution of the activity, the timeout that ended the attempt before its final one (null: none did). */
export async function timeoutsBeforeFinalAttempt(handle: WorkflowHandle, activityType: string): Promise<unknown[]> {
  return (await finalAttemptStarts(handle, activityType)).map((started) => started.lastFailure?.timeoutFailureInfo?.timeoutType ?? null);
}

async function finalAttemptStarts(handle: WorkflowHandle, activityType: string) {
  const { events } = await handle.fetchHistory();
  const scheduled = new Set(events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType).map((e) => String(e.eventId)));
  return events!.flatMap((e) => {
    const started = e.activityTaskStartedEventAttributes;
    return started && scheduled.has(String(started.scheduledEventId)) ? [started] : [];
  });
}

/** Waits until `holds` (polled), failing after `timeoutMs` with what was awaited. */
export async function until(what: string, holds: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await holds())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
