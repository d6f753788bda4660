import { describe, expect, it } from 'vitest';
import { holdoutSize } from '../../../src/evaluation/holdout';

const rule = { holdoutFraction: 0.2, minHoldoutRows: 200, minTrainingRows: 200 };

describe('holdoutSize', () => {
  it('takes the fraction when it reaches the minimum', () => {
    expect(holdoutSize(2000, rule)).toEqual({ holdoutRows: 400, trainingRows: 1600, note: null });
  });

  it('raises a small holdout to the minimum when the training rows allow it', () => {
    // Two years of daily rows: a fifth would be 146 rows, about one season.
    expect(holdoutSize(730, rule)).toEqual({ holdoutRows: 200, trainingRows: 530, note: null });
  });

  it('keeps the training minimum and says that the holdout is short', () => {
    const size = holdoutSize(300, rule);
    expect(size).toMatchObject({ holdoutRows: 100, trainingRows: 200 });
    expect(size.note).toContain('fewer than promotion.minHoldoutRows 200');
  });

  it('never goes below the fraction', () => {
    expect(holdoutSize(210, rule).holdoutRows).toBe(42);
  });
});
