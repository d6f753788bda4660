/**
 * What a command runs with: settings, output mode, and the database pool and Temporal client,
 * each opened on first use and closed by `close()` so the process can end.
 */
import os from 'node:os';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { errorText } from '../errors';
import type { Settings } from '../settings';
import { createPool, ensureDatabase, migrate, type Db } from '../store/db';
import { connectTemporal, type TemporalEndpoint } from '../temporal';

/** An error whose message is all the user needs: printed as `driftwatch: <message>`, exit 1. */
export class CliError extends Error {
  override name = 'CliError';
}

export class CliContext {
  private pool: Db | undefined;
  private endpoint: TemporalEndpoint | undefined;
  private temporalClient: Client | undefined;

  constructor(
    readonly settings: Settings,
    readonly jsonOutput: boolean,
  ) {}

  /** Human-readable output; suppressed in --json mode. */
  say(text = ''): void {
    if (!this.jsonOutput) process.stdout.write(`${text}\n`);
  }

  /** Notes that are not the command's result (progress, warnings): stderr, in both modes. */
  note(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  /** The machine-readable result; printed only in --json mode. */
  json(value: unknown): void {
    if (this.jsonOutput) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** The PostgreSQL pool; creates and migrates the database on first use, as the worker does. */
  async db(): Promise<Db> {
    if (this.pool) return this.pool;
    const url = this.settings.databaseUrl;
    try {
      await ensureDatabase(url);
    } catch (err) {
      throw new CliError(`cannot reach PostgreSQL at ${redactUrl(url)} (DATABASE_URL): ${errorText(err)}`);
    }
    const pool = createPool(url);
    this.pool = pool;
    await migrate(pool);
    return pool;
  }

  async client(): Promise<Client> {
    if (this.temporalClient) return this.temporalClient;
    let endpoint: TemporalEndpoint;
    try {
      endpoint = await connectTemporal(this.settings);
    } catch (err) {
      const where = this.settings.temporalAddress ? `Temporal at ${this.settings.temporalAddress} (TEMPORAL_ADDRESS)` : 'the local Temporal dev server';
      throw new CliError(`cannot reach ${where}: ${errorText(err)}`);
    }
    this.endpoint = endpoint;
    if (endpoint.startedDevServer) {
      this.note(`started a local Temporal dev server on ${endpoint.address} (UI ${this.settings.temporalUiUrl}); stop it with 'driftwatch server stop'`);
    }
    this.temporalClient = new Client({ connection: endpoint.connection, namespace: this.settings.namespace });
    return this.temporalClient;
  }

  /**
   * Warns (on stderr) when no worker polls a queue the command needs, since the command would
   * otherwise wait without saying why. The server lists pollers seen in the last few minutes.
   */
  async warnIfNoWorker(queues: ReadonlyArray<{ name: string; kind: 'workflow' | 'activity' }>): Promise<void> {
    const client = await this.client();
    const missing: string[] = [];
    for (const queue of queues) {
      try {
        const response = await client.withDeadline(Date.now() + 5_000, () =>
          client.workflowService.describeTaskQueue({
            namespace: this.settings.namespace,
            // Enum values from temporal.api.enums.v1 (the proto package is not a direct dependency):
            // TASK_QUEUE_KIND_NORMAL = 1; TASK_QUEUE_TYPE_WORKFLOW = 1, TASK_QUEUE_TYPE_ACTIVITY = 2.
            taskQueue: { name: queue.name, kind: 1 },
            taskQueueType: queue.kind === 'workflow' ? 1 : 2,
          }),
        );
        if ((response.pollers ?? []).length === 0) missing.push(queue.name);
      } catch {
        // Only a hint: never fail a command because the check itself failed.
      }
    }
    const names = [...new Set(missing)];
    if (names.length > 0) {
      this.note(`warning: no worker is polling task queue ${names.map((q) => `'${q}'`).join(' or ')}; ` +
        `nothing runs until one does (start one with 'driftwatch worker')`);
    }
  }

  async close(): Promise<void> {
    const pool = this.pool;
    const endpoint = this.endpoint;
    this.pool = undefined;
    this.endpoint = undefined;
    this.temporalClient = undefined;
    await Promise.allSettled([pool?.end(), endpoint?.connection.close()]);
  }
}

/** The workflow's status name ('RUNNING', 'COMPLETED', ...), or null if there is no such workflow. */
export async function workflowStatus(client: Client, workflowId: string): Promise<string | null> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}


/** Who runs the command, for "requested by" and alias history when --by is not given. */
export function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'cli';
  }
}
