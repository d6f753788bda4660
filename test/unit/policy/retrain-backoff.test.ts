import { describe, expect, it } from 'vitest';
import { mayHold, signatureOf } from '../../../src/policy/drift-signature';
import {
  DRIFTED_FEATURES_NAMED,
  FRESH_BACKOFF,
  backoffCapMs,
  backoffDelayMs,
  describeRearmCause,
  gateDriftRetrain,
  rearmManually,
  recordRejectedRetrain,
  retrainNotBefore,
  type RejectedRetrain,
  type RetrainBackoff,
  type RetrainBackoffState,
} from '../../../src/policy/retrain-backoff';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const POLICY: RetrainBackoff = { initialMs: 7 * DAY, multiplier: 2, maxMs: 20 * DAY, askAfterRejections: 3, rearmLabelledRows: 200 };

const rejected = (dataTime: string, labelledRows = 1000, n = 1, windowSpanMs: number | null = 89 * DAY): RejectedRetrain => ({
  runId: `run-${n}`, outcome: 'rejected', reason: `not better (${n})`, challengerVersion: 1 + n, dataTime, windowSpanMs, labelledRows,
});
const check = (windowEnd: string, driftedFeatures = ['x1'], labelledRows = 1000) => ({ windowEnd, labelledRows, driftedFeatures });

/** The state after the opening check (features x1) and `count` rejections, the last started at `dataTime`. */
function afterRejections(count: number, dataTime = '2026-01-01T00:00:00.000Z'): RetrainBackoffState {
  let state = gateDriftRetrain(POLICY, FRESH_BACKOFF, check(dataTime)).state;
  for (let n = 1; n <= count; n += 1) state = recordRejectedRetrain(POLICY, state, rejected(dataTime, 1000, n)).state;
  return state;
}

describe('retrain back-off', () => {
  it('doubles from the initial delay and stops at the cap', () => {
    expect([0, 1, 2, 3, 4].map((n) => backoffDelayMs(POLICY, n, 89 * DAY) / DAY)).toEqual([0, 7, 14, 20, 20]);
  });

  it('waits one check window of event time first with initial: window, and never caps below it', () => {
    const byWindow: RetrainBackoff = { ...POLICY, initialMs: 'window', maxMs: 90 * DAY };
    // A 90-row window of hourly rows spans 89 h: the waits double from there up to the cap.
    expect([1, 2, 3, 5, 6].map((n) => backoffDelayMs(byWindow, n, 89 * HOUR) / HOUR)).toEqual([89, 178, 356, 1424, 2160]);
    // Daily rows: the window (120 d) is longer than max (90 d), so every wait is one window.
    expect([1, 2, 3].map((n) => backoffDelayMs(byWindow, n, 120 * DAY) / DAY)).toEqual([120, 120, 120]);
    expect(backoffCapMs(byWindow, 120 * DAY) / DAY).toBe(120);
    // A retrain started without a check window (forced before any check) holds nothing back.
    expect(backoffDelayMs(byWindow, 1, null)).toBe(0);
  });

  it('counts a window back-off from the rejected retrain\'s own check window', () => {
    const byWindow: RetrainBackoff = { ...POLICY, initialMs: 'window', maxMs: 90 * DAY };
    let state = gateDriftRetrain(byWindow, FRESH_BACKOFF, check('2015-01-31T00:00:00.000Z')).state;
    state = recordRejectedRetrain(byWindow, state, rejected('2015-01-31T00:00:00.000Z', 1000, 1, 89 * DAY)).state;
    expect(retrainNotBefore(byWindow, state)).toBe('2015-04-30T00:00:00.000Z');
    expect(gateDriftRetrain(byWindow, state, check('2015-03-31T00:00:00.000Z')).gate.kind).toBe('backing_off');
    expect(gateDriftRetrain(byWindow, state, check('2015-04-30T00:00:00.000Z')).gate).toEqual({ kind: 'open', rearmedBy: null });
  });

  it('lets the first drifted check retrain and records its drifted features', () => {
    const { state, gate } = gateDriftRetrain(POLICY, FRESH_BACKOFF, check('2026-01-01T00:00:00Z', ['x1', 'x2']));
    expect(gate).toEqual({ kind: 'open', rearmedBy: null });
    expect(state.driftedFeatures).toEqual(['x1', 'x2']);
  });

  it('backs off in data time from the rejected retrain\'s check, then lets a later check retrain', () => {
    const state = afterRejections(1);
    expect(retrainNotBefore(POLICY, state)).toBe('2026-01-08T00:00:00.000Z');
    const inside = gateDriftRetrain(POLICY, state, check('2026-01-07T23:59:59.000Z'));
    expect(inside.gate).toMatchObject({ kind: 'backing_off', until: '2026-01-08T00:00:00.000Z' });
    expect(inside.gate.kind !== 'open' && inside.gate.reason).toMatch(/^backing off until 2026-01-08T00:00:00.000Z after 1 rejected challenger; re-armed by/);
    expect(gateDriftRetrain(POLICY, state, check('2026-01-08T00:00:00.000Z')).gate).toEqual({ kind: 'open', rearmedBy: null });
  });

  it('grows the wait with each rejection', () => {
    const state = afterRejections(2);
    expect(retrainNotBefore(POLICY, state)).toBe('2026-01-15T00:00:00.000Z');
    expect(gateDriftRetrain(POLICY, state, check('2026-01-10T00:00:00Z')).gate.kind).toBe('backing_off');
  });

  it('asks a person once at askAfterRejections, and goes on backing off at the capped delay', () => {
    const two = afterRejections(2);
    const third = recordRejectedRetrain(POLICY, two, rejected('2026-01-01T00:00:00.000Z', 1000, 3));
    expect(third.askPerson).toBe(true);
    expect(recordRejectedRetrain(POLICY, third.state, rejected('2026-01-01T00:00:00.000Z', 1000, 4)).askPerson).toBe(false);
    // 7 · 2² = 28 days, capped at 20.
    expect(retrainNotBefore(POLICY, third.state)).toBe('2026-01-21T00:00:00.000Z');
    const waiting = gateDriftRetrain(POLICY, third.state, check('2026-01-10T00:00:00Z')).gate;
    expect(waiting.kind).toBe('backing_off');
    expect(waiting.kind !== 'open' && waiting.reason).toContain('after 3 rejected challengers (a person was asked: retraining_not_helping)');
    expect(gateDriftRetrain(POLICY, third.state, check('2026-01-21T00:00:00Z')).gate).toEqual({ kind: 'open', rearmedBy: null });
  });

  it('counts quality-gate failures like rejections', () => {
    let state = afterRejections(2);
    const step = recordRejectedRetrain(POLICY, state, { ...rejected('2026-01-01T00:00:00.000Z', 1000, 3), outcome: 'failed_quality_gate' });
    state = step.state;
    expect(step.askPerson).toBe(true);
    expect(state.rejected.map((r) => r.outcome)).toEqual(['rejected', 'rejected', 'failed_quality_gate']);
  });

  it('re-arms on enough new labelled rows since the last rejected retrain, not on fewer', () => {
    const askedPerson = afterRejections(3);
    expect(gateDriftRetrain(POLICY, askedPerson, check('2026-01-02T00:00:00Z', ['x1'], 1199)).gate.kind).toBe('backing_off');
    const rearmed = gateDriftRetrain(POLICY, askedPerson, check('2026-01-02T00:00:00Z', ['x1'], 1200));
    expect(rearmed.gate).toEqual({ kind: 'open', rearmedBy: { kind: 'new_labelled_rows', newRows: 200 } });
    expect(rearmed.state).toMatchObject({ rejected: [], askedPerson: false });
  });

  it('re-arms on a feature that had not drifted in the incident, and remembers it', () => {
    const backingOff = afterRejections(1);
    const rearmed = gateDriftRetrain(POLICY, backingOff, check('2026-01-02T00:00:00Z', ['x1', 'x3']));
    expect(rearmed.gate).toEqual({ kind: 'open', rearmedBy: { kind: 'new_drifted_features', features: ['x3'] } });
    expect(describeRearmCause({ kind: 'new_drifted_features', features: ['x3'] })).toBe('re-armed by a changed drift pattern: x3 now drifts');
    expect(rearmed.state.driftedFeatures).toEqual(['x1', 'x3']);
    // The same pattern again after another rejection is not a change.
    const again = recordRejectedRetrain(POLICY, rearmed.state, rejected('2026-01-02T00:00:00.000Z')).state;
    expect(gateDriftRetrain(POLICY, again, check('2026-01-03T00:00:00Z', ['x3'])).gate.kind).toBe('backing_off');
  });

  it('sees a newly drifting feature beyond the names a check carries, through its signature of every drifted feature', () => {
    const many = Array.from({ length: 500 }, (_, i) => `f${i}`);
    const opening = { ...check('2026-01-01T00:00:00.000Z', many.slice(0, 50)), driftSignature: signatureOf(many) };
    let state = gateDriftRetrain(POLICY, FRESH_BACKOFF, opening).state;
    state = recordRejectedRetrain(POLICY, state, rejected('2026-01-01T00:00:00.000Z')).state;
    expect(state.driftedFeatures).toHaveLength(50);
    // The same 500 features, with other top names: no change.
    const same = { ...check('2026-01-02T00:00:00Z', many.slice(100, 150)), driftSignature: signatureOf(many) };
    expect(gateDriftRetrain(POLICY, state, same).gate.kind).toBe('backing_off');
    // One more feature drifts, outside the names the check carries (one whose bit no earlier feature took).
    const newcomer = Array.from({ length: 100 }, (_, i) => `g${i}`).find((name) => !mayHold(state.driftSignature!, name))!;
    const changed = { ...check('2026-01-02T00:00:00Z', many.slice(0, 50)), driftSignature: signatureOf([...many, newcomer]) };
    const rearmed = gateDriftRetrain(POLICY, state, changed);
    expect(rearmed.gate).toEqual({ kind: 'open', rearmedBy: { kind: 'new_drifted_features', features: [] } });
    expect(describeRearmCause({ kind: 'new_drifted_features', features: [] })).toBe(
      're-armed by a changed drift pattern: features that had not drifted in this incident now drift');
  });

  it('keeps the names it shows bounded however many features drift', () => {
    let state = FRESH_BACKOFF;
    for (let n = 0; n < 5; n += 1) {
      const names = Array.from({ length: 50 }, (_, i) => `f${n}-${i}`);
      state = gateDriftRetrain(POLICY, state, check('2026-01-01T00:00:00Z', names)).state;
    }
    expect(state.driftedFeatures).toHaveLength(DRIFTED_FEATURES_NAMED);
    expect(mayHold(state.driftSignature!, 'f4-49')).toBe(true);
  });

  it('reads the incident state of an earlier version, which named every drifted feature and had no signature', () => {
    const earlier: RetrainBackoffState = { rejected: [rejected('2026-01-01T00:00:00.000Z')], driftedFeatures: ['x1', 'x2'], askedPerson: false };
    expect(gateDriftRetrain(POLICY, earlier, check('2026-01-02T00:00:00Z', ['x2'])).gate.kind).toBe('backing_off');
    expect(gateDriftRetrain(POLICY, earlier, check('2026-01-02T00:00:00Z', ['x3'])).gate).toMatchObject({ rearmedBy: { features: ['x3'] } });
  });

  it('a feature that stops drifting and drifts again is no change', () => {
    const state = afterRejections(1);
    expect(gateDriftRetrain(POLICY, state, check('2026-01-02T00:00:00Z', [])).gate.kind).toBe('backing_off');
    expect(gateDriftRetrain(POLICY, state, check('2026-01-03T00:00:00Z', ['x1'])).gate.kind).toBe('backing_off');
  });

  it('re-arms on a manual request, keeping the incident\'s drifted features', () => {
    const askedPerson = afterRejections(3);
    const rearmed = rearmManually(askedPerson);
    expect(rearmed).toMatchObject({ rejected: [], driftedFeatures: ['x1'], askedPerson: false });
    expect(gateDriftRetrain(POLICY, rearmed, check('2026-01-01T00:00:00Z')).gate.kind).toBe('open');
  });

  it('without a back-off policy every drifted check may retrain and nobody is asked', () => {
    let state = gateDriftRetrain(null, FRESH_BACKOFF, check('2026-01-01T00:00:00Z')).state;
    for (let n = 1; n <= 5; n += 1) {
      const step = recordRejectedRetrain(null, state, rejected('2026-01-01T00:00:00.000Z', 1000, n));
      expect(step.askPerson).toBe(false);
      state = step.state;
    }
    expect(gateDriftRetrain(null, state, check('2026-01-01T00:00:00Z')).gate).toEqual({ kind: 'open', rearmedBy: null });
  });

  it('a rejection without a data time counts but does not delay', () => {
    const state = recordRejectedRetrain(POLICY, FRESH_BACKOFF, { ...rejected('x'), dataTime: null }).state;
    expect(retrainNotBefore(POLICY, state)).toBeNull();
    expect(gateDriftRetrain(POLICY, state, check('2026-01-01T00:00:00Z')).gate.kind).toBe('open');
  });
});
