import { describe, expect, it } from 'vitest';
import { EMPTY_SIGNATURE, addsToSignature, mayHold, signatureOf, unionOf } from '../../../src/policy/drift-signature';

const names = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

describe('drift signature', () => {
  it('always finds a name it holds, also after a union', () => {
    const all = names('feature_', 10_000);
    const signature = unionOf(signatureOf(all.slice(0, 5_000)), signatureOf(all.slice(5_000)));
    expect(signature).toBe(signatureOf(all));
    expect(all.every((name) => mayHold(signature, name))).toBe(true);
    expect(addsToSignature(signature, signatureOf(all.slice(123, 456)))).toBe(false);
  });

  it('is the same in every process: a stable hash, 1024 hex digits', () => {
    const signature = signatureOf(['x1', 'x2', 'x3', 'segment']);
    expect(signature).toHaveLength(1024);
    expect(signature).toMatch(/^[0-9a-f]+$/);
    expect(signatureOf(['segment', 'x3', 'x2', 'x1', 'x1'])).toBe(signature);
  });

  it('sees a new name among a few dozen known ones (it can miss one only when its bit is taken)', () => {
    const known = signatureOf(names('f', 40));
    const fresh = names('g', 1_000).filter((name) => addsToSignature(known, signatureOf([name])));
    // 40 names set at most 40 of 4096 bits: about 1% of new names share a bit with them.
    expect(fresh.length).toBeGreaterThan(970);
  });

  it('tells the small feature sets of the tests apart', () => {
    const bits = ['x1', 'x2', 'x3', 'segment', 'performance:loss', 'performance:calibration'].map((name) => signatureOf([name]));
    expect(new Set(bits).size).toBe(bits.length);
  });

  it('treats the empty set as empty', () => {
    expect(signatureOf([])).toBe(EMPTY_SIGNATURE);
    expect(unionOf(EMPTY_SIGNATURE, EMPTY_SIGNATURE)).toBe(EMPTY_SIGNATURE);
    expect(addsToSignature(EMPTY_SIGNATURE, EMPTY_SIGNATURE)).toBe(false);
    expect(addsToSignature(EMPTY_SIGNATURE, signatureOf(['x1']))).toBe(true);
    expect(addsToSignature(signatureOf(['x1']), EMPTY_SIGNATURE)).toBe(false);
    expect(mayHold(EMPTY_SIGNATURE, 'x1')).toBe(false);
  });
});
