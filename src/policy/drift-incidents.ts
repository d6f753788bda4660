/**
 * Drift incidents: one open incident per model, opened by the first drifted check, kept (not
 * paged again) while later checks still drift, and resolved by a clean check or a new champion.
 * The incident keeps the back-off of its retrains (retrain-backoff.ts). A monitor that cannot see
 * (consecutive not_measured checks) is an incident of its own: a blind episode.
 * Pure and deterministic: the monitor workflow keeps the state and calls these on each event.
 */
import type { DriftVerdict } from '../../workflows/definitions';
import { FRESH_BACKOFF, type RetrainBackoffState } from './retrain-backoff';

/** The PagerDuty dedup key of a drift incident: the same for every notification of the incident. */
export function driftIncidentKey(modelName: string, incidentId: string): string {
  return `driftwatch/${modelName}/drift/${incidentId}`;
}

export interface DriftIncident {
  /** The ID of the drift report that opened it. */
  id: string;
  dedupKey: string;
  openedAt: string;
  /** The champion the drift was measured against; another champion means another incident. */
  championVersion: number | null;
  firstReportId: number;
  lastReportId: number;
  /** Drifted checks in this incident, the opening one included. */
  driftedChecks: number;
  /** The incident's retrains that did not help and the back-off they impose. */
  retrains: RetrainBackoffState;
}

export type ResolveReason = 'drift_cleared' | 'champion_changed';

export type IncidentTransition =
  | { kind: 'opened'; incident: DriftIncident }
  | { kind: 'ongoing'; incident: DriftIncident }
  | { kind: 'resolved'; incident: DriftIncident; reason: ResolveReason; at: string; reportId: number | null; championVersion: number | null };

export interface CheckOutcome {
  outcome: 'no_champion' | 'no_data' | 'unchanged' | 'checked';
  /** null when nothing was checked; not_measured neither confirms nor clears drift. */
  verdict: DriftVerdict | null;
  reportId: number | null;
  championVersion: number | null;
  checkedAt: string;
}

export interface IncidentStep {
  incident: DriftIncident | null;
  transitions: IncidentTransition[];
}

/**
 * The incident after a drift check. Only a new, measured report changes anything: an unchanged
 * window or a missing champion says nothing new about drift, and a check that could not test
 * enough features (not_measured) neither confirms nor clears it.
 */
export function incidentAfterCheck(modelName: string, current: DriftIncident | null, check: CheckOutcome): IncidentStep {
  if (check.outcome !== 'checked' || check.reportId === null || check.verdict === 'not_measured') return { incident: current, transitions: [] };
  const transitions: IncidentTransition[] = [];
  let incident = current;
  if (incident && incident.championVersion !== check.championVersion) {
    transitions.push(resolution(incident, 'champion_changed', check.checkedAt, check.reportId, check.championVersion));
    incident = null;
  }
  if (check.verdict === 'drift') {
    if (incident) {
      incident = { ...incident, lastReportId: check.reportId, driftedChecks: incident.driftedChecks + 1 };
      transitions.push({ kind: 'ongoing', incident });
    } else {
      const id = String(check.reportId);
      incident = {
        id, dedupKey: driftIncidentKey(modelName, id), openedAt: check.checkedAt, championVersion: check.championVersion,
        firstReportId: check.reportId, lastReportId: check.reportId, driftedChecks: 1, retrains: FRESH_BACKOFF,
      };
      transitions.push({ kind: 'opened', incident });
    }
  } else if (incident) {
    transitions.push(resolution(incident, 'drift_cleared', check.checkedAt, check.reportId, check.championVersion));
    incident = null;
  }
  return { incident, transitions };
}

/** A new champion resolves the incident measured against the old one. */
export function incidentAfterPromotion(current: DriftIncident | null, championVersion: number, at: string): IncidentStep {
  if (!current || current.championVersion === championVersion) return { incident: current, transitions: [] };
  return { incident: null, transitions: [resolution(current, 'champion_changed', at, null, championVersion)] };
}

function resolution(
  incident: DriftIncident, reason: ResolveReason, at: string, reportId: number | null, championVersion: number | null,
): IncidentTransition {
  return { kind: 'resolved', incident, reason, at, reportId, championVersion };
}

/** A run of consecutive checks whose verdict was not_measured: the monitor could not see. */
export interface BlindEpisode {
  /** Consecutive not_measured checks; a measured verdict resets it. */
  notMeasuredChecks: number;
  /** The run reached the alert threshold: monitor_blind went out (once per episode). */
  blind: boolean;
  /** When the first not_measured check of the run ran; null while the monitor sees. */
  since: string | null;
  /** `driftwatch/<model>/blind/<first report ID>`: PagerDuty triggers and resolves the episode with it. */
  dedupKey: string | null;
}

export const SEEING: BlindEpisode = { notMeasuredChecks: 0, blind: false, since: null, dedupKey: null };

export type BlindTransition = 'went_blind' | 'recovered' | null;

export interface BlindCheck {
  outcome: CheckOutcome['outcome'];
  verdict: DriftVerdict | null;
  reportId: number | null;
  checkedAt: string;
}

/**
 * Counts consecutive not_measured checks. 'went_blind' once, when the count reaches alertAfter;
 * 'recovered' when a blind monitor gets a measured verdict again. Checks without a verdict (no
 * champion, no data, an unchanged window) neither count nor reset.
 */
export function blindnessAfterCheck(modelName: string, current: BlindEpisode, check: BlindCheck, alertAfter: number): { episode: BlindEpisode; transition: BlindTransition } {
  if (check.outcome !== 'checked' || !check.verdict) return { episode: current, transition: null };
  if (check.verdict !== 'not_measured') {
    return { episode: SEEING, transition: current.blind ? 'recovered' : null };
  }
  const notMeasuredChecks = current.notMeasuredChecks + 1;
  const first = current.since === null;
  const episode: BlindEpisode = {
    notMeasuredChecks,
    blind: current.blind || notMeasuredChecks >= alertAfter,
    since: first ? check.checkedAt : current.since,
    dedupKey: first ? `driftwatch/${modelName}/blind/${check.reportId ?? check.checkedAt}` : current.dedupKey,
  };
  return { episode, transition: episode.blind && !current.blind ? 'went_blind' : null };
}
