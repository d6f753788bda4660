import { describe, expect, it } from 'vitest';
import { turnedDownBecause } from '../../../src/policy/rollback';

const at = '2026-03-01T00:00:00.000Z';

describe('turnedDownBecause', () => {
  it('lets a former champion, and a version superseded only because the champion changed, come back', () => {
    expect(turnedDownBecause({ status: 'archived', decision: { reasons: ['improved log_loss by 0.03'] } })).toBeNull();
    expect(turnedDownBecause({ status: 'archived', decision: null })).toBeNull();
    expect(turnedDownBecause({ status: 'rejected', decision: { superseded: 'champion changed from v2 to v3 during the retrain' } })).toBeNull();
  });

  it('names the person who rejected a version, and why', () => {
    const approval = { status: 'rejected' as const, by: 'alice', reason: 'flags every order from Lisbon', at };
    expect(turnedDownBecause({ status: 'rejected', decision: { approval, reasons: ['improved log_loss', 'rejected by alice'] } }))
      .toBe('was rejected by alice (flags every order from Lisbon)');
    expect(turnedDownBecause({ status: 'rejected', decision: { approval: { ...approval, reason: null } } })).toBe('was rejected by alice');
  });

  it('says when nobody approved a version in time', () => {
    expect(turnedDownBecause({ status: 'rejected', decision: { approval: { status: 'timed_out', by: 'timeout', reason: null, at } } }))
      .toBe('was not approved before its approval deadline');
  });

  it('gives the reasons of a version that failed its evaluation: the promotion rule or the quality gate', () => {
    expect(turnedDownBecause({ status: 'rejected', decision: { reasons: ['improvement interval [-0.001, 0.005] includes 0'] } }))
      .toBe('failed its evaluation: improvement interval [-0.001, 0.005] includes 0');
    expect(turnedDownBecause({ status: 'rejected', decision: { reasons: ['tuned challenger v5 failed the quality gate: log loss 1.08 above the class prior 0.70'] } }))
      .toBe('failed its evaluation: tuned challenger v5 failed the quality gate: log loss 1.08 above the class prior 0.70');
    expect(turnedDownBecause({ status: 'rejected', decision: null })).toBe('failed its evaluation: no reason was recorded');
  });

  it('treats any other status as turned down', () => {
    expect(turnedDownBecause({ status: 'cancelled', decision: null })).toBe('is cancelled');
  });
});
