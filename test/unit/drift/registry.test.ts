import { describe, expect, it } from 'vitest';
import { DRIFT_TESTS, defaultTestFor, isDrifted } from '../../../src/drift';

describe('drift test registry', () => {
  it('keys each descriptor by its own name', () => {
    for (const [key, descriptor] of Object.entries(DRIFT_TESTS)) expect(descriptor.name).toBe(key);
  });

  it('offers PSI for both kinds and KS for numeric features only, with the agreed defaults', () => {
    expect(DRIFT_TESTS.psi).toMatchObject({ kinds: ['numeric', 'categorical'], scoreKind: 'distance', defaultThreshold: 0.2 });
    expect(DRIFT_TESTS.ks).toMatchObject({ kinds: ['numeric'], scoreKind: 'p_value', defaultThreshold: 0.05 });
  });

  it('defaults numeric features to KS and categorical ones to PSI', () => {
    expect(defaultTestFor('numeric')).toBe('ks');
    expect(defaultTestFor('categorical')).toBe('psi');
  });

  it('treats a p-value as drift only strictly below the threshold', () => {
    expect(isDrifted('p_value', 0.049, 0.05)).toBe(true);
    expect(isDrifted('p_value', 0.05, 0.05)).toBe(false);
    expect(isDrifted('p_value', 0.9, 0.05)).toBe(false);
  });

  it('treats a distance as drift from the threshold upwards', () => {
    expect(isDrifted('distance', 0.2, 0.2)).toBe(true);
    expect(isDrifted('distance', 1.5, 0.2)).toBe(true);
    expect(isDrifted('distance', 0.19, 0.2)).toBe(false);
  });
});
