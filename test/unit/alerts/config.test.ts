import { describe, expect, it } from 'vitest';
import { ConfigError, PAGERDUTY_EVENTS_URL, parseModelConfig } from '../../../src/config';

function withAlerts(alerts: unknown[]): string {
  return JSON.stringify({
    model: 'm', task: 'regression', label: 'y', features: [{ name: 'x', kind: 'numeric' }], alerts,
  });
}

function issues(text: string) {
  try {
    parseModelConfig(text, '<inline>');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
}

describe('alert routes in the model config', () => {
  it('resolves webhook, Slack and PagerDuty routes with their defaults', () => {
    const config = parseModelConfig(withAlerts([
      { type: 'webhook', url: 'https://hooks.example.test/dw', secretEnv: 'DW_HOOK_SECRET' },
      { type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/xyz', events: ['model_promoted'], minSeverity: 'warning' },
      { type: 'pagerduty', routingKeyEnv: 'PD_ROUTING_KEY', timeout: '2s', rateLimit: '30m' },
    ]), '<inline>');
    expect(config.alerts[0]).toMatchObject({
      type: 'webhook', secretEnv: 'DW_HOOK_SECRET', routingKeyEnv: null, minSeverity: 'info', timeoutMs: 10_000, rateLimitMs: 0,
    });
    expect(config.alerts[0]!.events).toContain('drift_detected');
    expect(config.alerts[1]).toMatchObject({ type: 'slack', events: ['model_promoted'], minSeverity: 'warning', secretEnv: null });
    expect(config.alerts[2]).toEqual({
      type: 'pagerduty', url: PAGERDUTY_EVENTS_URL, urlEnv: null, events: ['drift_detected', 'retrain_failed'], minSeverity: 'info',
      secretEnv: null, routingKeyEnv: 'PD_ROUTING_KEY', timeoutMs: 2000, rateLimitMs: 30 * 60_000, allowInsecureHosts: [], allowPrivateHosts: [],
    });
  });

  it('names secrets by environment variable only, and checks the names', () => {
    expect(issues(withAlerts([{ type: 'pagerduty' }]))[0]?.path).toBe('alerts[0].routingKeyEnv');
    const bad = issues(withAlerts([{ type: 'webhook', url: 'https://x.test/', secretEnv: 's3cr3t value!' }]));
    expect(bad).toEqual([{ path: 'alerts[0].secretEnv', message: 'expected the name of an environment variable, got "s3cr3t value!"' }]);
    // A secret itself has no key to go in.
    expect(issues(withAlerts([{ type: 'webhook', url: 'https://x.test/', secret: 'abc' }]))).toHaveLength(1);
  });

  it('rejects non-http URLs, unknown sinks and timeouts the delivery activity could not wait for', () => {
    expect(issues(withAlerts([{ type: 'slack', url: 'file:///etc/passwd' }]))[0]).toMatchObject({ path: 'alerts[0].url' });
    expect(issues(withAlerts([{ type: 'slack' }]))[0]?.message).toContain('give either url or urlEnv');
    expect(issues(withAlerts([{ type: 'slack', url: 'https://hooks.slack.test/x', urlEnv: 'SLACK_URL' }]))[0]?.message).toContain('give either url or urlEnv');
    expect(issues(withAlerts([{ type: 'slack', urlEnv: 'SLACK_URL' }]))).toEqual([]);
    expect(issues(withAlerts([{ type: 'email', url: 'https://x.test/' }]))[0]).toMatchObject({ path: 'alerts[0].type' });
    expect(issues(withAlerts([{ type: 'webhook', url: 'https://x.test/', timeout: '1m' }]))[0]).toMatchObject({ path: 'alerts[0].timeout' });
    expect(issues(withAlerts([{ type: 'webhook', url: 'https://x.test/', minSeverity: 'page' }]))[0]).toMatchObject({ path: 'alerts[0].minSeverity' });
  });

  it('takes https, http and private addresses only where the route allows them, and no credentials in URLs', () => {
    expect(issues(withAlerts([{ type: 'webhook', url: 'http://hooks.example.test/x' }]))).toEqual([{
      path: 'alerts[0].url',
      message: "http sends alerts unencrypted to hooks.example.test: use https, or add 'hooks.example.test' to alerts[0].allowInsecureHosts",
    }]);
    const withCredentials = issues(withAlerts([{ type: 'webhook', url: 'https://x.test/' }, { type: 'slack', url: 'https://bot:hunter22@hooks.slack.test/T/B/x' }]));
    expect(withCredentials).toEqual([{ path: 'alerts[1].url', message: expect.stringMatching(/^credentials in the URL \(user:password@\) are not allowed/) }]);
    expect(JSON.stringify(withCredentials)).not.toContain('hunter22');
    expect(issues(withAlerts([{ type: 'webhook', url: 'https://169.254.169.254/latest/meta-data/' }]))).toEqual([{
      path: 'alerts[0].url',
      message: "169.254.169.254 is the cloud metadata service; add '169.254.169.254' to alerts[0].allowPrivateHosts to allow it",
    }]);
    expect(issues(withAlerts([{ type: 'webhook', url: 'http://127.0.0.1:9/x', allowInsecureHosts: ['127.0.0.1'] }]))[0]?.message)
      .toMatch(/^127\.0\.0\.1 is a loopback address; add '127\.0\.0\.1' to alerts\[0\]\.allowPrivateHosts/);
    const local = parseModelConfig(withAlerts([
      { type: 'webhook', url: 'http://127.0.0.1:9/x', allowInsecureHosts: ['127.0.0.1'], allowPrivateHosts: ['127.0.0.1'] },
    ]), '<inline>');
    expect(local.alerts[0]).toMatchObject({ allowInsecureHosts: ['127.0.0.1'], allowPrivateHosts: ['127.0.0.1'] });
    expect(issues(withAlerts([{ type: 'webhook', url: 'https://x.test/', allowPrivateHosts: ['10.0.0.0/99'] }]))).toEqual([{
      path: 'alerts[0].allowPrivateHosts[0]', message: 'expected a host name, an IP address or a CIDR range (10.0.0.0/8), got "10.0.0.0/99"',
    }]);
  });
});
