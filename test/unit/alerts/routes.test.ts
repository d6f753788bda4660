import { describe, expect, it } from 'vitest';
import { normaliseRoute, routeSecrets, routeTarget, routesFor, sinkRequest } from '../../../src/alerts/routes';
import { buildWebhookPayload } from '../../../src/alerts/payload';

describe('routing', () => {
  const routes = [
    normaliseRoute({ type: 'webhook', url: 'https://a.test/', events: ['model_promoted'] }),
    normaliseRoute({ type: 'pagerduty', url: 'https://pd.test/v2/enqueue', routingKeyEnv: 'PD_KEY', minSeverity: 'warning' }),
    normaliseRoute({ type: 'slack', url: 'https://hooks.slack.test/services/T/B/secretpath' }),
  ];

  it('filters by event and minimum severity; drift_resolved follows drift_detected', () => {
    const types = (event: Parameters<typeof routesFor>[1]['event'], severity: Parameters<typeof routesFor>[1]['severity']) =>
      routesFor(routes, { event, severity }).map((r) => r.type);
    expect(types('model_promoted', 'info')).toEqual(['webhook', 'slack']);
    expect(types('drift_detected', 'warning')).toEqual(['pagerduty', 'slack']);
    expect(types('drift_resolved', 'warning')).toEqual(['pagerduty', 'slack']);
    expect(types('retrain_failed', 'error')).toEqual(['pagerduty', 'slack']);
  });

  it('names routes without their secrets, and reads secrets from the environment at send time', () => {
    expect(routes.map(routeTarget)).toEqual(['https://a.test/', 'pagerduty:PD_KEY@pd.test', expect.stringMatching(/^slack:hooks\.slack\.test#[0-9a-f]{8}$/)]);
    expect(routeTarget(routes[2]!)).not.toContain('secretpath');
    const payload = buildWebhookPayload({
      alertKey: 'k', modelName: 'm', event: 'drift_detected', severity: 'warning', summary: 's', details: {}, workflowId: 'w', runId: 'r',
    }, { workflow: 'http://ui.test/' }, new Date());
    expect(() => sinkRequest(routes[1]!, payload, {}, new Date())).toThrow('environment variable PD_KEY is not set on the worker');
    const pd = sinkRequest(routes[1]!, payload, { PD_KEY: 'abc' }, new Date());
    expect(JSON.parse(pd.body).routing_key).toBe('abc');

    // A Slack webhook URL is a credential too: it can come from the environment, named by its variable.
    const slackFromEnv = normaliseRoute({ type: 'slack', urlEnv: 'SLACK_URL' });
    expect(routeTarget(slackFromEnv)).toBe('slack:$SLACK_URL');
    expect(() => sinkRequest(slackFromEnv, payload, {}, new Date())).toThrow('environment variable SLACK_URL is not set on the worker');
    const slack = sinkRequest(slackFromEnv, payload, { SLACK_URL: 'https://hooks.slack.test/T/B/secretpath' }, new Date());
    expect(slack.url).toBe('https://hooks.slack.test/T/B/secretpath');
  });

  it('lists every secret value a route handles, for masking: variables read, and a Slack URL with its parts', () => {
    const env = { PD_KEY: 'pd-routing-key', HOOK: 'hmac-secret', SLACK_URL: 'https://hooks.slack.test/services/T0TEAM01/B0HOOK02/tok3nValue' };
    expect(routeSecrets(routes[0]!, env)).toEqual([]);
    expect(routeSecrets(routes[1]!, env)).toEqual(['pd-routing-key']);
    expect(routeSecrets(normaliseRoute({ type: 'webhook', url: 'https://a.test/', secretEnv: 'HOOK' }), env)).toEqual(['hmac-secret']);
    // Unset variables hold nothing to mask.
    expect(routeSecrets(routes[1]!, {})).toEqual([]);
    const fromEnv = routeSecrets(normaliseRoute({ type: 'slack', urlEnv: 'SLACK_URL' }), env);
    expect(fromEnv).toEqual(expect.arrayContaining([env.SLACK_URL, 'T0TEAM01', 'B0HOOK02', 'tok3nValue']));
    expect(routeSecrets(routes[2]!, env)).toEqual(expect.arrayContaining(['https://hooks.slack.test/services/T/B/secretpath', 'secretpath']));
  });
});
