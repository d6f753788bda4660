/**
 * The workflow bundle, built once for the fault run. Each fault test file starts its own PostgreSQL
 * cluster and Temporal dev server (test/faults/environment.ts), since it crashes them.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundleWorkflowsToFile } from '../integration/global-setup';

export default async function setup(project: TestProject): Promise<() => void> {
  const bundlePath = await bundleWorkflowsToFile();
  project.provide('workflowBundlePath', bundlePath);
  return () => rmSync(path.dirname(bundlePath), { recursive: true, force: true });
}
