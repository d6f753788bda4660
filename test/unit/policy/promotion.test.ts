import { describe, expect, it } from 'vitest';
import { decidePromotion, type Evaluation, type PromotionRule } from '../../../src/policy/promotion';

describe('decidePromotion', () => {
  it('promotes the first model when there is no champion', () => {
    const decision = decidePromotion({ metric: 'roc_auc', minImprovement: 0.01 }, { holdoutRows: 50, challenger: { roc_auc: 0.6 }, champion: null });
    expect(decision.promote).toBe(true);
    expect(decision.reasons[0]).toMatch(/no champion/);
  });

  it('measures improvement in the metric’s better direction', () => {
    const higher = decidePromotion({ metric: 'roc_auc', minImprovement: 0.01 }, { holdoutRows: 50, challenger: { roc_auc: 0.82 }, champion: { roc_auc: 0.8 } });
    expect(higher.promote).toBe(true);
    expect(higher.improvement).toBeCloseTo(0.02, 12);
    const lower = decidePromotion({ metric: 'log_loss', minImprovement: 0.01 }, { holdoutRows: 50, challenger: { log_loss: 0.5 }, champion: { log_loss: 0.45 } });
    expect(lower.promote).toBe(false);
    expect(lower.improvement).toBeCloseTo(-0.05, 12);
    expect(lower.reasons[0]).toMatch(/not better/);
  });

  it('rejects an improvement below the required minimum, and a tie even when the minimum is 0', () => {
    expect(decidePromotion({ metric: 'rmse', minImprovement: 0.5 }, { holdoutRows: 9, challenger: { rmse: 2.8 }, champion: { rmse: 3 } }).promote).toBe(false);
    expect(decidePromotion({ metric: 'rmse', minImprovement: 0 }, { holdoutRows: 9, challenger: { rmse: 3 }, champion: { rmse: 3 } }).promote).toBe(false);
  });

  it('refuses to decide when the metric is missing on either side', () => {
    const noChallenger = decidePromotion({ metric: 'roc_auc', minImprovement: 0 }, { holdoutRows: 5, challenger: {}, champion: { roc_auc: 0.7 } });
    expect(noChallenger.promote).toBe(false);
    expect(noChallenger.reasons[0]).toMatch(/could not be computed for the challenger/);
    const noChampion = decidePromotion({ metric: 'roc_auc', minImprovement: 0 }, { holdoutRows: 5, challenger: { roc_auc: 0.9 }, champion: {} });
    expect(noChampion.promote).toBe(false);
  });
});

describe('decidePromotion with a bootstrap interval', () => {
  const rule: PromotionRule = { metric: 'roc_auc', minImprovement: 0.01, requireConfidentImprovement: true };
  const evaluation = (lower: number, upper: number, skippedResamples = 0): Evaluation => ({
    holdoutRows: 400,
    challenger: { roc_auc: 0.83 },
    champion: { roc_auc: 0.8 },
    bootstrap: { metric: 'roc_auc', improvement: 0.03, confidence: 0.95, lower, upper, resamples: 1000 - skippedResamples, skippedResamples },
  });

  it('promotes when the interval’s lower bound reaches the minimum, and says so with the interval', () => {
    const decision = decidePromotion(rule, evaluation(0.012, 0.05));
    expect(decision).toMatchObject({ promote: true, improvement: expect.closeTo(0.03, 12), requireConfidentImprovement: true, guardrail: null });
    expect(decision.bootstrap).toMatchObject({ lower: 0.012, upper: 0.05 });
    expect(decision.reasons).toEqual([
      'roc_auc: challenger 0.8300 vs champion 0.8000 on the same 400 holdout rows; improvement 0.0300',
      '95% paired bootstrap interval of the improvement [0.0120, 0.0500] (1000 resamples): lower bound 0.0120 ≥ required 0.01',
    ]);
  });

  it('rejects a point estimate above the minimum when the lower bound is below it', () => {
    const decision = decidePromotion(rule, evaluation(-0.004, 0.06, 3));
    expect(decision.promote).toBe(false);
    expect(decision.reasons[1]).toBe(
      '95% paired bootstrap interval of the improvement [-0.0040, 0.0600] (997 resamples, 3 skipped where roc_auc was undefined): ' +
        'lower bound -0.0040 does not reach the required 0.01',
    );
  });

  it('rejects an interval whose lower bound is 0 even with a minimum of 0, as it rejects a tie', () => {
    expect(decidePromotion({ ...rule, minImprovement: 0 }, evaluation(0, 0.05)).promote).toBe(false);
  });

  it('rejects when a confident improvement is required but there is no interval', () => {
    const decision = decidePromotion(rule, { ...evaluation(0.02, 0.04), bootstrap: null });
    expect(decision.promote).toBe(false);
    expect(decision.reasons[1]).toMatch(/no bootstrap interval/);
  });

  it('with the point-estimate rule, reports the interval but decides on the point estimate', () => {
    const decision = decidePromotion({ metric: 'roc_auc', minImprovement: 0.01 }, evaluation(-0.004, 0.06));
    expect(decision.promote).toBe(true);
    expect(decision.requireConfidentImprovement).toBe(false);
    expect(decision.reasons[0]).toMatch(/improvement 0\.0300 ≥ required 0\.01$/);
    expect(decision.reasons[1]).toMatch(/^95% paired bootstrap interval of the improvement \[-0\.0040, 0\.0600\] .*point estimate\)$/);
  });

  it('still promotes the first model without an interval', () => {
    const decision = decidePromotion(rule, { holdoutRows: 50, challenger: { roc_auc: 0.6 }, champion: null, bootstrap: null });
    expect(decision).toMatchObject({ promote: true, bootstrap: null, guardrail: null });
  });
});

describe('decidePromotion with a guardrail', () => {
  const rule: PromotionRule = { metric: 'log_loss', minImprovement: 0.01, guardrail: { tolerance: 0.02, referenceRows: 500 } };
  const evaluation = (guardrail: Evaluation['guardrail']): Evaluation => ({
    holdoutRows: 300, challenger: { log_loss: 0.4, accuracy: 0.8 }, champion: { log_loss: 0.45, accuracy: 0.82 }, guardrail,
  });

  it('rejects a better challenger that is worse than the champion on reference-period rows by more than the tolerance', () => {
    const decision = decidePromotion(rule, evaluation({ rows: 500, challenger: { log_loss: 0.55 }, champion: { log_loss: 0.5 } }));
    expect(decision.promote).toBe(false);
    expect(decision.guardrail).toMatchObject({ status: 'breached', metric: 'log_loss', rows: 500, challengerScore: 0.55, championScore: 0.5 });
    expect(decision.reasons).toEqual([
      'log_loss: challenger 0.4000 vs champion 0.4500 on the same 300 holdout rows; improvement 0.0500 ≥ required 0.01',
      'guardrail on log_loss: challenger 0.5500 vs champion 0.5000 on 500 reference-period rows; worse by 0.0500, more than the tolerance 0.02',
    ]);
  });

  it('promotes when the challenger is worse on reference-period rows, but within the tolerance', () => {
    const decision = decidePromotion(rule, evaluation({ rows: 500, challenger: { log_loss: 0.51 }, champion: { log_loss: 0.5 } }));
    expect(decision.promote).toBe(true);
    expect(decision.guardrail).toMatchObject({ status: 'passed' });
    expect(decision.reasons[1]).toBe(
      'guardrail on log_loss: challenger 0.5100 vs champion 0.5000 on 500 reference-period rows; worse by 0.0100, within the tolerance 0.02',
    );
  });

  it('checks its own metric in that metric’s better direction', () => {
    const accuracyRule: PromotionRule = { ...rule, guardrail: { metric: 'accuracy', tolerance: 0.01, referenceRows: 500 } };
    const worse = decidePromotion(accuracyRule, evaluation({ rows: 80, challenger: { accuracy: 0.7 }, champion: { accuracy: 0.75 } }));
    expect(worse.promote).toBe(false);
    expect(worse.guardrail).toMatchObject({ status: 'breached', metric: 'accuracy', difference: expect.closeTo(-0.05, 12) });
    const better = decidePromotion(accuracyRule, evaluation({ rows: 80, challenger: { accuracy: 0.8 }, champion: { accuracy: 0.75 } }));
    expect(better.promote).toBe(true);
    expect(better.reasons[1]).toMatch(/; not worse$/);
  });

  it('does not block promotion when there are no reference-period rows, and says it was not checked', () => {
    const decision = decidePromotion(rule, evaluation(null));
    expect(decision.promote).toBe(true);
    expect(decision.guardrail).toEqual({ status: 'not_checked', metric: 'log_loss', tolerance: 0.02, rows: 0 });
    expect(decision.reasons[1]).toBe('guardrail on log_loss not checked: no labelled rows from the reference period');
  });

  it('does not block promotion when its metric is undefined on the reference-period rows', () => {
    const aucRule: PromotionRule = { ...rule, guardrail: { metric: 'roc_auc', tolerance: 0, referenceRows: 500 } };
    const decision = decidePromotion(aucRule, evaluation({ rows: 40, challenger: { log_loss: 0.3 }, champion: { log_loss: 0.3 } }));
    expect(decision.promote).toBe(true);
    expect(decision.reasons[1]).toBe('guardrail on roc_auc not checked: roc_auc is undefined on the 40 reference-period rows');
  });

  it('does not rescue a challenger that misses the minimum, and is off without a rule', () => {
    const notBetter: Evaluation = { ...evaluation({ rows: 500, challenger: { log_loss: 0.4 }, champion: { log_loss: 0.5 } }), challenger: { log_loss: 0.45 } };
    expect(decidePromotion(rule, notBetter).promote).toBe(false);
    const breach = evaluation({ rows: 500, challenger: { log_loss: 0.9 }, champion: { log_loss: 0.5 } });
    const withoutGuardrail = decidePromotion({ ...rule, guardrail: null }, breach);
    expect(withoutGuardrail).toMatchObject({ promote: true, guardrail: null });
    expect(withoutGuardrail.reasons).toHaveLength(1);
  });
});

describe('decidePromotion with secondary metrics and a short holdout', () => {
  const rule: PromotionRule = {
    metric: 'log_loss', minImprovement: 0, secondary: [{ metric: 'roc_auc', tolerance: 0.02 }, { metric: 'f1', tolerance: 0.05 }],
  };

  it('rejects a challenger that wins on log loss but loses ROC AUC beyond its tolerance', () => {
    const decision = decidePromotion(rule, {
      holdoutRows: 300, challenger: { log_loss: 0.4, roc_auc: 0.75, f1: 0.7 }, champion: { log_loss: 0.45, roc_auc: 0.8, f1: 0.7 },
    });
    expect(decision.promote).toBe(false);
    expect(decision.secondary.map((check) => check.status)).toEqual(['breached', 'passed']);
    expect(decision.reasons).toContain('roc_auc: challenger 0.7500 vs champion 0.8000; worse by 0.0500, more than the tolerance 0.02');
  });

  it('promotes within the tolerances, and an undefined secondary metric does not block', () => {
    const decision = decidePromotion(rule, {
      holdoutRows: 300, challenger: { log_loss: 0.4, roc_auc: 0.79, f1: Number.NaN }, champion: { log_loss: 0.45, roc_auc: 0.8, f1: 0.6 },
    });
    expect(decision.promote).toBe(true);
    expect(decision.secondary.map((check) => check.status)).toEqual(['passed', 'not_checked']);
  });

  it('repeats why the holdout is short in the reasons', () => {
    const holdoutNote = 'the holdout has 100 rows, fewer than promotion.minHoldoutRows 200';
    const decision = decidePromotion(rule, { holdoutRows: 100, holdoutNote, challenger: { log_loss: 0.4 }, champion: { log_loss: 0.45 } });
    expect(decision.reasons[0]).toBe(holdoutNote);
  });
});
