import { describe, expect, it } from 'vitest';
import { driftReportUrl } from '../../src/alerts/payload';
import { loadSettings, reportUrlTemplate, serviceUrl } from '../../src/settings';

describe('where links to the served pages point', () => {
  it('reaches a wildcard listening address as localhost, and brackets an IPv6 host', () => {
    expect(serviceUrl('0.0.0.0', 8080)).toBe('http://localhost:8080');
    expect(serviceUrl('::', 8080)).toBe('http://localhost:8080');
    expect(serviceUrl('::1', 9000)).toBe('http://[::1]:9000');
    expect(serviceUrl('10.1.2.3', 80)).toBe('http://10.1.2.3:80');
  });

  it('links a drift report to the page of driftwatch serve unless DRIFTWATCH_REPORT_URL says otherwise', () => {
    expect(driftReportUrl(reportUrlTemplate({}), 'seattle-rain', 7)).toBe('http://127.0.0.1:8080/reports/7');
    expect(reportUrlTemplate({ DRIFTWATCH_SERVICE_HOST: '0.0.0.0', DRIFTWATCH_SERVICE_PORT: '9090' })).toBe('http://localhost:9090/reports/{reportId}');
    expect(reportUrlTemplate({ DRIFTWATCH_PUBLIC_URL: 'https://drift.example.com/' })).toBe('https://drift.example.com/reports/{reportId}');
    expect(reportUrlTemplate({ DRIFTWATCH_REPORT_URL: 'https://grafana.example.com/d/drift?var-report={reportId}', DRIFTWATCH_PUBLIC_URL: 'https://drift.example.com' }))
      .toBe('https://grafana.example.com/d/drift?var-report={reportId}');
  });

  it('names the setting and what 0 means when a port is not one', () => {
    expect(() => loadSettings({ DRIFTWATCH_SERVICE_PORT: '80000' }))
      .toThrow("DRIFTWATCH_SERVICE_PORT must be a port number (1-65535, or 0 for a free port the system picks), got '80000'");
  });
});
