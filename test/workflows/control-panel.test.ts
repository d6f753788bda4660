/**
 * What the Temporal UI shows of the monitor and a retrain (workflows/control-panel.ts), without a
 * server: features read as score against threshold, the incident's state as its search attribute
 * says it, and current details that hold the drift table and the exact update input to paste.
 */
import { describe, expect, it } from 'vitest';
import { SEEING, type DriftIncident } from '../../src/policy/drift-incidents';
import { FRESH_BACKOFF, type RejectedRetrain } from '../../src/policy/retrain-backoff';
import {
  describeFeature,
  incidentState,
  monitorDetails,
  monitorMemo,
  retrainDetails,
  retrainMemo,
  summariseDrift,
  type MonitorView,
} from '../../workflows/control-panel';
import type { DriftCheckResult, FeatureDriftSummary, RetrainProgress } from '../../workflows/definitions';
import { BACKOFF } from './fake-activities';

const ks = (feature: string, score: number | null, drifted: boolean, extra: Partial<FeatureDriftSummary> = {}): FeatureDriftSummary => ({
  feature, test: 'ks', scoreKind: 'p_value', score, threshold: 0.05, thresholdSource: 'default', psi: drifted ? 0.4 : 0.01, drifted,
  status: score === null ? 'insufficient_data' : 'ok', ...extra,
});

const check: DriftCheckResult = {
  modelName: 'seattle-rain', checkedAt: '2026-03-02T00:00:00.000Z', outcome: 'checked', verdict: 'drift', reportId: 12,
  reportUrl: 'http://127.0.0.1:8080/reports/12', championVersion: 1,
  window: { start: '2026-03-01T00:00:00.000Z', end: '2026-03-02T00:00:00.000Z', rows: 720, lateRows: 0 },
  datasetDrift: true, driftedShare: 2 / 3, measuredShare: 1, labelledRows: 1000,
  features: [ks('humidity', 0.4, false), ks('temp_max', 3e-9, true), ks('wind|gust', 0.001, true)],
  featureCounts: { total: 3, drifted: 2, byStatus: { ok: 3 } },
  performance: null, reasons: ['2 of 3 features drifted'],
  retrain: { started: false, workflowId: null, reason: 'cooling down until 2026-03-03' },
};

const incident: DriftIncident = {
  id: '12', dedupKey: 'driftwatch/seattle-rain/drift/12', openedAt: '2026-03-02T00:00:00.000Z', championVersion: 1,
  firstReportId: 12, lastReportId: 12, driftedChecks: 1, retrains: FRESH_BACKOFF,
};

const rejected: RejectedRetrain = {
  runId: 'run-1', outcome: 'rejected', reason: 'log_loss worse by 0.2', challengerVersion: 2,
  dataTime: '2026-03-02T00:00:00.000Z', windowSpanMs: 86_400_000, labelledRows: 1000,
};

const view = (fields: Partial<MonitorView> = {}): MonitorView => ({
  modelName: 'seattle-rain', judged: check, lastCheck: check, incident: null, blindness: SEEING, backoff: BACKOFF, retrainRunning: null, ...fields,
});

describe('features', () => {
  it('reads as the score against its threshold, on the side that decides, tiny p-values in scientific notation', () => {
    expect(describeFeature(ks('temp_max', 3e-9, true))).toBe('temp_max: ks p-value 3.00e-9 < 0.05 (drifted)');
    expect(describeFeature(ks('humidity', 0.4, false))).toBe('humidity: ks p-value 0.4 ≥ 0.05 (ok)');
    expect(describeFeature({ ...ks('city', 0.31, true), test: 'psi', scoreKind: 'distance', threshold: 0.2 })).toBe('city: psi distance 0.31 > 0.2 (drifted)');
    expect(describeFeature(ks('x', 0.01, false, { effectSize: 0.02, effectSizeFloor: 0.1 })))
      .toBe('x: ks p-value 0.01 < 0.05, effect size 0.02 < floor 0.1 (ok)');
    expect(describeFeature(ks('sparse', null, false))).toBe('sparse: ks not tested (insufficient_data)');
  });

  it('summarises a check with the drifted features first and the report\'s page', () => {
    expect(summariseDrift(check, 2)).toEqual({
      reportId: 12, reportUrl: 'http://127.0.0.1:8080/reports/12', checkedAt: check.checkedAt, verdict: 'drift',
      cause: '67% of the measured features',
      features: ['temp_max: ks p-value 3.00e-9 < 0.05 (drifted)', 'wind|gust: ks p-value 0.001 < 0.05 (drifted)'],
    });
  });
});

describe('the monitor', () => {
  it('names the incident state: none, open, retraining, backing_off, asked_person', () => {
    expect(incidentState(view())).toBe('none');
    expect(incidentState(view({ incident }))).toBe('open');
    expect(incidentState(view({ incident, retrainRunning: 'retrain-seattle-rain' }))).toBe('retraining');
    const backingOff = { ...incident, retrains: { ...FRESH_BACKOFF, rejected: [rejected] } };
    expect(incidentState(view({ incident: backingOff }))).toBe('backing_off');
    expect(incidentState(view({ incident: { ...backingOff, retrains: { ...backingOff.retrains, askedPerson: true } } }))).toBe('asked_person');
  });

  it('memo: verdict, features with scores, the report link, the incident and what to do', () => {
    const memo = monitorMemo(view({ incident: { ...incident, retrains: { ...FRESH_BACKOFF, rejected: [rejected] } } }));
    expect(memo).toMatchObject({
      model: 'seattle-rain', verdict: 'drift', reportUrl: 'http://127.0.0.1:8080/reports/12',
      features: ['temp_max: ks p-value 3.00e-9 < 0.05 (drifted)', 'wind|gust: ks p-value 0.001 < 0.05 (drifted)', 'humidity: ks p-value 0.4 ≥ 0.05 (ok)'],
    });
    expect(memo.lastCheck).toContain('drift report #12');
    // The back-off counts from the rejected retrain's window end: 7 days (BACKOFF.initialMs) later.
    expect(memo.incident).toContain('1 challenger did not help: automatic retrains back off until 2026-03-09T00:00:00.000Z (data time)');
    expect(memo.next).toContain('The last challenger did not help: log_loss worse by 0.2.');
    expect(memo.next).toContain('forceRetrain');
  });

  it('current details: the drift table, the incident, and the exact update input', () => {
    const details = monitorDetails(view({ incident }));
    expect(details).toContain('## seattle-rain: DRIFT (67% of the measured features)');
    expect(details).toContain('Drift report [#12](http://127.0.0.1:8080/reports/12)');
    expect(details).toContain('| temp_max | ks | p 3.00e-9 | < 0.05 (default) | **drifted** |');
    expect(details).toContain('| wind\\|gust | ks | p 0.001 | < 0.05 (default) | **drifted** |');
    expect(details).toContain('3 of 3 features shown, 2 drifted.');
    expect(details).toContain('**Incident**: open since 2026-03-02T00:00:00.000Z');
    expect(details).toContain('The last check did not retrain: cooling down until 2026-03-03.');
    expect(details).toContain('update forceRetrain. Input: `{"requestedBy":"your-name","reason":"why"}`');
    expect(details).toContain('update checkDrift. Input: `{"source":"ui"}`');
  });

  it('keeps the last judged check while later checks find no new rows, and says so', () => {
    const unchanged: DriftCheckResult = { ...check, outcome: 'unchanged', verdict: null, reasons: ['no row arrived since drift report #12'] };
    const details = monitorDetails(view({ lastCheck: unchanged }));
    expect(details).toContain('## seattle-rain: DRIFT');
    expect(details).toContain('Last check 2026-03-02T00:00:00.000Z: unchanged: no row arrived since drift report #12.');
  });

  it('before any check, tells how to run one', () => {
    const details = monitorDetails(view({ judged: null, lastCheck: null }));
    expect(details).toContain('## seattle-rain: not checked yet');
    expect(details).toContain('No check yet: run one with the update checkDrift, or Trigger on the schedule drift-monitor-seattle-rain.');
  });
});

describe('a retrain', () => {
  const progress: RetrainProgress = {
    modelName: 'seattle-rain', trigger: 'drift', stage: 'tuning', championVersion: 1, trialsTotal: 8, trialsDone: 3, trialsFailed: 1,
    trialsPruned: 0, tuningStoppedBy: null, bestScore: 0.41234, bestParameters: null, challengerVersion: null, backend: null, decision: null,
    qualityGate: null, fallback: null, outcome: null, message: null, approval: null, drift: summariseDrift(check, 2),
  };

  it('memo: the trigger, the drift behind it and the report link', () => {
    expect(retrainMemo({ modelName: 'seattle-rain', trigger: 'drift', reason: '2 of 3 features drifted', drift: summariseDrift(check, 1) })).toEqual({
      model: 'seattle-rain', trigger: 'drift', requestedBy: null, reason: '2 of 3 features drifted',
      drift: 'drift report #12 (2026-03-02T00:00:00.000Z): drift: 67% of the measured features',
      features: ['temp_max: ks p-value 3.00e-9 < 0.05 (drifted)'], reportUrl: 'http://127.0.0.1:8080/reports/12',
    });
  });

  it('current details: the stage, trials done of total, the best loss and the drift behind it', () => {
    const details = retrainDetails(progress);
    expect(details).toContain('## Retrain of seattle-rain: tuning');
    expect(details).toContain('Tuning: 3/8 trials done (1 failed), best validation loss 0.4123.');
    expect(details).toContain('([report](http://127.0.0.1:8080/reports/12))');
    expect(details).toContain('- temp_max: ks p-value 3.00e-9 < 0.05 (drifted)');
  });

  it('while awaiting approval, the exact approve and reject input', () => {
    const details = retrainDetails({
      ...progress, stage: 'awaiting_approval', trialsDone: 8, challengerVersion: 3,
      approval: { deadline: '2026-03-03T00:00:00.000Z', onTimeout: 'reject' },
    });
    expect(details).toContain('**Awaiting approval** until 2026-03-03T00:00:00.000Z (then: reject).');
    expect(details).toContain('- Approve: update `approve` with input `{"version":3,"approver":"your-name","reason":"why"}`');
    expect(details).toContain('- Reject: update `reject` with input `{"version":3,"approver":"your-name","reason":"why"}`');
    expect(details).toContain('driftwatch approve seattle-rain --version 3 --by your-name');
  });

  it('at its end, the outcome and why', () => {
    const details = retrainDetails({ ...progress, stage: 'done', outcome: 'rejected', message: 'log_loss worse by 0.2' });
    expect(details).toContain('**Outcome: rejected**: log_loss worse by 0.2.');
    expect(details).not.toContain('Cancel');
  });
});
