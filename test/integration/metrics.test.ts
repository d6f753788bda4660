/**
 * Metrics and logs as Prometheus and a log pipeline see them: ingestion, a bootstrap retrain, a
 * drift check and its alerts run through the real workers, Temporal server and PostgreSQL, then
 * /metrics is scraped over HTTP. A worker process (src/worker.ts, as `npm run worker` starts it)
 * serves driftwatch's metrics and the Temporal SDK's on ports of their own, and logs JSON lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestRows } from '../../src/ingest/ingest';
import { listRetrains } from '../../src/store/retrains';
import type { RetrainResult } from '../../workflows/definitions';
import { startMetricsServer, type MetricsServer } from '../../src/observability/metrics-server';
import { startHarness, startWebhookReceiver, testModelConfig, until, type Harness, type WebhookReceiver } from './harness';
import { syntheticRows } from './synthetic';

const MODEL = 'metrics';
const ROOT = path.join(__dirname, '..', '..');

let harness: Harness;
let webhook: WebhookReceiver;
let server: MetricsServer;

beforeAll(async () => {
  harness = await startHarness('metrics');
  webhook = await startWebhookReceiver();
  await harness.registerModel(testModelConfig(MODEL, webhook.url));
  server = await startMetricsServer({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await server?.close();
  await harness?.close();
  await webhook?.close();
});

async function scrape(port: number): Promise<{ contentType: string | null; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  return { contentType: response.headers.get('content-type'), text: await response.text() };
}

/** The value of the one series with exactly these labels, in the order the exposition writes them. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}


describe('driftwatch /metrics', () => {
  it('counts ingested rows, the retrain, the drift check and alert deliveries, and exports the check\'s scores', async () => {
    const reference = syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 960, seed: 1 });
    const ingested = await ingestRows(harness.db, MODEL, [...reference, { event_time: 'not a time', x1: 1, x2: 2, x3: 3, segment: 'a', label: 1 }]);
    expect(ingested).toMatchObject({ accepted: 960, rejected: 1 });
    expect((await harness.bootstrap(MODEL)).outcome).toBe('promoted');

    await harness.ingest(MODEL, syntheticRows({ start: '2026-03-01T00:00:00Z', rows: 720, seed: 3, shift: 2.5 }));
    const drifted = await harness.checkDrift(MODEL);
    expect(drifted.verdict).toBe('drift');
    expect(drifted.retrain.started).toBe(true);
    const retrain: RetrainResult = await harness.client.workflow.getHandle(drifted.retrain.workflowId!).result();
    const driftRetrain = (await listRetrains(harness.db, MODEL)).find((r) => r.trigger === 'drift')!;
    const x1 = drifted.features.find((f) => f.feature === 'x1')!;
    expect(x1.drifted).toBe(true);

    // The drift alert is sent by the monitor after the check has answered.
    const deliveredSeries = `driftwatch_alert_deliveries_total{model="${MODEL}",event="drift_detected",status="delivered"}`;
    await until('the drift alert', async () => sample((await scrape(server.port)).text, deliveredSeries), 60_000);

    const { contentType, text } = await scrape(server.port);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const value = (series: string) => sample(text, series);
    expect(value(`driftwatch_ingest_rows_total{model="${MODEL}",result="accepted"}`)).toBe(960 + 720);
    expect(value(`driftwatch_ingest_rows_total{model="${MODEL}",result="rejected"}`)).toBe(1);
    expect(value(`driftwatch_retrains_total{model="${MODEL}",trigger="bootstrap",outcome="promoted"}`)).toBe(1);
    expect(value(`driftwatch_retrains_total{model="${MODEL}",trigger="drift",outcome="${driftRetrain.status}"}`)).toBe(1);
    // The training worker is built by createWorkers, whose interceptor times the stages it runs.
    expect(value(`driftwatch_retrain_stage_seconds_count{model="${MODEL}",stage="tuning_trial"}`)).toBe(2 + retrain.trials.length);
    expect(value(`driftwatch_retrain_stage_seconds_count{model="${MODEL}",stage="training"}`)).toBe(2);
    // The bootstrap's promotion, and the drift retrain's outcome (announced before its result).
    expect(value(`driftwatch_alert_deliveries_total{model="${MODEL}",event="model_promoted",status="delivered"}`))
      .toBe(driftRetrain.status === 'promoted' ? 2 : 1);
    expect(value(`driftwatch_drift_checks_total{model="${MODEL}",outcome="checked",verdict="drift"}`)).toBe(1);
    expect(value(`driftwatch_dataset_drift{model="${MODEL}"}`)).toBe(1);
    expect(value(`driftwatch_drift_not_measured{model="${MODEL}"}`)).toBe(0);
    expect(value(`driftwatch_feature_drifted{model="${MODEL}",feature="x1"}`)).toBe(1);
    expect(value(`driftwatch_drift_score{model="${MODEL}",feature="x1",test="${x1.test}"}`)).toBe(x1.score);
    for (const { feature, test } of drifted.features) {
      expect(text).toContain(`driftwatch_drift_score{model="${MODEL}",feature="${feature}",test="${test}"}`);
    }
  });
});

describe('the metrics server', () => {
  it('answers only GET /metrics, and names the setting when its port is taken', async () => {
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'POST' })).status).toBe(404);
    await expect(startMetricsServer({ host: '127.0.0.1', port: server.port })).rejects.toThrow(/DRIFTWATCH_METRICS_PORT: port \d+ on 127\.0\.0\.1 is in use/);
  });
});

describe('the worker process', () => {
  let worker: ChildProcess | undefined;

  afterAll(() => {
    worker?.kill('SIGKILL');
  });

  it('serves driftwatch\'s and the Temporal SDK\'s metrics on their ports and logs JSON lines', async () => {
    const [metricsPort, temporalMetricsPort] = [await freePort(), await freePort()];
    let stdout = '';
    worker = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
      cwd: ROOT,
      env: {
        ...harness.processEnv(),
        // A queue of its own: this worker must not take the other test's tasks.
        DRIFTWATCH_TASK_QUEUE: `${harness.taskQueue}-process`,
        DRIFTWATCH_WORKER_ROLES: 'training',
        DRIFTWATCH_METRICS_HOST: '127.0.0.1',
        DRIFTWATCH_METRICS_PORT: String(metricsPort),
        DRIFTWATCH_TEMPORAL_METRICS_PORT: String(temporalMetricsPort),
        DRIFTWATCH_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    worker.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => worker!.once('exit', resolve));

    await until('the worker to start', async () => (stdout.includes('"worker running"') ? true : undefined), 90_000);
    const own = await scrape(metricsPort);
    expect(own.text).toContain('# HELP driftwatch_drift_checks_total ');
    expect(own.text).toContain('process_resident_memory_bytes');
    const temporal = await until('the SDK\'s metrics', async () => {
      const { text } = await scrape(temporalMetricsPort);
      return /^temporal_\w+/m.test(text) ? text : undefined;
    }, 30_000);
    expect(temporal).toContain(`task_queue="${harness.taskQueue}-process-training"`);

    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = stdout.split('\n').filter(Boolean);
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.find((entry) => entry.msg === 'worker running')).toMatchObject({
      level: 'info', roles: ['training'], metricsPort, temporalMetricsPort,
      training: expect.stringMatching(/^(wasm|cpu|tensorflow|tensorflow-gpu) \(@tensorflow\/[\w-]+/),
    });
    // The SDK's own lifecycle logs come through the same logger.
    expect(entries.some((entry) => entry.sdkComponent === 'worker')).toBe(true);
    for (const entry of entries) expect(entry).toEqual(expect.objectContaining({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) }));
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
