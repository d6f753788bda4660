/**
 * Which versions a rollback may bring back as it is. A version that served as champion may, and so
 * may one superseded only because the champion changed during its retrain; one that was turned down
 * (a person rejected it, nobody approved it in time, or it failed its evaluation) needs force and a
 * reason, which the alias history keeps.
 */
import type { ApprovalRecord } from './promotion';

export interface RollbackTarget {
  status: string;
  /** The decision stored when its retrain ended; null for versions decided before decisions were stored. */
  decision: { approval?: ApprovalRecord; reasons?: string[]; superseded?: string } | null;
}

/** Why the version was turned down (a phrase after "v5 of 'm'"), or null when a rollback may bring it back without force. */
export function turnedDownBecause({ status, decision }: RollbackTarget): string | null {
  if (status === 'archived') return null;
  if (status !== 'rejected') return `is ${status}`;
  if (decision?.superseded !== undefined) return null;
  const approval = decision?.approval;
  if (approval?.status === 'rejected') return `was rejected by ${approval.by}${approval.reason ? ` (${approval.reason})` : ''}`;
  if (approval?.status === 'timed_out') return 'was not approved before its approval deadline';
  const reasons = decision?.reasons ?? [];
  return `failed its evaluation: ${reasons.length > 0 ? reasons.join('; ') : 'no reason was recorded'}`;
}
