import { describe, expect, it } from 'vitest';
import { SEEING, blindnessAfterCheck, incidentAfterCheck, type BlindCheck, type BlindEpisode } from '../../../src/policy/drift-incidents';
import type { DriftVerdict } from '../../../workflows/definitions';

const check = (reportId: number, verdict: DriftVerdict, outcome: BlindCheck['outcome'] = 'checked'): BlindCheck => ({
  outcome, verdict: outcome === 'checked' ? verdict : null, reportId, checkedAt: `2026-03-${String(reportId).padStart(2, '0')}T00:00:00Z`,
});

function run(verdicts: Array<DriftVerdict | 'unchanged'>, alertAfter = 3): { episode: BlindEpisode; transitions: string[] } {
  let episode = SEEING;
  const transitions: string[] = [];
  verdicts.forEach((verdict, index) => {
    const step = blindnessAfterCheck('m', episode, verdict === 'unchanged' ? check(index + 1, 'no_drift', 'unchanged') : check(index + 1, verdict), alertAfter);
    episode = step.episode;
    if (step.transition) transitions.push(`${index + 1}:${step.transition}`);
  });
  return { episode, transitions };
}

describe('blind monitor', () => {
  it('goes blind once, at the alertAfter-th consecutive not_measured check, and stays blind without repeating', () => {
    const { episode, transitions } = run(['not_measured', 'not_measured', 'not_measured', 'not_measured', 'not_measured']);
    expect(transitions).toEqual(['3:went_blind']);
    expect(episode).toEqual({ notMeasuredChecks: 5, blind: true, since: '2026-03-01T00:00:00Z', dedupKey: 'driftwatch/m/blind/1' });
  });

  it('a measured verdict resets the count; checks without a verdict neither count nor reset', () => {
    expect(run(['not_measured', 'not_measured', 'no_drift', 'not_measured', 'not_measured']).transitions).toEqual([]);
    expect(run(['not_measured', 'drift', 'not_measured', 'not_measured']).episode.notMeasuredChecks).toBe(2);
    const unchangedBetween = run(['not_measured', 'unchanged', 'not_measured', 'unchanged', 'not_measured']);
    expect(unchangedBetween.transitions).toEqual(['5:went_blind']);
    expect(unchangedBetween.episode.notMeasuredChecks).toBe(3);
  });

  it('recovers on a measured verdict, and a later episode has its own dedup key', () => {
    const { episode, transitions } = run(['not_measured', 'not_measured', 'drift', 'not_measured', 'not_measured', 'not_measured'], 2);
    expect(transitions).toEqual(['2:went_blind', '3:recovered', '5:went_blind']);
    expect(episode.dedupKey).toBe('driftwatch/m/blind/4');
  });

  it('a not_measured check neither confirms nor clears a drift incident', () => {
    const opened = incidentAfterCheck('m', null, { outcome: 'checked', verdict: 'drift', reportId: 1, championVersion: 1, checkedAt: 't1' });
    const blind = incidentAfterCheck('m', opened.incident, {
      outcome: 'checked', verdict: 'not_measured', reportId: 2, championVersion: 1, checkedAt: 't2',
    });
    expect(blind).toEqual({ incident: opened.incident, transitions: [] });
    expect(opened.incident?.retrains).toEqual({ rejected: [], driftedFeatures: [], askedPerson: false });
  });
});
