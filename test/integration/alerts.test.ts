/**
 * Alerts to on-call against real local HTTP receivers (a signed webhook, Slack, PagerDuty, one
 * that fails, one that hangs, and one that echoes every request back in its error answer), through
 * real Temporal workflows and PostgreSQL.
 */
import { execFile } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrchestrationActivities } from '../../activities/orchestration';
import type { AlertRequest } from '../../src/alerts/payload';
import { parseModelConfig } from '../../src/config';
import { listDeliveries } from '../../src/store/alert-deliveries';
import { listRetrains } from '../../src/store/retrains';
import { monitorStatusQuery, monitorWorkflowId, retrainWorkflowId, type RetrainResult } from '../../workflows/definitions';
import { LOCAL_RECEIVER_POLICY, startHarness, testModelYaml, until, type Harness } from './harness';
import { syntheticRows } from './synthetic';

const INCIDENT_MODEL = 'alerts-incident';
const RETRAIN_MODEL = 'alerts-retrain';
// Canaries: unique values that must never reach workflow history (the workers run in this process).
const HOOK_SECRET = `canary-hook-${randomUUID()}`;
const PD_KEY = `canary-pd-${randomUUID()}`;
const COOLDOWN_FIXTURE = 'cooldown-fixture';
process.env.DW_TEST_HOOK_SECRET = HOOK_SECRET;
process.env.DW_TEST_PD_KEY = PD_KEY;
// The routes to the echoing receiver have secrets of their own; the Slack URL (set once the receiver
// listens) is a credential whose path segments are secrets each.
const ECHO_HOOK_SECRET = `canary-echo-hook-${randomUUID()}`;
const ECHO_PD_KEY = `canary-echo-pd-${randomUUID()}`;
const SLACK_SEGMENTS = [`T${randomUUID().slice(0, 8)}`, `B${randomUUID().slice(0, 10)}`, `xox${randomUUID().replaceAll('-', '')}`];
process.env.DW_TEST_ECHO_HOOK_SECRET = ECHO_HOOK_SECRET;
process.env.DW_TEST_ECHO_PD_KEY = ECHO_PD_KEY;
const execFileAsync = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

// The bodies are three different JSON formats; the assertions say what they expect of each.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
interface Received { path: string; headers: http.IncomingHttpHeaders; body: string; json: Record<string, any> }
interface Receiver { url: string; received: Received[]; close(): Promise<void> }

/**
 * A real HTTP receiver: 'ok' answers 202, 'fail' answers 500, 'hang' reads the request and never
 * answers, 'echo' answers 403 (a Slack path) or 500 with the request's path, body and headers, as
 * a careless or hostile receiver would.
 */
async function startReceiver(mode: 'ok' | 'fail' | 'hang' | 'echo'): Promise<Receiver> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body, json: JSON.parse(body) });
      if (mode === 'ok') res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success"}');
      else if (mode === 'fail') res.writeHead(500).end('receiver down');
      else if (mode === 'echo') res.writeHead(req.url?.startsWith('/services/') ? 403 : 500).end(JSON.stringify({ path: req.url, body, headers: req.headers }));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${mode}`,
    received,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

let harness: Harness;
let signed: Receiver;
let slack: Receiver;
let pagerduty: Receiver;
let plain: Receiver;
let failing: Receiver;
let hanging: Receiver;
let echo: Receiver;
let slackUrl: string;


/** The activities the workers run, to call one directly as a worker would. */
const deliveryActivities = () => createOrchestrationActivities({ db: harness.db, artifacts: harness.artifacts, client: harness.client, temporalUiUrl: 'http://localhost:8233' });

/** Slack bodies are Slack's format (only the incident model routes to Slack): their headers say what happened. */
const slackHeaders = (): string[] => slack.received.map((r) => r.json.blocks[0].text.text);
const events = (receiver: Receiver, model: string) => receiver.received.filter((r) => r.json.model === model).map((r) => r.json.event);
const pdEvents = (model: string) => pagerduty.received
  .filter((r) => r.json.dedup_key?.startsWith(`driftwatch/${model}/`))
  .map((r) => [r.json.event_action, r.json.dedup_key] as [string, string]);

beforeAll(async () => {
  harness = await startHarness('alerts');
  [signed, slack, pagerduty, plain, failing, hanging, echo] = await Promise.all([
    startReceiver('ok'), startReceiver('ok'), startReceiver('ok'), startReceiver('ok'), startReceiver('fail'), startReceiver('hang'), startReceiver('echo'),
  ]);
  slackUrl = `${new URL(echo.url).origin}/services/${SLACK_SEGMENTS.join('/')}`;
  process.env.DW_TEST_SLACK_URL = slackUrl;
  await harness.registerModel(parseModelConfig(`${testModelYaml(INCIDENT_MODEL, { cooldown: '1h' })}
alerts:
  - { type: webhook, url: ${signed.url}, secretEnv: DW_TEST_HOOK_SECRET, rateLimit: 1h, ${LOCAL_RECEIVER_POLICY} }
  - { type: slack, url: ${slack.url}, ${LOCAL_RECEIVER_POLICY} }
  - { type: pagerduty, url: ${pagerduty.url}, routingKeyEnv: DW_TEST_PD_KEY, ${LOCAL_RECEIVER_POLICY} }
`, '<alerts incident>'));
  await harness.registerModel(parseModelConfig(`${testModelYaml(RETRAIN_MODEL, { cooldown: '0s' })}
alerts:
  - { type: webhook, url: ${plain.url}, ${LOCAL_RECEIVER_POLICY} }
  - { type: pagerduty, url: ${pagerduty.url}, routingKeyEnv: DW_TEST_PD_KEY, ${LOCAL_RECEIVER_POLICY} }
  - { type: webhook, url: ${failing.url}, timeout: 1s, ${LOCAL_RECEIVER_POLICY} }
  - { type: webhook, url: ${hanging.url}, timeout: 1s, ${LOCAL_RECEIVER_POLICY} }
  - { type: webhook, url: ${echo.url}, secretEnv: DW_TEST_ECHO_HOOK_SECRET, ${LOCAL_RECEIVER_POLICY} }
  - { type: slack, urlEnv: DW_TEST_SLACK_URL, ${LOCAL_RECEIVER_POLICY} }
  - { type: pagerduty, url: ${echo.url}, routingKeyEnv: DW_TEST_ECHO_PD_KEY, ${LOCAL_RECEIVER_POLICY} }
`, '<alerts retrain>'));
  for (const model of [INCIDENT_MODEL, RETRAIN_MODEL]) {
    await harness.ingest(model, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 960, seed: 1 }));
  }
  const bootstraps = await Promise.all([harness.bootstrap(INCIDENT_MODEL), harness.bootstrap(RETRAIN_MODEL)]);
  expect(bootstraps.map((b) => b.outcome)).toEqual(['promoted', 'promoted']);
});

afterAll(async () => {
  await harness?.close();
  await Promise.all([signed, slack, pagerduty, plain, failing, hanging, echo].map((r) => r?.close()));
});

describe('alerts to on-call', () => {
  it('pages once per drift incident, resolves it on a clean check, signs webhooks and formats Slack', async () => {
    const model = INCIDENT_MODEL;
    const shifted = (start: string, rows: number, seed: number) => syntheticRows({ start, rows, seed, shift: 2.5 });
    // A retrain that finished a moment ago: the cooldown keeps this model's champion (and so its
    // incident) through every tick below.
    await harness.db.query(
      `INSERT INTO retrains (id, workflow_id, model_name, trigger, requested_by, status, started_at, finished_at)
       VALUES ($1, $2, $3, 'manual', 'test', 'rejected', now(), now())`,
      [COOLDOWN_FIXTURE, retrainWorkflowId(model), model],
    );
    await harness.ingest(model, shifted('2026-02-10T00:00:00Z', 720, 21));
    const first = await harness.checkDrift(model);
    expect(first.datasetDrift).toBe(true);
    expect(first.retrain).toMatchObject({ started: false, reason: expect.stringContaining('cooling down') });
    // Two more drifted ticks of the same incident.
    await harness.ingest(model, shifted('2026-03-12T00:00:00Z', 48, 22));
    expect((await harness.checkDrift(model)).datasetDrift).toBe(true);
    await harness.ingest(model, shifted('2026-03-14T00:00:00Z', 48, 23));
    expect((await harness.checkDrift(model)).datasetDrift).toBe(true);

    const dedupKey = `driftwatch/${model}/drift/${first.reportId}`;
    await until('the PagerDuty trigger', () => (pdEvents(model).length > 0 ? true : undefined));
    const status = await harness.client.workflow.getHandle(monitorWorkflowId(model)).query(monitorStatusQuery);
    expect((status as typeof status & { incident: { dedupKey: string; driftedChecks: number } }).incident)
      .toMatchObject({ dedupKey, driftedChecks: 3 });

    // A month of rows like the reference: the drift clears and the incident resolves.
    await harness.ingest(model, syntheticRows({ start: '2026-03-16T00:00:00Z', rows: 720, seed: 24 }));
    const clean = await harness.checkDrift(model);
    expect(clean.datasetDrift).toBe(false);
    await until('the PagerDuty resolve', () => (pdEvents(model).length >= 2 ? true : undefined));
    expect(pdEvents(model)).toEqual([['trigger', dedupKey], ['resolve', dedupKey]]);
    const trigger = pagerduty.received.find((r) => r.json.dedup_key === dedupKey)!.json;
    expect(trigger).toMatchObject({
      routing_key: PD_KEY,
      payload: { severity: 'warning', component: model, class: 'drift_detected' },
      // Without DRIFTWATCH_REPORT_URL the report link is the page `driftwatch serve` serves.
      links: [
        { text: 'Temporal workflow', href: expect.stringContaining(`/workflows/${monitorWorkflowId(model)}/`) },
        { text: expect.stringMatching(/^Drift report #\d+$/), href: expect.stringMatching(/^http:\/\/127\.0\.0\.1:8080\/reports\/\d+$/) },
      ],
    });
    expect(trigger.payload.custom_details.facts).toEqual(expect.arrayContaining([expect.stringMatching(/^x1: \w+ /)]));

    await until('Slack and webhook resolves', () =>
      (slackHeaders().length >= 3 && events(signed, model).includes('drift_resolved') ? true : undefined));
    expect(slackHeaders()).toEqual([`:trophy: New champion promoted: ${model}`, `:warning: Drift detected: ${model}`, `:white_check_mark: Drift resolved: ${model}`]);
    const slackDrift = slack.received[1]!.json;
    expect(slackDrift.text).toContain(`Drift detected: ${model}`);
    expect(slackDrift.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'section', 'section', 'context']);
    expect(slackDrift.blocks[3].text.text).toMatch(/• x1: \w+ /);
    expect(slackDrift.blocks[4].elements[0].text).toContain('|Temporal workflow>');

    // Every signed webhook verifies with the secret from the environment (README recipe).
    expect(events(signed, model)).toEqual(['model_promoted', 'drift_detected', 'drift_resolved']);
    for (const request of signed.received) {
      const timestamp = String(request.headers['x-driftwatch-timestamp']);
      const expected = `sha256=${createHmac('sha256', HOOK_SECRET).update(`${timestamp}.${request.body}`).digest('hex')}`;
      expect(request.headers['x-driftwatch-signature']).toBe(expected);
      expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(300);
    }
    const resolved = signed.received.find((r) => r.json.event === 'drift_resolved')!.json;
    expect(resolved).toMatchObject({ status: 'resolved', incident: { dedupKey, action: 'resolve' }, details: { reason: 'drift_cleared' } });

    // Drift again: a new incident pages again (new dedup key); the webhook's rate limit holds its drift_detected back.
    await harness.ingest(model, shifted('2026-04-15T00:00:00Z', 720, 25));
    const again = await harness.checkDrift(model);
    expect(again.datasetDrift).toBe(true);
    const secondKey = `driftwatch/${model}/drift/${again.reportId}`;
    await until('the second trigger', () => (pdEvents(model).length >= 3 ? true : undefined));
    expect(pdEvents(model)[2]).toEqual(['trigger', secondKey]);
    const held = await until('the suppressed webhook delivery', async () => (await harness.db.query<{ status: string }>(
      `SELECT status FROM alert_deliveries WHERE target = $1 AND incident_key = $2`, [signed.url, secondKey],
    )).rows[0]);
    expect(held.status).toBe('suppressed');
    expect(events(signed, model)).toEqual(['model_promoted', 'drift_detected', 'drift_resolved']);
    await until('the second Slack drift alert', () => (slackHeaders().length >= 4 ? true : undefined));
    expect(slackHeaders()[3]).toBe(`:warning: Drift detected: ${model}`);
  });

  it('resolves the incident when a retrain promotes a new champion, and a failing and a hanging receiver delay nothing they cannot', async () => {
    const model = RETRAIN_MODEL;
    await harness.ingest(model, syntheticRows({ start: '2026-02-10T00:00:00Z', rows: 720, seed: 31, shift: 2.5, weights: [-2, 1.5, 2] }));
    const started = Date.now();
    const drifted = await harness.checkDrift(model);
    // The drift check answers without waiting for the dead receivers.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(drifted.datasetDrift).toBe(true);
    expect(drifted.retrain.started).toBe(true);

    const retrain: RetrainResult = await harness.client.workflow.getHandle(retrainWorkflowId(model)).result();
    expect(retrain.outcome, retrain.reason).toBe('promoted');

    const dedupKey = `driftwatch/${model}/drift/${drifted.reportId}`;
    await until('the PagerDuty resolve after the promotion', () => (pdEvents(model).length >= 2 ? true : undefined), 150_000);
    expect(pdEvents(model)).toEqual([['trigger', dedupKey], ['resolve', dedupKey]]);
    await until('the webhook resolve', () => (events(plain, model).includes('drift_resolved') ? true : undefined));
    const resolved = plain.received.find((r) => r.json.event === 'drift_resolved')!.json;
    expect(resolved.details).toMatchObject({ reason: 'champion_changed', championVersion: 2 });
    expect(resolved.details.metrics.champion).toBeTruthy();
    expect(events(plain, model)).toEqual(['model_promoted', 'drift_detected', 'model_promoted', 'drift_resolved']);

    // The dead receivers: every alert tried 5 times, recorded as failing with what went wrong.
    const rows = await until('all attempts at the dead receivers', async () => {
      const result = await harness.db.query<{ target: string; event: string; status: string; attempts: number; last_error: string }>(
        `SELECT target, event, status, attempts, last_error FROM alert_deliveries WHERE target IN ($1, $2) ORDER BY target, event`,
        [failing.url, hanging.url],
      );
      // Per dead receiver: the bootstrap's and the retrain's model_promoted, the incident's trigger and resolve.
      return result.rows.length === 8 && result.rows.every((r) => r.attempts === 5) ? result.rows : undefined;
    }, 150_000);
    for (const row of rows) {
      expect(row.status).toBe('failing');
      expect(row.last_error).toBe(row.target === hanging.url ? 'no answer within 1000 ms' : 'HTTP 500, 13 bytes: receiver down');
    }
    const listed = await listDeliveries(harness.db, model);
    expect(listed.filter((d) => d.target === hanging.url).every((d) => d.status === 'failing' && d.sink === 'webhook')).toBe(true);
    expect(listed.find((d) => d.incidentKey === dedupKey && d.event === 'drift_resolved' && d.target.startsWith('pagerduty:DW_TEST_PD_KEY@'))?.status).toBe('delivered');
    expect(rows.map((r) => r.event).sort()).toEqual(
      ['drift_detected', 'drift_detected', 'drift_resolved', 'drift_resolved', 'model_promoted', 'model_promoted', 'model_promoted', 'model_promoted'],
    );
  });

  it('never puts a secret in workflow history, the delivery records, the activity error or the CLI, even from a receiver that echoes it', async () => {
    const secrets = [HOOK_SECRET, PD_KEY, ECHO_HOOK_SECRET, ECHO_PD_KEY, slackUrl, ...SLACK_SEGMENTS];
    const leaked = (text: string) => secrets.filter((secret) => text.includes(secret));
    // The echoing receiver was sent the Slack path and the routing key, and answered with them.
    await until('echoed deliveries', () => (echo.received.length >= 6 ? true : undefined));
    expect(echo.received.some((r) => r.path === `/services/${SLACK_SEGMENTS.join('/')}`)).toBe(true);
    expect(echo.received.some((r) => r.json.routing_key === ECHO_PD_KEY)).toBe(true);

    const handles = [harness.client.workflow.getHandle(monitorWorkflowId(INCIDENT_MODEL)), harness.client.workflow.getHandle(monitorWorkflowId(RETRAIN_MODEL))];
    for (const model of [INCIDENT_MODEL, RETRAIN_MODEL]) {
      for (const run of (await listRetrains(harness.db, model)).filter((r) => r.id !== COOLDOWN_FIXTURE)) handles.push(harness.client.workflow.getHandle(run.workflowId, run.id));
    }
    expect(handles.length).toBeGreaterThanOrEqual(5);
    const histories = await Promise.all(handles.map(async (handle) => JSON.stringify(await handle.fetchHistory())));
    for (const history of histories) expect(history).toContain('deliverAlert');
    // The echo routes' failures are in the retrain model's histories, masked.
    expect(histories.some((history) => history.includes('alert delivery failed') && history.includes('slack:$DW_TEST_SLACK_URL: HTTP 403'))).toBe(true);
    expect(leaked(histories.join('\n'))).toEqual([]);

    const records = (await harness.db.query<{ target: string; last_error: string | null }>('SELECT * FROM alert_deliveries')).rows;
    const echoTargets = [echo.url, 'slack:$DW_TEST_SLACK_URL', `pagerduty:DW_TEST_ECHO_PD_KEY@${new URL(echo.url).host}`];
    for (const target of echoTargets) {
      expect(records.find((r) => r.target === target)?.last_error, target).toMatch(/^HTTP (403|500), \d+ bytes: \{"path":/);
    }
    // What the receiver echoed is kept, but not the secrets in it.
    expect(records.find((r) => r.target === 'slack:$DW_TEST_SLACK_URL')?.last_error).toMatch(/^HTTP 403, \d+ bytes: \{"path":"\*\*\*"/);
    expect(records.find((r) => r.target === echoTargets[2])?.last_error).toContain('{\\"routing_key\\":\\"***\\"');
    expect(leaked(JSON.stringify(records))).toEqual([]);

    // The delivery activity itself, called as the worker calls it: its error masks what the receiver echoed.
    const activities = deliveryActivities();
    const request: AlertRequest = {
      alertKey: `direct-${randomUUID()}`, modelName: RETRAIN_MODEL, event: 'retrain_failed', severity: 'error', summary: 'direct delivery',
      details: {}, workflowId: 'direct', runId: 'direct',
    };
    const error = await new MockActivityEnvironment().run(activities.deliverAlert, request).then(() => null, (err: unknown) => err as Error);
    expect(error?.message).toMatch(/^alert delivery failed: /);
    expect(error?.message).toContain('***');
    expect(leaked(`${error?.message}\n${error?.stack}`)).toEqual([]);

    const cli = async (...args: string[]) => (await execFileAsync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['src/cli.ts', ...args], {
      cwd: ROOT, timeout: 120_000, env: harness.processEnv(),
    })).stdout;
    const shown = `${await cli('alerts', RETRAIN_MODEL, '--limit', '200')}\n${await cli('alerts', RETRAIN_MODEL, '--json', '--limit', '200')}`;
    expect(shown).toContain('slack:$DW_TEST_SLACK_URL');
    expect(leaked(shown)).toEqual([]);
  });

  it('refuses a destination that resolves to a loopback address the route does not list, once and clearly', async () => {
    const model = 'alerts-refused';
    // localhost resolves to 127.0.0.1 only when the alert is sent; the config cannot know it.
    const localhostUrl = plain.url.replace('127.0.0.1', 'localhost');
    await harness.registerModel(parseModelConfig(`${testModelYaml(model)}
alerts:
  - { type: webhook, url: ${localhostUrl}, allowInsecureHosts: [localhost] }
`, '<alerts refused>'));
    const before = plain.received.length;
    const activities = deliveryActivities();
    const request: AlertRequest = {
      alertKey: `refused-${randomUUID()}`, modelName: model, event: 'model_promoted', severity: 'info', summary: 'refused', details: {}, workflowId: 'w', runId: 'r',
    };
    const error = await new MockActivityEnvironment().run(activities.deliverAlert, request).then(() => null, (err: unknown) => err);
    const [delivery, ...others] = await listDeliveries(harness.db, model);
    expect(others).toEqual([]);
    expect(delivery).toMatchObject({ target: localhostUrl, status: 'failing', attempts: 1 });
    // Whichever loopback address the resolver gives first.
    expect(delivery!.lastError).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address; add '(127\.0\.0\.1|::1)' to alerts\[0\]\.allowPrivateHosts to allow it$/);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ nonRetryable: true, type: 'RefusedDestinationError', message: `alert delivery failed: ${localhostUrl}: ${delivery!.lastError}` });
    expect(plain.received.length).toBe(before);
  });
});
