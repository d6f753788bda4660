import { describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_PORT, DEFAULT_TEMPORAL_METRICS_PORT, loadObservabilitySettings } from '../../../src/observability/settings';

describe('loadObservabilitySettings', () => {
  it('serves both metrics endpoints and logs at INFO by default', () => {
    expect(loadObservabilitySettings({})).toEqual({
      metricsHost: '0.0.0.0', metricsPort: DEFAULT_METRICS_PORT, temporalMetricsPort: DEFAULT_TEMPORAL_METRICS_PORT, logLevel: 'INFO',
    });
  });

  it('turns an endpoint off with port 0 and reads the log level in any case', () => {
    const settings = loadObservabilitySettings({ DRIFTWATCH_METRICS_PORT: '0', DRIFTWATCH_TEMPORAL_METRICS_PORT: '9100', DRIFTWATCH_LOG_LEVEL: 'debug' });
    expect(settings).toMatchObject({ metricsPort: null, temporalMetricsPort: 9100, logLevel: 'DEBUG' });
  });

  it('names the setting it cannot read', () => {
    expect(() => loadObservabilitySettings({ DRIFTWATCH_METRICS_PORT: '70000' })).toThrow(/DRIFTWATCH_METRICS_PORT must be a port number/);
    expect(() => loadObservabilitySettings({ DRIFTWATCH_LOG_LEVEL: 'verbose' })).toThrow(/DRIFTWATCH_LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR/);
  });
});
