/**
 * Drift incidents: one open incident per model, opened by the first drifted check, kept (not
 * paged again) while later checks still drift, and resolved by a clean check or a new champion.
 * Pure and deterministic: the monitor workflow keeps the state and calls these on each event.
 */
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
}

export type ResolveReason = 'drift_cleared' | 'champion_changed';

export type IncidentTransition =
  | { kind: 'opened'; incident: DriftIncident }
  | { kind: 'ongoing'; incident: DriftIncident }
  | { kind: 'resolved'; incident: DriftIncident; reason: ResolveReason; at: string; reportId: number | null; championVersion: number | null };

export interface CheckOutcome {
  outcome: 'no_champion' | 'no_data' | 'unchanged' | 'checked';
  datasetDrift: boolean;
  reportId: number | null;
  championVersion: number | null;
  checkedAt: string;
}

export interface IncidentStep {
  incident: DriftIncident | null;
  transitions: IncidentTransition[];
}

/**
 * The incident after a drift check. Only a new report (outcome 'checked') changes anything: an
 * unchanged window or a missing champion says nothing new about drift.
 */
export function incidentAfterCheck(modelName: string, current: DriftIncident | null, check: CheckOutcome): IncidentStep {
  if (check.outcome !== 'checked' || check.reportId === null) return { incident: current, transitions: [] };
  const transitions: IncidentTransition[] = [];
  let incident = current;
  if (incident && incident.championVersion !== check.championVersion) {
    transitions.push(resolution(incident, 'champion_changed', check.checkedAt, check.reportId, check.championVersion));
    incident = null;
  }
  if (check.datasetDrift) {
    if (incident) {
      incident = { ...incident, lastReportId: check.reportId, driftedChecks: incident.driftedChecks + 1 };
      transitions.push({ kind: 'ongoing', incident });
    } else {
      const id = String(check.reportId);
      incident = {
        id, dedupKey: driftIncidentKey(modelName, id), openedAt: check.checkedAt, championVersion: check.championVersion,
        firstReportId: check.reportId, lastReportId: check.reportId, driftedChecks: 1,
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
