/**
 * The composition root: wires PostgreSQL, the Temporal client and the activities into workers.
 * `npm run worker` runs both roles; DRIFTWATCH_WORKER_ROLES=training runs a training-only worker
 * (for a GPU machine), =orchestration the rest.
 */
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createOrchestrationActivities } from '../activities/orchestration';
import { createTrainingActivities } from '../activities/training';
import { trainingTaskQueue } from '../workflows/definitions';
import { observeActivities } from './observability/activity-interceptor';
import { createLogger, type Logger } from './observability/logger';
import { startMetricsServer } from './observability/metrics-server';
import { loadObservabilitySettings, type ObservabilitySettings } from './observability/settings';
import { installTemporalRuntime } from './observability/temporal-runtime';
import { loadSettings, type Settings } from './settings';
import { type ArtifactStore, createLocalArtifactStore } from './store/artifacts';
import { type Db, createPool, ensureDatabase, migrate } from './store/db';
import { registerSearchAttributes } from './search-attributes';
import { connectTemporal } from './temporal';
import { type BackendInfo, describeBackend, initTensorflow } from './training';

export type WorkerRole = 'orchestration' | 'training';

export interface WorkerDeps {
  db: Db;
  artifacts: ArtifactStore;
  client: Client;
  nativeConnection: NativeConnection;
  taskQueue: string;
  namespace: string;
  temporalUiUrl: string;
  /** A prebuilt workflow bundle (tests build it once); by default the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  trainingConcurrency?: number;
}

export async function createWorkers(deps: WorkerDeps, roles: readonly WorkerRole[]): Promise<Worker[]> {
  const workers: Worker[] = [];
  const interceptors = { activity: [observeActivities()] };
  if (roles.includes('orchestration')) {
    workers.push(
      await Worker.create({
        connection: deps.nativeConnection,
        namespace: deps.namespace,
        taskQueue: deps.taskQueue,
        ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
        activities: createOrchestrationActivities({
          db: deps.db, artifacts: deps.artifacts, client: deps.client, temporalUiUrl: deps.temporalUiUrl,
        }),
        interceptors,
      }),
    );
  }
  if (roles.includes('training')) {
    workers.push(
      await Worker.create({
        connection: deps.nativeConnection,
        namespace: deps.namespace,
        taskQueue: trainingTaskQueue(deps.taskQueue),
        activities: createTrainingActivities({ db: deps.db, artifacts: deps.artifacts }),
        interceptors,
        // Trials share this process's event loop (and its one TensorFlow backend); scale trial
        // parallelism out by running more training workers.
        maxConcurrentActivityTaskExecutions: deps.trainingConcurrency ?? 2,
      }),
    );
  }
  return workers;
}

export function parseRoles(text: string | undefined): WorkerRole[] {
  if (!text) return ['orchestration', 'training'];
  const roles = text.split(',').map((r) => r.trim()).filter(Boolean);
  for (const role of roles) {
    if (role !== 'orchestration' && role !== 'training') {
      throw new Error(`DRIFTWATCH_WORKER_ROLES: unknown role '${role}' (expected orchestration, training or both, comma separated)`);
    }
  }
  return roles as WorkerRole[];
}

export interface RunningWorkers {
  workers: Worker[];
  /** Where driftwatch's /metrics is served; null when DRIFTWATCH_METRICS_PORT is 0. */
  metricsPort: number | null;
  /** The TensorFlow.js backend training runs on; null without the training role. */
  tensorflow: BackendInfo | null;
  run: Promise<void>;
  shutdown: () => Promise<void>;
}

/**
 * Prepares the database, connects to Temporal and starts the workers of the given roles, with
 * driftwatch's /metrics served beside them. The training backend is loaded, and the /metrics port
 * taken, before anything connects, so a backend that cannot run or a port in use fails the start at once.
 */
export async function startWorkers(
  settings: Settings, roles: readonly WorkerRole[], observability: ObservabilitySettings = loadObservabilitySettings(),
): Promise<RunningWorkers> {
  const tensorflow = roles.includes('training') ? (await initTensorflow()).backend : null;
  const metricsServer = observability.metricsPort === null
    ? null
    : await startMetricsServer({ host: observability.metricsHost, port: observability.metricsPort });
  await ensureDatabase(settings.databaseUrl);
  const db = createPool(settings.databaseUrl);
  await migrate(db);
  const endpoint = await connectTemporal(settings);
  if (roles.includes('orchestration')) await registerSearchAttributes(endpoint.connection, settings.namespace);
  const nativeConnection = await NativeConnection.connect({ address: endpoint.address });
  const client = new Client({ connection: endpoint.connection, namespace: settings.namespace });
  const workers = await createWorkers(
    { db, artifacts: createLocalArtifactStore(settings.artifactDir), client, nativeConnection, taskQueue: settings.taskQueue, namespace: settings.namespace, temporalUiUrl: settings.temporalUiUrl,
      trainingConcurrency: settings.trainingConcurrency },
    roles,
  );
  const run = Promise.all(workers.map((w) => w.run())).then(() => undefined);
  const shutdown = async () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await run;
    await nativeConnection.close();
    await endpoint.connection.close();
    await db.end();
    await metricsServer?.close();
  };
  return { workers, metricsPort: metricsServer?.port ?? null, tensorflow, run, shutdown };
}

/**
 * For a process that runs workers (`npm run worker`, `driftwatch worker`): its JSON logger, with the
 * Temporal SDK's logs and runtime metrics routed as the observability settings say. Call it before
 * anything connects to Temporal.
 */
export function prepareWorkerProcess(env: NodeJS.ProcessEnv = process.env): { observability: ObservabilitySettings; logger: Logger } {
  const observability = loadObservabilitySettings(env);
  const logger = createLogger({ level: observability.logLevel });
  installTemporalRuntime(observability, logger);
  return { observability, logger };
}

async function main(): Promise<void> {
  const { logger, observability } = prepareWorkerProcess();
  const settings = loadSettings();
  const roles = parseRoles(process.env.DRIFTWATCH_WORKER_ROLES);
  const running = await startWorkers(settings, roles, observability);
  logger.info({
    roles, taskQueue: settings.taskQueue, namespace: settings.namespace,
    metricsPort: running.metricsPort, temporalMetricsPort: observability.temporalMetricsPort,
    // One constant message to search logs by; the backend in words and in full beside it.
    ...(running.tensorflow ? { training: describeBackend(running.tensorflow), tensorflow: running.tensorflow } : {}),
  }, 'worker running');
  const stop = () => {
    logger.info('stopping the worker (finishing running tasks)');
    void running.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await running.run;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    // Also when the settings could not be read, so there is no configured logger: the same JSON line.
    createLogger({ level: 'ERROR' }).error({ err }, 'worker stopped');
    process.exit(1);
  });
}
