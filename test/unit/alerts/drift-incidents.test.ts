import { describe, expect, it } from 'vitest';
import { incidentAfterCheck, incidentAfterPromotion, type CheckOutcome } from '../../../src/policy/drift-incidents';

const check = (reportId: number, datasetDrift: boolean, championVersion = 1): CheckOutcome => ({
  outcome: 'checked', verdict: datasetDrift ? 'drift' : 'no_drift', reportId, championVersion, checkedAt: `2026-03-0${reportId}T00:00:00Z`,
});

describe('drift incidents', () => {
  it('opens on the first drifted check, keeps one incident (one dedup key) while drift lasts, and resolves on a clean check', () => {
    const opened = incidentAfterCheck('m', null, check(1, true));
    expect(opened.transitions.map((t) => t.kind)).toEqual(['opened']);
    expect(opened.incident).toMatchObject({ id: '1', dedupKey: 'driftwatch/m/drift/1', championVersion: 1, driftedChecks: 1 });

    const second = incidentAfterCheck('m', opened.incident, check(2, true));
    const third = incidentAfterCheck('m', second.incident, check(3, true));
    expect([second, third].map((s) => s.transitions.map((t) => t.kind))).toEqual([['ongoing'], ['ongoing']]);
    expect(third.incident).toMatchObject({ dedupKey: 'driftwatch/m/drift/1', firstReportId: 1, lastReportId: 3, driftedChecks: 3 });

    const clean = incidentAfterCheck('m', third.incident, check(4, false));
    expect(clean.incident).toBeNull();
    expect(clean.transitions).toEqual([{
      kind: 'resolved', reason: 'drift_cleared', incident: third.incident, at: '2026-03-04T00:00:00Z', reportId: 4, championVersion: 1,
    }]);
    expect(incidentAfterCheck('m', null, check(5, false))).toEqual({ incident: null, transitions: [] });
  });

  it('ignores checks that produced no new report', () => {
    const { incident } = incidentAfterCheck('m', null, check(1, true));
    for (const outcome of ['unchanged', 'no_data', 'no_champion'] as const) {
      expect(incidentAfterCheck('m', incident, { ...check(2, false), outcome })).toEqual({ incident, transitions: [] });
    }
  });

  it('resolves on a new champion, from the retrain result or from the next check, and opens a new incident if the new champion drifts too', () => {
    const { incident } = incidentAfterCheck('m', null, check(1, true));
    const promoted = incidentAfterPromotion(incident, 2, '2026-03-02T00:00:00Z');
    expect(promoted.incident).toBeNull();
    expect(promoted.transitions[0]).toMatchObject({ kind: 'resolved', reason: 'champion_changed', championVersion: 2 });
    expect(incidentAfterPromotion(incident, 1, 'x').transitions).toEqual([]);

    const next = incidentAfterCheck('m', incident, check(3, true, 2));
    expect(next.transitions.map((t) => [t.kind, t.incident.dedupKey])).toEqual([
      ['resolved', 'driftwatch/m/drift/1'],
      ['opened', 'driftwatch/m/drift/3'],
    ]);
    expect(next.incident?.championVersion).toBe(2);
  });
});
