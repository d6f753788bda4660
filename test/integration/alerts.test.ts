/**
 * Alerts to on-call against real local HTTP receivers (a signed webhook, Slack, PagerDuty, one
 * that fails and one that hangs), through real Temporal workflows and PostgreSQL.
 */
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../src/config';
import { listDeliveries } from '../../src/store/alert-deliveries';
import { listRetrains } from '../../src/store/retrains';
import { monitorStatusQuery, monitorWorkflowId, retrainWorkflowId, type RetrainResult } from '../../workflows/definitions';
import { startHarness, testModelYaml, type Harness } from './harness';
import { syntheticRows } from './synthetic';

const INCIDENT_MODEL = 'alerts-incident';
const RETRAIN_MODEL = 'alerts-retrain';
// Canaries: unique values that must never reach workflow history (the workers run in this process).
const HOOK_SECRET = `canary-hook-${randomUUID()}`;
const PD_KEY = `canary-pd-${randomUUID()}`;
const COOLDOWN_FIXTURE = 'cooldown-fixture';
process.env.DW_TEST_HOOK_SECRET = HOOK_SECRET;
process.env.DW_TEST_PD_KEY = PD_KEY;

// The bodies are three different JSON formats; the assertions say what they expect of each.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
interface Received { path: string; headers: http.IncomingHttpHeaders; body: string; json: Record<string, any> }
interface Receiver { url: string; received: Received[]; close(): Promise<void> }

/** A real HTTP receiver: 'ok' answers 202, 'fail' answers 500, 'hang' reads the request and never answers. */
async function startReceiver(mode: 'ok' | 'fail' | 'hang'): Promise<Receiver> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body, json: JSON.parse(body) });
      if (mode === 'ok') res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success"}');
      else if (mode === 'fail') res.writeHead(500).end('receiver down');
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

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Slack bodies are Slack's format (only the incident model routes to Slack): their headers say what happened. */
const slackHeaders = (): string[] => slack.received.map((r) => r.json.blocks[0].text.text);
const events = (receiver: Receiver, model: string) => receiver.received.filter((r) => r.json.model === model).map((r) => r.json.event);
const pdEvents = (model: string) => pagerduty.received
  .filter((r) => r.json.dedup_key?.startsWith(`driftwatch/${model}/`))
  .map((r) => [r.json.event_action, r.json.dedup_key] as [string, string]);

beforeAll(async () => {
  harness = await startHarness('alerts');
  [signed, slack, pagerduty, plain, failing, hanging] = await Promise.all([
    startReceiver('ok'), startReceiver('ok'), startReceiver('ok'), startReceiver('ok'), startReceiver('fail'), startReceiver('hang'),
  ]);
  await harness.registerModel(parseModelConfig(`${testModelYaml(INCIDENT_MODEL, { cooldown: '1h' })}
alerts:
  - type: webhook
    url: ${signed.url}
    secretEnv: DW_TEST_HOOK_SECRET
    rateLimit: 1h
  - type: slack
    url: ${slack.url}
  - type: pagerduty
    url: ${pagerduty.url}
    routingKeyEnv: DW_TEST_PD_KEY
`, '<alerts incident>'));
  await harness.registerModel(parseModelConfig(`${testModelYaml(RETRAIN_MODEL, { cooldown: '0s' })}
alerts:
  - { type: webhook, url: ${plain.url} }
  - { type: pagerduty, url: ${pagerduty.url}, routingKeyEnv: DW_TEST_PD_KEY }
  - { type: webhook, url: ${failing.url}, timeout: 1s }
  - { type: webhook, url: ${hanging.url}, timeout: 1s }
`, '<alerts retrain>'));
  for (const model of [INCIDENT_MODEL, RETRAIN_MODEL]) {
    await harness.ingest(model, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 960, seed: 1 }));
  }
  const bootstraps = await Promise.all([harness.bootstrap(INCIDENT_MODEL), harness.bootstrap(RETRAIN_MODEL)]);
  expect(bootstraps.map((b) => b.outcome)).toEqual(['promoted', 'promoted']);
});

afterAll(async () => {
  await harness?.close();
  await Promise.all([signed, slack, pagerduty, plain, failing, hanging].map((r) => r?.close()));
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
      links: [{ text: 'Temporal workflow', href: expect.stringContaining(`/workflows/${monitorWorkflowId(model)}/`) }],
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
      expect(row.last_error).toBe(row.target === hanging.url ? 'no answer within 1000 ms' : 'HTTP 500: receiver down');
    }
    const listed = await listDeliveries(harness.db, model);
    expect(listed.filter((d) => d.target === hanging.url).every((d) => d.status === 'failing' && d.sink === 'webhook')).toBe(true);
    expect(listed.find((d) => d.incidentKey === dedupKey && d.event === 'drift_resolved' && d.sink === 'pagerduty')?.status).toBe('delivered');
    expect(rows.map((r) => r.event).sort()).toEqual(
      ['drift_detected', 'drift_detected', 'drift_resolved', 'drift_resolved', 'model_promoted', 'model_promoted', 'model_promoted', 'model_promoted'],
    );
  });

  it('never puts a secret in workflow history or in the delivery records', async () => {
    const handles = [harness.client.workflow.getHandle(monitorWorkflowId(INCIDENT_MODEL)), harness.client.workflow.getHandle(monitorWorkflowId(RETRAIN_MODEL))];
    for (const model of [INCIDENT_MODEL, RETRAIN_MODEL]) {
      for (const run of (await listRetrains(harness.db, model)).filter((r) => r.id !== COOLDOWN_FIXTURE)) handles.push(harness.client.workflow.getHandle(run.workflowId, run.id));
    }
    expect(handles.length).toBeGreaterThanOrEqual(5);
    for (const handle of handles) {
      const history = JSON.stringify(await handle.fetchHistory());
      expect(history).toContain('deliverAlert');
      expect(history).not.toContain(HOOK_SECRET);
      expect(history).not.toContain(PD_KEY);
    }
    const records = JSON.stringify((await harness.db.query('SELECT * FROM alert_deliveries')).rows);
    expect(records).not.toContain(HOOK_SECRET);
    expect(records).not.toContain(PD_KEY);
  });
});
