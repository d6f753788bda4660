/**
 * A training worker process is killed with SIGKILL in the middle of the challenger's training; a
 * new worker process picks up the retried activity, which resumes from the last checkpoint.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseModelConfig } from '../../src/config';
import { retrainWorkflowId, type RetrainResult } from '../../workflows/definitions';
import { startHarness, testModelYaml, type Harness } from './harness';
import { syntheticRows } from './synthetic';

const ROOT = path.join(__dirname, '..', '..');
const MODEL = 'resume';
let harness: Harness;
const workers: ChildProcess[] = [];

function startTrainingWorker(): ChildProcess {
  // node --import tsx, not the tsx command: that one runs the program in a child process, which a
  // SIGKILL of the command would leave running.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'worker', '--roles', 'training'], {
    cwd: ROOT,
    env: harness.processEnv(),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  workers.push(child);
  return child;
}

/** Epochs of the challenger's checkpoints on disk (the artifact store keeps the newest two). */
async function challengerCheckpointEpochs(runId: string): Promise<number[]> {
  const scope = path.join(harness.artifactDir, '_checkpoints', `${runId}.challenger`);
  const entries = await readdir(scope).catch(() => [] as string[]);
  return entries.flatMap((name) => (/^epoch-(\d+)$/.exec(name) ? [Number(name.slice(6))] : [])).sort((a, b) => a - b);
}

beforeAll(async () => {
  harness = await startHarness('resume', { trainingWorker: false });
  // Fixed parameters and small batches, so each epoch takes a while and early stopping comes late.
  const yaml = testModelYaml(MODEL, {
    tuning: `
  trials: 1
  parallelism: 1
  space:
    epochs: { type: categorical, choices: [25] }
    batchSize: { type: categorical, choices: [8] }
    learningRate: { type: categorical, choices: [0.0005] }
    hiddenUnits: { type: categorical, choices: [64] }`,
  }).replace('  minTrainingRows: 100', '  minTrainingRows: 100\n  heartbeatTimeout: 3s');
  await harness.registerModel(parseModelConfig(yaml, '<resume test>'));
  await harness.ingest(MODEL, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 3000, seed: 41, labelNoise: 0.2 }));
}, 60_000);

afterAll(async () => {
  for (const child of workers) if (child.exitCode === null) child.kill('SIGKILL');
  await harness?.close();
});

it('resumes the challenger from its last checkpoint after the training worker is killed', async () => {
  const first = startTrainingWorker();
  const handle = await harness.client.workflow.start('retrainWorkflow', {
    taskQueue: harness.taskQueue, workflowId: retrainWorkflowId(MODEL), args: [{ modelName: MODEL, trigger: 'bootstrap' }],
  });
  const runId = handle.firstExecutionRunId;

  const deadline = Date.now() + 150_000;
  while ((await challengerCheckpointEpochs(runId)).at(-1)! < 3 || (await challengerCheckpointEpochs(runId)).length === 0) {
    if (Date.now() > deadline) throw new Error('the challenger never reached epoch 3');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  const epochsBeforeKill = (await challengerCheckpointEpochs(runId)).at(-1)!;
  expect(epochsBeforeKill).toBeGreaterThanOrEqual(3);

  startTrainingWorker();
  const result: RetrainResult = await handle.result();
  expect(result.outcome).toBe('promoted');
  // The retry started from the newest checkpoint, so no finished epoch was trained twice.
  expect(result.training).toMatchObject({ resumedFromEpoch: epochsBeforeKill });
  expect(result.training!.epochsTrained).toBeGreaterThan(epochsBeforeKill);
  // Checkpoints are removed once the version is registered.
  expect(await challengerCheckpointEpochs(runId)).toEqual([]);
}, 240_000);
