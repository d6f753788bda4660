/**
 * Back-off of drift-triggered retrains inside one drift incident. When challengers keep losing
 * under persistent drift, retraining again on much the same rows only repeats the loss: each
 * rejected challenger pushes the next automatic retrain back (exponentially, up to a cap), and
 * after enough of them the monitor asks a person while it goes on retrying at that pace. Time is the data's event time (the
 * window end of the checks), so a replay or a backfill of old data backs off as live data would.
 * Pure and deterministic: the monitor workflow keeps the state in its drift incident.
 */
import type { RetrainBackoff } from '../config';
import { addsToSignature, mayHold, signatureOf, unionOf, type DriftSignature } from './drift-signature';

export type { RetrainBackoff };

/** A retrain started while the incident was open that did not help: rejected, or a broken challenger. */
export interface RejectedRetrain {
  runId: string;
  outcome: 'rejected' | 'failed_quality_gate';
  reason: string;
  challengerVersion: number | null;
  /** Window end of the check the retrain started from: its back-off counts from here. Null when no check had a window. */
  dataTime: string | null;
  /** Event time that check's window spanned: the unit of a `window` back-off. Null when no check had a window. */
  windowSpanMs: number | null;
  /** Labelled rows at that check: later checks with enough more re-arm retrains. */
  labelledRows: number;
}

export interface RetrainBackoffState {
  /** Retrains that did not help since the incident opened or was last re-armed, oldest first. */
  rejected: RejectedRetrain[];
  /** Drifted features the incident's checks named (a check names its top ones), at most DRIFTED_FEATURES_NAMED: for people. */
  driftedFeatures: string[];
  /**
   * Every feature that drifted in a check of the incident: one outside it is a changed drift pattern.
   * Absent from states of earlier versions, whose driftedFeatures held every name.
   */
  driftSignature?: DriftSignature;
  /** retraining_not_helping went out for the current run of rejections. */
  askedPerson: boolean;
}

export const FRESH_BACKOFF: RetrainBackoffState = { rejected: [], driftedFeatures: [], askedPerson: false };

export type RearmCause =
  | { kind: 'manual'; requestedBy: string }
  | { kind: 'new_labelled_rows'; newRows: number }
  | { kind: 'new_drifted_features'; features: string[] };

/** What a drifted check of the incident may do about retraining. */
export type RetrainGate =
  | { kind: 'open'; rearmedBy: RearmCause | null }
  | { kind: 'backing_off'; until: string; reason: string };

export interface DriftedCheck {
  /** Event time of the check's window end. */
  windowEnd: string;
  labelledRows: number;
  /** The drifted features the check names: its top ones. */
  driftedFeatures: string[];
  /** Every drifted feature of the check; absent when driftedFeatures names them all. */
  driftSignature?: DriftSignature;
}

/** Enough names for an alert to show the pattern; the signature holds the rest. */
export const DRIFTED_FEATURES_NAMED = 100;

/**
 * The first wait: `window` is the event time the rejected retrain's check window spanned, so the
 * next retrain sees a window of rows the last one did not. Sooner, it would train and decide on
 * much the same rows and lose again (monthly checks on daily data with a fixed 7 d wait retrained
 * every month through a whole year of failing challengers).
 */
export function initialDelayMs(policy: RetrainBackoff, windowSpanMs: number | null): number {
  return policy.initialMs === 'window' ? windowSpanMs ?? 0 : policy.initialMs;
}

/**
 * initial · multiplier^(rejections − 1), capped at maxMs but never below the initial wait; 0
 * before any rejection.
 */
export function backoffDelayMs(policy: RetrainBackoff, rejections: number, windowSpanMs: number | null): number {
  if (rejections <= 0) return 0;
  const initial = initialDelayMs(policy, windowSpanMs);
  return Math.min(initial * policy.multiplier ** (rejections - 1), backoffCapMs(policy, windowSpanMs));
}

/** The longest wait between two retrains of a backed-off incident. */
export function backoffCapMs(policy: RetrainBackoff, windowSpanMs: number | null): number {
  return Math.max(policy.maxMs, initialDelayMs(policy, windowSpanMs));
}

/** The data time before which no drift-triggered retrain starts; null when nothing holds it back. */
export function retrainNotBefore(policy: RetrainBackoff, state: RetrainBackoffState): string | null {
  const last = state.rejected.at(-1);
  if (!last || last.dataTime === null) return null;
  return new Date(Date.parse(last.dataTime) + backoffDelayMs(policy, state.rejected.length, last.windowSpanMs)).toISOString();
}

/**
 * Called on every drifted check of an open incident (whether or not a retrain may start for other
 * reasons, such as the cooldown): re-arms on new labelled rows or a newly drifting feature, records
 * the check's drifted features, and says whether a drift-triggered retrain may start. A null policy
 * (back-off disabled) always lets it start.
 */
export function gateDriftRetrain(
  policy: RetrainBackoff | null,
  current: RetrainBackoffState,
  check: DriftedCheck,
): { state: RetrainBackoffState; gate: RetrainGate } {
  const rearmedBy = policy ? rearmCause(policy, current, check) : null;
  const driftedFeatures = [...current.driftedFeatures, ...check.driftedFeatures.filter((f) => !current.driftedFeatures.includes(f))]
    .slice(0, DRIFTED_FEATURES_NAMED);
  const driftSignature = unionOf(knownSignature(current), checkSignature(check));
  const state: RetrainBackoffState = rearmedBy
    ? { rejected: [], driftedFeatures, driftSignature, askedPerson: false }
    : { ...current, driftedFeatures, driftSignature };
  if (!policy || state.rejected.length === 0) return { state, gate: { kind: 'open', rearmedBy } };

  const rejections = state.rejected.length;
  const challengers = `${rejections} rejected challenger${rejections === 1 ? '' : 's'}`;
  const rearms = describeRearming(policy, state.rejected.at(-1)!, check.labelledRows);
  // Past askAfterRejections a person has been asked, and retrains go on at the capped interval meanwhile.
  const asked = rejections >= policy.askAfterRejections ? ' (a person was asked: retraining_not_helping)' : '';
  const until = retrainNotBefore(policy, state);
  if (until !== null && Date.parse(check.windowEnd) < Date.parse(until)) {
    return { state, gate: { kind: 'backing_off', until, reason: `backing off until ${until} after ${challengers}${asked}; ${rearms}` } };
  }
  return { state, gate: { kind: 'open', rearmedBy: null } };
}

/**
 * Records a retrain of the incident that did not help. `askPerson` is true once, when the rejections
 * reach policy.askAfterRejections: the monitor then sends retraining_not_helping.
 */
export function recordRejectedRetrain(
  policy: RetrainBackoff | null,
  current: RetrainBackoffState,
  rejected: RejectedRetrain,
): { state: RetrainBackoffState; askPerson: boolean } {
  const state = { ...current, rejected: [...current.rejected, rejected] };
  const askPerson = policy !== null && !current.askedPerson && state.rejected.length >= policy.askAfterRejections;
  return { state: askPerson ? { ...state, askedPerson: true } : state, askPerson };
}

/** A person asked for a retrain: the back-off and the rejection count start again. */
export function rearmManually(current: RetrainBackoffState): RetrainBackoffState {
  return { ...current, rejected: [], askedPerson: false };
}

export function describeRearmCause(cause: RearmCause): string {
  switch (cause.kind) {
    case 'manual':
      return `re-armed by a manual request from ${cause.requestedBy}`;
    case 'new_labelled_rows':
      return `re-armed by ${cause.newRows} new labelled rows since the last rejected challenger`;
    case 'new_drifted_features':
      return cause.features.length === 0
        ? 're-armed by a changed drift pattern: features that had not drifted in this incident now drift'
        : `re-armed by a changed drift pattern: ${cause.features.join(', ')} now drift${cause.features.length === 1 ? 's' : ''}`;
  }
}

/** What re-arms automatic retrains, with the numbers: said in every back-off reason and in retraining_not_helping. */
export function describeRearming(policy: RetrainBackoff, lastRejected: RejectedRetrain, labelledRowsNow: number): string {
  const needed = lastRejected.labelledRows + policy.rearmLabelledRows;
  return `re-armed by a manual retrain (forceRetrain), ${policy.rearmLabelledRows} new labelled rows `
    + `(at ${needed} labelled rows; ${labelledRowsNow} now) or a feature drifting that has not drifted in this incident`;
}

function rearmCause(policy: RetrainBackoff, state: RetrainBackoffState, check: DriftedCheck): RearmCause | null {
  const last = state.rejected.at(-1);
  if (!last) return null;
  const newRows = check.labelledRows - last.labelledRows;
  if (newRows >= policy.rearmLabelledRows) return { kind: 'new_labelled_rows', newRows };
  const known = knownSignature(state);
  if (!addsToSignature(known, checkSignature(check))) return null;
  // The newly drifting features among those the check names; those beyond its top ones are in the signature only.
  return { kind: 'new_drifted_features', features: check.driftedFeatures.filter((f) => !mayHold(known, f)) };
}

function knownSignature(state: RetrainBackoffState): DriftSignature {
  return state.driftSignature ?? signatureOf(state.driftedFeatures);
}

function checkSignature(check: DriftedCheck): DriftSignature {
  return check.driftSignature ?? signatureOf(check.driftedFeatures);
}
