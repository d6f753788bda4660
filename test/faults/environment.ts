/**
 * A fault test file's world: a PostgreSQL cluster and a Temporal dev server of its own (the tests
 * crash and restart them), real driftwatch workers connected to both (the orchestration worker built
 * as the integration harness builds it, the training worker by src/worker.ts), a webhook receiver
 * for the alerts, and fault points: actions that run inside the worker at a chosen moment, where a
 * test takes a server away.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Client, Connection, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createOrchestrationActivities } from '../../activities/orchestration';
import { parseModelConfig } from '../../src/config';
import { ingestRows } from '../../src/ingest/ingest';
import { createLocalArtifactStore } from '../../src/store/artifacts';
import { createPool, ensureDatabase, migrate, type Db } from '../../src/store/db';
import { listModelNames, saveModelConfig } from '../../src/store/models';
import { createWorkers } from '../../src/worker';
import type { monitorTickWorkflow, retrainWorkflow } from '../../workflows';
import { monitorWorkflowId, retrainWorkflowId, type DriftCheckResult, type RetrainTrigger } from '../../workflows/definitions';
import { NO_METRICS_ENDPOINTS, startWebhookReceiver, type WebhookReceiver } from '../integration/harness';
import { onProcessExit, ownedTempDir } from './cleanup';
import { startFaultCluster, type FaultCluster } from './cluster';
import { startFaultTemporalServer, type FaultTemporalServer } from './temporal-server';

/** `npm run test:faults` sets it: every scenario, with the outage lengths. */
export const FULL_RUN = process.env.DRIFTWATCH_FAULTS === 'full';

/**
 * How long PostgreSQL stays down: the 60 s in the full run. The default run's 20 s crosses
 * the same path (attempts of the activity caught in the outage fail, the retries wait it out, the
 * first attempt after it succeeds), and no outcome asserted depends on the length while it is within
 * the retry policy's 211 s (src/policy/retries.ts).
 */
export const POSTGRES_OUTAGE_MS = FULL_RUN ? 60_000 : 20_000;

/**
 * How long a killed Temporal server stays down before it is started again on its database file, by
 * default: less than the worker spends retrying a call (sdk-core retries for about 10 s), so an
 * activity that completes meanwhile still delivers its completion.
 */
export const TEMPORAL_DOWNTIME_MS = 3_000;

/** One trial of fixed parameters: a bootstrap retrain takes seconds. */
export const QUICK_TUNING = `
  trials: 1
  parallelism: 1
  space:
    learningRate: { type: categorical, choices: [0.05] }
    hiddenUnits: { type: categorical, choices: [16] }`;

/**
 * Small batches and a wide layer for SLOW_EPOCHS epochs, without early stopping (`retrain` keys:
 * NO_EARLY_STOPPING): a trial or the challenger trains for 10 s or more, time to act while it does.
 */
const SLOW_EPOCHS = 60;
export const slowTuning = (trials: number): string => `
  trials: ${trials}
  parallelism: ${trials}
  space:
    epochs: { type: categorical, choices: [${SLOW_EPOCHS}] }
    batchSize: { type: categorical, choices: [8] }
    learningRate: { type: categorical, choices: [0.01] }
    hiddenUnits: { type: categorical, choices: [64] }`;
export const NO_EARLY_STOPPING = `\n  minEpochs: ${SLOW_EPOCHS}`;

type OrchestrationActivities = ReturnType<typeof createOrchestrationActivities>;
export type OrchestrationActivityName = keyof OrchestrationActivities;

/** A server taken away: `over` resolves once it serves again. */
export interface Outage { over: Promise<void> }

/**
 * Actions run inside the worker, once, at a chosen moment; the activity waits for the action, then
 * goes on. Each returns a promise that resolves once its action has run (and rejects if it failed).
 */
export interface FaultPoints {
  /** As the next attempt of the orchestration activity starts, before its code runs. */
  atActivityStart(activity: OrchestrationActivityName, action: () => Promise<void>): Promise<void>;
  /** Right after a statement (text matching `sql`) of any worker activity returned, before the activity goes on. */
  afterStatement(sql: RegExp, action: () => Promise<void>): Promise<void>;
}

export interface FaultEnvironment {
  cluster: FaultCluster;
  temporal: FaultTemporalServer;
  /** The tests' own pool (the workers have theirs), for arranging and asserting. */
  db: Db;
  client: Client;
  artifactDir: string;
  webhook: WebhookReceiver;
  faults: FaultPoints;
  /** The environment for a driftwatch process (CLI, worker) of this world. */
  processEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Stops PostgreSQL (`fast`: sessions ended; `immediate`: a crash), and starts it again `downMs` later. */
  postgresOutage(downMs: number, mode?: 'fast' | 'immediate'): Promise<Outage>;
  /** SIGKILLs the Temporal server, and starts it again on the same database file `downMs` later. */
  temporalCrash(downMs?: number): Promise<Outage>;
  registerModel(yaml: string): Promise<void>;
  ingest(modelName: string, rows: Record<string, unknown>[]): Promise<void>;
  startRetrain(modelName: string, trigger?: RetrainTrigger): Promise<WorkflowHandleWithFirstExecutionRunId<typeof retrainWorkflow>>;
  /** A drift check as the schedule delivers it: a tick workflow hands it to the model's monitor. */
  checkDrift(modelName: string): Promise<DriftCheckResult>;
  /** The same, started: for a test that takes the server away before it awaits the answer. */
  startCheck(modelName: string): Promise<WorkflowHandleWithFirstExecutionRunId<typeof monitorTickWorkflow>>;
  close(): Promise<void>;
}

/**
 * `workers: false`: no worker in this process (the test runs `driftwatch worker` processes itself);
 * the fault points then never fire.
 */
export async function startFaultEnvironment(name: string, { workers: inProcessWorkers = true } = {}): Promise<FaultEnvironment> {
  // Warnings are what the faults are expected to cause (calls refused and retried, activity attempts failing), hundreds a run.
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
  const cluster = await startFaultCluster();
  const temporal = await startFaultTemporalServer();
  const databaseUrl = cluster.url('driftwatch');
  await ensureDatabase(databaseUrl);
  const db = createPool(databaseUrl);
  await migrate(db);

  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  const taskQueue = `faults-${name}`;
  const temporalUiUrl = 'http://localhost:8233';
  const artifactDir = ownedTempDir('artifacts', () => undefined);
  const removeArtifacts = onProcessExit(() => rmSync(artifactDir, { recursive: true, force: true }));
  const artifacts = createLocalArtifactStore(artifactDir);
  const points = createFaultPoints();
  const workerDb = withStatementHook(createPool(databaseUrl), points.statementReturned);
  const workers = !inProcessWorkers ? [] : [
    // Built by hand (not by createWorkers) so the fault points can wrap the real activities.
    await Worker.create({
      connection: nativeConnection, namespace: temporal.namespace, taskQueue, workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: points.wrap(createOrchestrationActivities({ db: workerDb, artifacts, client, temporalUiUrl })),
    }),
    ...(await createWorkers(
      { db: workerDb, artifacts, client, nativeConnection, taskQueue, namespace: temporal.namespace, temporalUiUrl }, ['training'],
    )),
  ];
  const running = workers.map((w) => w.run());
  const webhook = await startWebhookReceiver();

  const outage = async (stop: () => Promise<void>, start: () => Promise<void>, downMs: number): Promise<Outage> => {
    await stop();
    const over = new Promise((resolve) => setTimeout(resolve, downMs)).then(start);
    // Awaited by the test; a test that fails before it does must not add an unhandled rejection.
    over.catch(() => undefined);
    return { over };
  };

  const startCheck = (modelName: string) => client.workflow.start<typeof monitorTickWorkflow>('monitorTickWorkflow', {
    workflowId: `tick-${modelName}-${randomUUID()}`, taskQueue, args: [{ modelName }],
  });

  return {
    cluster, temporal, db, client, artifactDir, webhook, faults: points,
    processEnv: (extra = {}) => ({
      ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace,
      DRIFTWATCH_TASK_QUEUE: taskQueue, DRIFTWATCH_ARTIFACT_DIR: artifactDir, ...NO_METRICS_ENDPOINTS, ...extra,
    }),
    postgresOutage: (downMs, mode = 'fast') => outage(() => cluster.stop(mode), () => cluster.start(), downMs),
    temporalCrash: (downMs = TEMPORAL_DOWNTIME_MS) => outage(() => temporal.kill(), () => temporal.start(), downMs),
    async registerModel(yaml) {
      await saveModelConfig(db, parseModelConfig(yaml, `<faults ${name}>`));
    },
    async ingest(modelName, rows) {
      const result = await ingestRows(db, modelName, rows, { source: 'faults' });
      if (result.rejections.length > 0) throw new Error(`test rows rejected: ${JSON.stringify(result.rejections.slice(0, 3))}`);
    },
    startRetrain(modelName, trigger = 'bootstrap') {
      return client.workflow.start<typeof retrainWorkflow>('retrainWorkflow', {
        workflowId: retrainWorkflowId(modelName), taskQueue, args: [{ modelName, trigger, requestedBy: 'faults' }],
      });
    },
    startCheck,
    async checkDrift(modelName) {
      return (await startCheck(modelName)).result();
    },
    async close() {
      for (const model of await listModelNames(db).catch(() => [])) {
        for (const workflowId of [monitorWorkflowId(model), retrainWorkflowId(model)]) {
          await client.workflow.getHandle(workflowId).terminate('fault test over').catch(() => undefined);
        }
      }
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.allSettled(running);
      await nativeConnection.close();
      await connection.close();
      await Promise.allSettled([db.end(), workerDb.end()]);
      await webhook.close();
      removeArtifacts();
      await temporal.destroy();
      await cluster.destroy();
    },
  };
}

/** `moment`: the activity's name, or the statement's text. */
interface ArmedPoint { matches: (moment: string) => boolean; action: () => Promise<void>; settle: (error?: unknown) => void }

function createFaultPoints(): FaultPoints & {
  wrap(activities: OrchestrationActivities): OrchestrationActivities;
  statementReturned(sql: string): Promise<void>;
} {
  const atStart: ArmedPoint[] = [];
  const afterStatements: ArmedPoint[] = [];
  const arm = (list: ArmedPoint[], matches: (moment: string) => boolean, action: () => Promise<void>) =>
    new Promise<void>((resolve, reject) => {
      list.push({ matches, action, settle: (error) => (error === undefined ? resolve() : reject(error)) });
    });
  const fire = async (list: ArmedPoint[], moment: string) => {
    const index = list.findIndex((point) => point.matches(moment));
    if (index < 0) return;
    const [point] = list.splice(index, 1);
    try {
      await point!.action();
      point!.settle();
    } catch (err) {
      // The test hears of it; the activity goes on as if nothing had been tried.
      point!.settle(err);
    }
  };
  return {
    atActivityStart: (activity, action) => arm(atStart, (name) => name === activity, action),
    afterStatement: (sql, action) => arm(afterStatements, (text) => sql.test(text), action),
    wrap(activities) {
      return Object.fromEntries(Object.entries(activities).map(([name, activity]) => [
        name,
        async (...args: unknown[]) => {
          await fire(atStart, name);
          return (activity as (...a: unknown[]) => Promise<unknown>)(...args);
        },
      ])) as OrchestrationActivities;
    },
    statementReturned: (sql) => fire(afterStatements, sql),
  };
}

/**
 * The pool the workers use, calling `returned` after each statement that succeeded (through the pool
 * or a client checked out of it, as transactions do) before handing its result back.
 */
function withStatementHook(pool: Db, returned: (sql: string) => Promise<void>): Db {
  const hooked = <F extends (...args: never[]) => unknown>(query: F) => (...args: Parameters<F>) => {
    const result = query(...args);
    // A COPY stream, not a statement's promise.
    if (!(result instanceof Promise)) return result;
    const [statement] = args as unknown[];
    const sql = typeof statement === 'string' ? statement : String((statement as { text?: string }).text ?? '');
    return result.then(async (value) => {
      await returned(sql);
      return value;
    });
  };
  const bound = <T extends object>(target: T, property: string | symbol) => {
    const value = Reflect.get(target, property, target);
    return typeof value === 'function' ? value.bind(target) : value;
  };
  return new Proxy(pool, {
    get(target, property) {
      if (property === 'query') return hooked(target.query.bind(target));
      if (property === 'connect') {
        return async () => new Proxy(await target.connect(), {
          get: (client, clientProperty) => (clientProperty === 'query' ? hooked(client.query.bind(client)) : bound(client, clientProperty)),
        });
      }
      return bound(target, property);
    },
  });
}
