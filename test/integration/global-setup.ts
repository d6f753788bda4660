/**
 * One real Temporal dev server (the Temporal CLI binary, not a mock) for the whole integration run,
 * and the workflow bundle built once. Each test file gets its own database and task queue.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { registerSearchAttributes } from '../../src/search-attributes';
import { resolveTemporalCli } from '../../src/temporal';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: resolveTemporalCli() },
      extraArgs: ['--log-level', 'error'],
    },
  });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  project.provide('temporalAddress', env.address);
  project.provide('temporalNamespace', env.namespace ?? 'default');
  project.provide('workflowBundlePath', await bundleWorkflowsToFile());
  return async () => {
    await env.teardown();
  };
}

/** The workflows bundled once for every worker of a test run (bundling takes seconds of CPU), in a new temporary directory. */
export async function bundleWorkflowsToFile(): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, '..', '..', 'workflows', 'index.ts'), logger: quietLogger });
  const bundlePath = path.join(mkdtempSync(path.join(os.tmpdir(), 'driftwatch-bundle-')), 'workflows.js');
  writeFileSync(bundlePath, code);
  return bundlePath;
}

const quietLogger = {
  log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined,
  warn: (message: string) => console.warn(message), error: (message: string) => console.error(message),
};
