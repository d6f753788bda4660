/**
 * What every integration test file needs: its own PostgreSQL database (migrated by the real
 * migrator), a client of the shared Temporal dev server, and real workers on a task queue of its own.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createOrchestrationActivities } from '../../activities/orchestration';
import { parseModelConfig, type ModelConfig } from '../../src/config';
import { ingestRows } from '../../src/ingest/ingest';
import { createLocalArtifactStore, type ArtifactStore } from '../../src/store/artifacts';
import { migrate, type Db } from '../../src/store/db';
import { listModelNames, saveModelConfig } from '../../src/store/models';
import type { modelMonitorWorkflow, retrainWorkflow } from '../../workflows';
import {
  checkDriftUpdate,
  monitorWorkflowId,
  retrainWorkflowId,
  type DriftCheckRequest,
  type DriftCheckResult,
  type RetrainResult,
} from '../../workflows/definitions';
import { createWorkers } from '../../src/worker';
import { createTestDatabase } from './test-database';

export interface Harness {
  db: Db;
  artifacts: ArtifactStore;
  /** The artifact store's directory, for worker processes a test starts itself. */
  artifactDir: string;
  /** The environment for a driftwatch process (CLI, worker) that should use this harness's database, server, queue and artifacts. */
  processEnv(): NodeJS.ProcessEnv;
  client: Client;
  taskQueue: string;
  registerModel(config: ModelConfig): Promise<void>;
  ingest(modelName: string, rows: Record<string, unknown>[]): Promise<void>;
  /** A drift check through the monitor, exactly as a schedule tick delivers it (update-with-start). */
  checkDrift(modelName: string, request?: DriftCheckRequest): Promise<DriftCheckResult>;
  /** Trains and promotes v1 of a model and returns the retrain's result. */
  bootstrap(modelName: string): Promise<RetrainResult>;
  /** Shuts the workers down and starts new ones on the same queues: running workflows continue from their history. */
  restartWorkers(): Promise<void>;
  close(): Promise<void>;
}

type ActivityOverrides = (
  real: ReturnType<typeof createOrchestrationActivities>,
) => Partial<ReturnType<typeof createOrchestrationActivities>>;

/** Polls `probe` until it returns a value, failing after `timeoutMs` with what was awaited. */
export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** For worker processes a test starts: they would otherwise all claim the default metrics ports. */
export const NO_METRICS_ENDPOINTS = { DRIFTWATCH_METRICS_PORT: '0', DRIFTWATCH_TEMPORAL_METRICS_PORT: '0' } as const;

let runtimeInstalled = false;

export async function startHarness(
  name: string,
  options: { overrideActivities?: ActivityOverrides; trainingWorker?: boolean } = {},
): Promise<Harness> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const suffix = randomUUID().slice(0, 8);
  const database = await createTestDatabase(name);
  const { db } = database;
  await migrate(db);

  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const nativeConnection = await NativeConnection.connect({ address });
  const taskQueue = `test-${name}-${suffix}`;
  const temporalUiUrl = 'http://localhost:8233';
  const artifactDir = await mkdtemp(path.join(os.tmpdir(), `driftwatch-artifacts-${name}-`));
  const artifacts = createLocalArtifactStore(artifactDir);
  const realActivities = createOrchestrationActivities({ db, artifacts, client, temporalUiUrl });
  const startWorkers = async () => {
    const workers: Worker[] = [
      // Built by hand (not by createWorkers) so a test can replace one activity with a faulty twin.
      await Worker.create({
        connection: nativeConnection, namespace, taskQueue, workflowBundle: { codePath: inject('workflowBundlePath') },
        activities: { ...realActivities, ...options.overrideActivities?.(realActivities) },
      }),
      // A test can run training in worker processes of its own instead (to kill one).
      ...(options.trainingWorker === false
        ? []
        : await createWorkers({ db, artifacts, client, nativeConnection, taskQueue, namespace, temporalUiUrl }, ['training'])),
    ];
    return { workers, running: workers.map((w) => w.run()) };
  };
  const stopWorkers = async ({ workers, running }: Awaited<ReturnType<typeof startWorkers>>) => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await Promise.allSettled(running);
  };
  let current = await startWorkers();

  return {
    db,
    artifacts,
    artifactDir,
    processEnv: () => ({
      ...process.env,
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      DRIFTWATCH_TASK_QUEUE: taskQueue,
      DRIFTWATCH_ARTIFACT_DIR: artifactDir,
      ...NO_METRICS_ENDPOINTS,
    }),
    client,
    taskQueue,
    async registerModel(config) {
      await saveModelConfig(db, config);
    },
    async ingest(modelName, rows) {
      const result = await ingestRows(db, modelName, rows, { source: 'test' });
      if (result.rejections.length > 0) throw new Error(`test rows rejected: ${JSON.stringify(result.rejections.slice(0, 3))}`);
    },
    checkDrift(modelName, request = { source: 'test' }) {
      return client.workflow.executeUpdateWithStart(checkDriftUpdate, {
        args: [request],
        startWorkflowOperation: new WithStartWorkflowOperation<typeof modelMonitorWorkflow>('modelMonitorWorkflow', {
          workflowId: monitorWorkflowId(modelName), taskQueue, args: [{ modelName }], workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      });
    },
    bootstrap(modelName) {
      return client.workflow.execute<typeof retrainWorkflow>('retrainWorkflow', {
        workflowId: retrainWorkflowId(modelName), taskQueue, args: [{ modelName, trigger: 'bootstrap', requestedBy: 'test' }],
      });
    },
    async restartWorkers() {
      await stopWorkers(current);
      current = await startWorkers();
    },
    async close() {
      for (const model of await listModelNames(db)) {
        await client.workflow.getHandle(monitorWorkflowId(model)).terminate('test over').catch(() => undefined);
      }
      await stopWorkers(current);
      await nativeConnection.close();
      await connection.close();
      await database.drop();
      await rm(artifactDir, { recursive: true, force: true });
    },
  };
}

/**
 * A model config in the same YAML users write, optionally with webhook routes. The linear fallback is
 * off unless asked for: with the few trials and epochs a test affords, the tuned challenger usually
 * scores a little below the logistic regression on these logistic streams, and the tests of other
 * mechanisms (resume, approval, guardrail, ...) need the tuned challenger to be the one decided on.
 */
export function testModelYaml(
  model: string,
  options: {
    cooldown?: string; webhooks?: string[]; tuning?: string; task?: 'binary_classification' | 'multiclass_classification'; linearFallback?: boolean;
    /** More keys of the `retrain` block, as YAML lines indented by two spaces. */
    retrain?: string;
  } = {},
): string {
  const webhooks = options.webhooks ?? [];
  const tuning = options.tuning ?? `
  trials: 2
  parallelism: 2
  space:
    learningRate: { type: float, min: 0.01, max: 0.05, log: true }
    hiddenUnits: { type: int, min: 8, max: 16 }`;
  return `
model: ${model}
task: ${options.task ?? 'binary_classification'}
label: label
features:
  - { name: x1, kind: numeric }
  - { name: x2, kind: numeric }
  - { name: x3, kind: numeric }
  - { name: segment, kind: categorical }
monitoring:
  window: 30d
  minRows: 30
  schedule: { every: 1h }
drift:
  rule: { driftedShare: 0.3, anyPsiAtLeast: 0.25 }
retrain:
  cooldown: ${options.cooldown ?? '1h'}
  trainingWindow: 30d
  holdoutFraction: 0.25
  minTrainingRows: 100${options.retrain ?? ''}
qualityGate:
  linearFallback: ${options.linearFallback ?? false}
tuning:${tuning}
${webhooks.length > 0 ? 'alerts:\n' : ''}${webhooks.map((url) => `  - { type: webhook, url: ${url}, ${LOCAL_RECEIVER_POLICY} }\n`).join('')}`;
}

/**
 * Route keys (YAML flow style) that let an alert route reach a receiver of these tests: plain
 * http to 127.0.0.1, which the outbound policy refuses unless a route lists it.
 */
export const LOCAL_RECEIVER_POLICY = 'allowInsecureHosts: [127.0.0.1], allowPrivateHosts: [127.0.0.1]';

export function testModelConfig(
  model: string,
  webhookUrl: string,
  options: { cooldown?: string; extraWebhooks?: string[] } = {},
): ModelConfig {
  return parseModelConfig(
    testModelYaml(model, { cooldown: options.cooldown, webhooks: [webhookUrl, ...(options.extraWebhooks ?? [])] }),
    `<test ${model}>`,
  );
}

export interface WebhookReceiver { url: string; received: Array<{ event: string; model: string; summary: string }>; close(): Promise<void> }

/** A real local HTTP receiver for alerts; `failFirst` makes it answer 500 that many times first. */
export async function startWebhookReceiver(options: { failFirst?: number } = {}): Promise<WebhookReceiver> {
  const received: WebhookReceiver['received'] = [];
  let failuresLeft = options.failFirst ?? 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        res.writeHead(500).end();
        return;
      }
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
