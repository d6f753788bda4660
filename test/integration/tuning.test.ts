import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseModelConfig } from '../../src/config';
import { listTrials } from '../../src/store/trials';
import { retrainProgressQuery, retrainWorkflowId, type RetrainProgress, type RetrainResult } from '../../workflows/definitions';
import { startHarness, testModelYaml, type Harness } from './harness';
import { syntheticRows } from './synthetic';

const MODEL = 'tuning';
let harness: Harness;

const tuningYaml = (learningRateMin: number, extra = '') => `
  trials: 4
  parallelism: 1
  warmStartRuns: 2
  initialRandomTrials: 2
  pruning: { warmupEpochs: 2, minCompletedTrials: 1 }${extra}
  space:
    learningRate: { type: float, min: ${learningRateMin}, max: 0.05, log: true }
    hiddenUnits: { type: int, min: 8, max: 16 }`;

async function register(tuning: string): Promise<void> {
  await harness.registerModel(parseModelConfig(testModelYaml(MODEL, { tuning }), '<tuning test>'));
}

async function retrain(): Promise<{ result: RetrainResult; progress: RetrainProgress }> {
  const handle = await harness.client.workflow.start('retrainWorkflow', {
    taskQueue: harness.taskQueue, workflowId: retrainWorkflowId(MODEL), args: [{ modelName: MODEL, trigger: 'manual' }],
  });
  const result: RetrainResult = await handle.result();
  return { result, progress: await handle.query(retrainProgressQuery) };
}

beforeAll(async () => {
  harness = await startHarness('tuning');
  await register(tuningYaml(0.01));
  await harness.ingest(MODEL, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 600, seed: 31 }));
});

afterAll(async () => {
  await harness?.close();
});

it('stores every trial, warm-starts from the previous run, prunes hopeless trials and keeps to a time budget', async () => {
  const first = await retrain();
  expect(first.result.outcome).toBe('promoted');
  const firstTrials = await listTrials(harness.db, MODEL);
  expect(firstTrials).toHaveLength(4);
  expect(firstTrials.every((t) => t.source === 'proposed' && t.durationMs > 0 && t.epochs! > 0)).toBe(true);
  const epochRows = await harness.db.query<{ n: number }>('SELECT count(*)::int AS n FROM trial_epochs');
  expect(epochRows.rows[0]!.n).toBe(firstTrials.reduce((sum, t) => sum + t.epochs!, 0));
  const firstBest = firstTrials.filter((t) => t.status === 'completed').reduce((a, b) => (b.score! < a.score! ? b : a));

  // The space now reaches learning rates far too small to learn anything in a few epochs: such
  // trials fall behind the warm-started one, which runs first, and the median rule stops them.
  await register(tuningYaml(1e-7));
  const second = await retrain();
  const secondTrials = await listTrials(harness.db, MODEL);
  expect(secondTrials[0]).toMatchObject({ trialNumber: 1, source: 'warm_start', parameters: firstBest.parameters, status: 'completed' });
  expect(secondTrials.slice(1).every((t) => t.source === 'proposed')).toBe(true);
  const pruned = secondTrials.filter((t) => t.status === 'pruned');
  expect(pruned.length).toBeGreaterThan(0);
  for (const trial of pruned) {
    expect(trial.epochs).toBeGreaterThan(2);
    expect(trial.error).toMatch(/^pruned at epoch \d+: best validation loss .* > median/);
  }
  expect(second.progress).toMatchObject({ trialsDone: 4, trialsPruned: pruned.length, tuningStoppedBy: 'trial_budget' });
  expect(second.result.trials.filter((t) => t.status === 'pruned')).toHaveLength(pruned.length);

  // A time budget of about one trial: the first batch always runs, tuning stops before the budget of 4 trials, training goes on.
  await register(tuningYaml(0.01, '\n  timeBudget: 200ms'));
  const third = await retrain();
  expect(third.progress.tuningStoppedBy).toBe('time_budget');
  expect(third.result.trials.length).toBeLessThan(4);
  expect(['promoted', 'rejected']).toContain(third.result.outcome);
});
