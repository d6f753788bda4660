import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseRoute, post, routeTarget, routesFor, sinkRequest } from '../../../src/alerts/routes';
import { buildWebhookPayload } from '../../../src/alerts/payload';

let server: http.Server;
let base: string;
const hits: string[] = [];

beforeAll(async () => {
  // A real receiver with one path per behaviour.
  server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume();
    if (req.url === '/ok') res.writeHead(204).end();
    else if (req.url === '/fail') res.writeHead(500).end('bad key R0UT1NG');
    else if (req.url === '/redirect') res.writeHead(302, { location: '/ok' }).end();
    // '/hang': accepts the request and never answers.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const request = (path: string) => ({ url: `${base}${path}`, headers: {}, body: '{}' });

describe('posting to a route', () => {
  it('accepts 2xx, reports other answers without following redirects, and masks secrets', async () => {
    expect(await post(request('/ok'), 2000)).toBeNull();
    expect(await post(request('/fail'), 2000, ['R0UT1NG'])).toBe('HTTP 500: bad key ***');
    expect(await post(request('/redirect'), 2000)).toBe('HTTP 302 (redirects are not followed)');
    expect(hits.filter((h) => h === '/ok')).toHaveLength(1);
  });

  it('gives up on a receiver that never answers, and on one that is not there', async () => {
    const started = Date.now();
    expect(await post(request('/hang'), 300)).toBe('no answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await post({ url: 'http://127.0.0.1:1/x', headers: {}, body: '{}' }, 1000)).toMatch(/^fetch failed/);
    expect(await post({ url: 'ftp://127.0.0.1/x', headers: {}, body: '{}' }, 1000)).toBe('refused to post to a ftp: URL');
  });
});

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
    const { request: pd, secrets } = sinkRequest(routes[1]!, payload, { PD_KEY: 'abc' }, new Date());
    expect(JSON.parse(pd.body).routing_key).toBe('abc');
    expect(secrets).toEqual(['abc']);

    // A Slack webhook URL is a credential too: it can come from the environment, named by its variable.
    const slackFromEnv = normaliseRoute({ type: 'slack', urlEnv: 'SLACK_URL' });
    expect(routeTarget(slackFromEnv)).toBe('slack:$SLACK_URL');
    expect(() => sinkRequest(slackFromEnv, payload, {}, new Date())).toThrow('environment variable SLACK_URL is not set on the worker');
    const slack = sinkRequest(slackFromEnv, payload, { SLACK_URL: 'https://hooks.slack.test/T/B/secretpath' }, new Date());
    expect(slack.request.url).toBe('https://hooks.slack.test/T/B/secretpath');
    expect(slack.secrets).toEqual(['https://hooks.slack.test/T/B/secretpath']);
  });
});
