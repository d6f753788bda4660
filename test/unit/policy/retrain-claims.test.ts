import { describe, expect, it } from 'vitest';
import { endingOfClosedRun, releasedClaimAlert, type ReleasedClaim } from '../../../src/policy/retrain-claims';

describe('endingOfClosedRun', () => {
  it('leaves the claim of a run that may still release it alone', () => {
    for (const status of ['RUNNING', 'PAUSED', 'UNSPECIFIED', 'UNKNOWN'] as const) expect(endingOfClosedRun({ status })).toBeNull();
  });

  it('records a terminated run as failed, with the reason the operator gave', () => {
    expect(endingOfClosedRun({ status: 'TERMINATED', detail: 'stuck on a dead GPU' })).toEqual({ status: 'failed', reason: 'terminated: stuck on a dead GPU' });
    expect(endingOfClosedRun({ status: 'TERMINATED', detail: null })).toEqual({ status: 'failed', reason: 'terminated' });
  });

  it('records a cancelled run as cancelled, and timeouts, failures and unknown runs as failed', () => {
    expect(endingOfClosedRun({ status: 'CANCELLED', detail: null })).toEqual({ status: 'cancelled', reason: 'cancelled before its workflow could release its claim' });
    expect(endingOfClosedRun({ status: 'TIMED_OUT', detail: null })?.reason).toBe("timed out (the workflow's execution or run timeout)");
    expect(endingOfClosedRun({ status: 'FAILED', detail: 'connect ECONNREFUSED 127.0.0.1:5432' }))
      .toEqual({ status: 'failed', reason: 'failed before its workflow could release its claim: connect ECONNREFUSED 127.0.0.1:5432' });
    expect(endingOfClosedRun({ status: 'NOT_FOUND', detail: null })?.status).toBe('failed');
    expect(endingOfClosedRun({ status: 'COMPLETED', detail: null })).toEqual({ status: 'failed', reason: 'closed as COMPLETED without recording an outcome' });
  });
});

describe('releasedClaimAlert', () => {
  const claim: ReleasedClaim = {
    retrainId: 'run-1', workflowId: 'retrain-churn', modelName: 'churn', status: 'cancelled', reason: "cancelled at stage 'awaiting_approval'",
    withdrawnVersions: [4],
  };

  it('announces a cancellation as retrain_cancelled, naming the withdrawn candidate', () => {
    const alert = releasedClaimAlert(claim, { trigger: 'drift' });
    expect(alert).toMatchObject({ modelName: 'churn', event: 'retrain_cancelled', severity: 'warning' });
    expect(alert.summary).toBe("Retrain retrain-churn of churn (run run-1) cancelled at stage 'awaiting_approval'. "
      + 'Its candidate v4 is cancelled and the challenger alias is free. The champion is unchanged, and the next drift check may start a retrain.');
    expect(alert.details).toEqual({
      retrainId: 'run-1', workflowId: 'retrain-churn', status: 'cancelled', reason: "cancelled at stage 'awaiting_approval'", withdrawnVersions: [4], trigger: 'drift',
    });
  });

  it('announces every other ending as retrain_failed', () => {
    const alert = releasedClaimAlert({ ...claim, status: 'failed', reason: 'terminated: test', withdrawnVersions: [] });
    expect(alert).toMatchObject({ event: 'retrain_failed', severity: 'error' });
    expect(alert.summary).toBe('Retrain retrain-churn of churn (run run-1) terminated: test. The champion is unchanged, and the next drift check may start a retrain.');
  });
});
