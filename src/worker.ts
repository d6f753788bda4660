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
import { loadSettings, type Settings } from './settings';
import { type ArtifactStore, createLocalArtifactStore } from './store/artifacts';
import { type Db, createPool, ensureDatabase, migrate } from './store/db';
import { registerSearchAttributes } from './search-attributes';
import { connectTemporal } from './temporal';

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

export interface RunningWorkers { workers: Worker[]; run: Promise<void>; shutdown: () => Promise<void> }

/** Prepares the database, connects to Temporal and starts the workers of the given roles. */
export async function startWorkers(settings: Settings, roles: readonly WorkerRole[]): Promise<RunningWorkers> {
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
  };
  return { workers, run, shutdown };
}

async function main(): Promise<void> {
  const settings = loadSettings();
  const roles = parseRoles(process.env.DRIFTWATCH_WORKER_ROLES);
  const running = await startWorkers(settings, roles);
  console.log(`[driftwatch] worker running: roles ${roles.join(', ')}, task queue '${settings.taskQueue}', namespace '${settings.namespace}'`);
  const stop = () => void running.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await running.run;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
