import type { DriftOptions } from './types';

/**
 * Defaults: reference-decile bins; empty bins smoothed to 1e-4 (then renormalised) so PSI stays
 * finite; scipy's KS method choice; constant thresholds; no multiple-testing correction; a 10-point
 * change of the null rate is drift in itself.
 */
export const DEFAULT_DRIFT_OPTIONS: Readonly<DriftOptions> = {
  minRows: 30,
  binning: { strategy: 'quantile', bins: 10 },
  smoothing: { kind: 'constant', epsilon: 1e-4 },
  ksMethod: 'auto',
  thresholds: { strategy: 'constant' },
  correction: 'none',
  nullRateShift: 0.1,
};
