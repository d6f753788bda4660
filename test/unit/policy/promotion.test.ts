import { describe, expect, it } from 'vitest';
import { decidePromotion } from '../../../src/policy/promotion';

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
