/**
 * A Temporal dev server of the test file's own, and workers that run the real workflows on a task
 * queue and the training activities on its training queue, with whatever activities the test passes.
 */
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { resolveTemporalCli } from '../../src/temporal';
import { SEARCH_ATTRIBUTES, trainingTaskQueue } from '../../workflows/definitions';

export interface WorkflowTestEnvironment {
  env: TestWorkflowEnvironment;
  close(): Promise<void>;
}

export async function startWorkflowEnvironment(
  taskQueue: string,
  activities: { orchestration: object; training: object },
): Promise<WorkflowTestEnvironment> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: resolveTemporalCli() },
      searchAttributes: [...SEARCH_ATTRIBUTES],
      extraArgs: ['--log-level', 'error'],
    },
  });
  const namespace = env.namespace ?? 'default';
  const workers = [
    await Worker.create({
      connection: env.nativeConnection, namespace, taskQueue,
      workflowsPath: path.join(__dirname, '..', '..', 'workflows', 'index.ts'), activities: activities.orchestration,
    }),
    await Worker.create({ connection: env.nativeConnection, namespace, taskQueue: trainingTaskQueue(taskQueue), activities: activities.training }),
  ];
  const running = Promise.all(workers.map((worker) => worker.run()));
  return {
    env,
    async close() {
      for (const worker of workers) worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}
