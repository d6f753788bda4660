import { DRIFT_TESTS } from './registry';
import type { DriftOptions } from './types';

/**
 * Defaults: reference-decile bins; empty bins smoothed to 1e-4 (then renormalised) so PSI stays
 * finite; scipy's KS method choice; constant thresholds (the model config recommends learned ones, which
 * need a profile chunked like the monitoring window); effect sizes of at least 0.1 for the p-value tests
 * (see DRIFT_TESTS); no multiple-testing correction; a 10-point change of the null rate is drift in itself.
 */
export const DEFAULT_DRIFT_OPTIONS: Readonly<DriftOptions> = {
  minRows: 30,
  binning: { strategy: 'quantile', bins: 10 },
  smoothing: { kind: 'constant', epsilon: 1e-4 },
  ksMethod: 'auto',
  thresholds: { strategy: 'constant' },
  correction: 'none',
  nullRateShift: 0.1,
  outOfRangeShare: 0.1,
  effectSizeFloor: { ks: DRIFT_TESTS.ks.effectSize!.defaultFloor, chi_square: DRIFT_TESTS.chi_square.effectSize!.defaultFloor },
  monitoringWindow: null,
};
