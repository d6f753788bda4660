/**
 * A retrain's claim (its `running` row in `retrains`) makes every later drift check answer "already
 * running", so it must be released in every ending. The workflow releases it itself when it fails
 * or is cancelled; termination and timeouts run no workflow code, so a reconciler asks Temporal how
 * the claim's run ended and releases it on the workflow's behalf. Pure and deterministic: the
 * reconciling activity and the workflows that alert about released claims share it.
 */
import type { AlertRequest } from '../alerts/payload';

/** How a retrain that will not decide ends: `cancelled` when a person stopped it, `failed` otherwise. */
export type UndecidedEnding = 'failed' | 'cancelled';

/**
 * How Temporal says a retrain's workflow run stands; `detail` is what closed it (a termination's
 * reason, a failure's message). NOT_FOUND: Temporal no longer knows the run (its history is past
 * the namespace's retention).
 */
export type RetrainRunState =
  | { status: 'RUNNING' | 'PAUSED' | 'UNSPECIFIED' | 'UNKNOWN' }
  | { status: 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'TIMED_OUT' | 'CONTINUED_AS_NEW' | 'NOT_FOUND'; detail: string | null };

/** A released claim: why the retrain ended, and the candidate versions it withdrew (now `cancelled`, the challenger alias freed). */
export interface ReleasedClaim {
  retrainId: string;
  workflowId: string;
  modelName: string;
  status: UndecidedEnding;
  reason: string;
  withdrawnVersions: number[];
}

/**
 * The ending to record for a claim whose run has closed without releasing it, or null while the run
 * may still release it itself (running, paused, or a state Temporal could not name).
 */
export function endingOfClosedRun(state: RetrainRunState): { status: UndecidedEnding; reason: string } | null {
  if (!('detail' in state)) return null;
  const detail = state.detail ? `: ${state.detail}` : '';
  switch (state.status) {
    case 'CANCELLED':
      return { status: 'cancelled', reason: `cancelled before its workflow could release its claim${detail}` };
    case 'TERMINATED':
      return { status: 'failed', reason: `terminated${detail}` };
    case 'TIMED_OUT':
      return { status: 'failed', reason: `timed out (the workflow's execution or run timeout)${detail}` };
    case 'FAILED':
      return { status: 'failed', reason: `failed before its workflow could release its claim${detail}` };
    case 'NOT_FOUND':
      return { status: 'failed', reason: 'ended unknown to Temporal (the run is past the namespace\'s retention)' };
    case 'COMPLETED':
    case 'CONTINUED_AS_NEW':
      return { status: 'failed', reason: `closed as ${state.status} without recording an outcome${detail}` };
  }
}

/** The retrain_failed or retrain_cancelled alert of a released claim, whoever released it. */
export function releasedClaimAlert(claim: ReleasedClaim, details: Record<string, unknown> = {}): Omit<AlertRequest, 'alertKey' | 'workflowId' | 'runId'> {
  const { modelName, workflowId, retrainId, status, reason, withdrawnVersions } = claim;
  const withdrawn = withdrawnVersions.length === 0
    ? ''
    : ` Its candidate ${withdrawnVersions.map((v) => `v${v}`).join(', ')} ${withdrawnVersions.length === 1 ? 'is' : 'are'} cancelled and the challenger alias is free.`;
  return {
    modelName,
    event: status === 'cancelled' ? 'retrain_cancelled' : 'retrain_failed',
    severity: status === 'cancelled' ? 'warning' : 'error',
    summary: `Retrain ${workflowId} of ${modelName} (run ${retrainId}) ${reason}.${withdrawn} The champion is unchanged, and the next drift check may start a retrain.`,
    details: { retrainId, workflowId, status, reason, withdrawnVersions, ...details },
  };
}
