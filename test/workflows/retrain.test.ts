/**
 * The real retrain workflow on a Temporal dev server, with fake activities whose holdout scores a
 * test chooses: a tuned challenger below the linear baseline gives way to the baseline (registered,
 * evaluated on the same holdout, then promoted or failed like any challenger), and nothing changes
 * when the challenger is not below it or the plan predates the fallback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { createOrchestrationActivities } from '../../activities/orchestration';
import type { createTrainingActivities } from '../../activities/training';
import { summariseLabels, summarisePredictions } from '../../src/policy/quality-gate';
import type { retrainWorkflow } from '../../workflows';
import { retrainProgressQuery, retrainWorkflowId, type RetrainResult } from '../../workflows/definitions';
import { startWorkflowEnvironment, type WorkflowTestEnvironment } from './environment';
import { createFakeWorld } from './fake-activities';

type Orchestration = ReturnType<typeof createOrchestrationActivities>;
type Training = ReturnType<typeof createTrainingActivities>;
type Plan = Awaited<ReturnType<Orchestration['planRetrain']>>;
type EvaluationRequest = Parameters<Orchestration['evaluateChallenger']>[0];

const TASK_QUEUE = 'retrain-workflow-tests';
const CHAMPION_LOG_LOSS = 1.0;

/** What a model's retrain will see: holdout log losses of the tuned challenger, the linear baseline and the prior. */
interface Scenario {
  champion: number | null;
  /** undefined: a plan recorded before the key existed. */
  linearFallback: boolean | undefined;
  logLoss: { tuned: number; linear: number; prior: number };
}

const scenarios = new Map<string, Scenario>();
const versions = new Map<string, Array<{ version: number; kind: 'tuned' | 'linear_baseline' }>>();
const evaluations: EvaluationRequest[] = [];
const rejected: Array<{ modelName: string; version: number; decision: { reasons?: string[] } }> = [];
const promoted: Array<{ modelName: string; version: number }> = [];

function register(modelName: string, kind: 'tuned' | 'linear_baseline') {
  const registered = versions.get(modelName) ?? [];
  const version = (scenarios.get(modelName)!.champion ?? 0) + registered.length + 1;
  versions.set(modelName, [...registered, { version, kind }]);
  return { version, backend: kind === 'tuned' ? 'fake-network' : 'fake-linear', epochsTrained: kind === 'tuned' ? 7 : 0, resumedFromEpoch: null };
}

// The monitor tests' fake world (claims, proposals, trials, recorded alerts), with a plan, scores and a registry of this file's own.
const world = createFakeWorld();
const orchestration = {
  ...world.orchestration,
  async planRetrain({ modelName }) {
    const { champion, linearFallback } = scenarios.get(modelName)!;
    const plan: Plan = {
      modelName, championVersion: champion, seed: 9, heartbeatTimeoutMs: 60_000, approval: null, task: 'binary_classification',
      split: { asOfRowId: '1', from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z', holdoutStart: null, trainingRows: 800, holdoutRows: 200 },
      tuning: {
        trials: 1, parallelism: 1, timeBudgetMs: null, strategy: 'random', initialRandomTrials: 1, warmStartRuns: 0, pruning: null,
        space: {}, warmStart: { configurations: [], earlierRuns: [] },
      },
      promotion: { metric: 'log_loss', minImprovement: 0, requireConfidentImprovement: false, guardrail: null },
      qualityGate: { baselineTolerance: 0.25, ...(linearFallback !== undefined && { linearFallback }) },
    };
    return plan;
  },
  async evaluateChallenger(request) {
    evaluations.push(request);
    const { logLoss, champion } = scenarios.get(request.modelName)!;
    const { kind } = versions.get(request.modelName)!.find((v) => v.version === request.challengerVersion)!;
    const labels = [0, 1, 0, 1];
    return {
      holdoutRows: 200,
      challenger: { log_loss: kind === 'tuned' ? logLoss.tuned : logLoss.linear, roc_auc: 0.8 },
      champion: champion === null ? null : { log_loss: CHAMPION_LOG_LOSS, roc_auc: 0.7 },
      bootstrap: null,
      guardrail: null,
      baselines: { linear: { log_loss: logLoss.linear, roc_auc: 0.8 }, prior: { log_loss: logLoss.prior, roc_auc: 0.5 } },
      predictionSummary: summarisePredictions('binary_classification', [0.2, 0.8, 0.3, 0.7], labels.length),
      holdoutLabels: summariseLabels('binary_classification', labels),
    };
  },
  async rejectChallenger({ modelName, version, decision }) {
    rejected.push({ modelName, version, decision });
  },
  async promoteChallenger({ modelName, version }) {
    promoted.push({ modelName, version });
    return 'promoted' as const;
  },
} satisfies Partial<Orchestration>;

const training = {
  ...world.training,
  async trainChallenger({ modelName }) {
    return register(modelName, 'tuned');
  },
  async registerLinearBaselineCandidate({ modelName }) {
    return register(modelName, 'linear_baseline');
  },
} satisfies Partial<Training>;

let environment: WorkflowTestEnvironment;

beforeAll(async () => {
  environment = await startWorkflowEnvironment(TASK_QUEUE, { orchestration, training });
});

afterAll(async () => {
  await environment?.close();
});

async function retrain(modelName: string, scenario: Scenario): Promise<RetrainResult> {
  scenarios.set(modelName, scenario);
  const handle = await environment.env.client.workflow.start<typeof retrainWorkflow>('retrainWorkflow', {
    workflowId: retrainWorkflowId(modelName), taskQueue: TASK_QUEUE, args: [{ modelName, trigger: 'drift' }],
  });
  const result = await handle.result();
  expect(await handle.query(retrainProgressQuery)).toMatchObject({ outcome: result.outcome, fallback: result.fallback, challengerVersion: result.challengerVersion });
  return result;
}

const of = <T extends { modelName: string }>(items: T[], modelName: string) => items.filter((item) => item.modelName === modelName);

describe('retrain workflow: the linear baseline in place of a challenger below it', () => {
  it('rejects a tuned challenger below the linear baseline, then registers, evaluates and promotes the baseline', async () => {
    const model = 'unit-change';
    // The numbers: the tuned MLP fails the gate (28% worse than the baseline) while the champion serves 1.0.
    const result = await retrain(model, { champion: 1, linearFallback: true, logLoss: { tuned: 0.549, linear: 0.427, prior: 0.69 } });

    const fallbackReason = 'challenger v2 scored below the linear baseline on log_loss (0.549 vs 0.427) and failed the quality gate '
      + '(worse than the linear baseline beyond tolerance: log_loss 0.549 vs linear baseline 0.427 (28.6% worse); tolerance 25% worse): '
      + 'the linear baseline was evaluated in its place';
    expect(result).toMatchObject({
      outcome: 'promoted', challengerVersion: 3, championVersion: 1, backend: 'fake-linear',
      fallback: { from: 2, reason: fallbackReason }, qualityGate: { passed: true }, metrics: { challenger: { log_loss: 0.427 } },
      training: { epochsTrained: 0, resumedFromEpoch: null },
    });
    expect(result.reason).toMatch(/^challenger v2 scored below the linear baseline .*; log_loss: challenger 0\.4270 vs champion 1\.0000/);
    expect(versions.get(model)).toEqual([{ version: 2, kind: 'tuned' }, { version: 3, kind: 'linear_baseline' }]);

    // The same holdout, champion and bootstrap seed for both candidates.
    const [tuned, linear] = of(evaluations, model);
    expect(linear).toEqual({ ...tuned, challengerVersion: 3 });
    expect(of(rejected, model)).toEqual([expect.objectContaining({ version: 2, decision: expect.objectContaining({ promote: false }) })]);
    expect(of(rejected, model)[0]!.decision.reasons![0]).toBe(fallbackReason);
    expect(of(promoted, model)).toEqual([{ modelName: model, version: 3 }]);
    const promotedAlert = world.alerts(model).find((a) => a.event === 'model_promoted')!;
    expect(promotedAlert.summary).toContain(`${model} v3 promoted to champion (was v1): challenger v2 scored below the linear baseline`);
    expect(promotedAlert.details).toMatchObject({ fallback: { from: 2 } });
  });

  it('falls back on any shortfall, and a bootstrap retrain fails the gate when the baseline is broken too', async () => {
    const model = 'nothing-to-learn';
    // Within the 25% tolerance, so the tuned challenger alone would pass; neither beats the prior, though.
    const result = await retrain(model, { champion: null, linearFallback: true, logLoss: { tuned: 0.7, linear: 0.695, prior: 0.69 } });
    expect(result).toMatchObject({ outcome: 'failed_quality_gate', challengerVersion: 2, championVersion: null, fallback: { from: 1 } });
    expect(result.fallback!.reason).toMatch(/^challenger v1 scored below the linear baseline on log_loss \(0\.7 vs 0\.695\) and failed the quality gate/);
    expect(result.reason).toMatch(/: the linear baseline was evaluated in its place; linear baseline v2 failed the quality gate: does not beat the prior baseline/);
    expect(of(rejected, model).map((r) => r.version)).toEqual([1, 2]);
    expect(of(promoted, model)).toEqual([]);
    const failedAlert = world.alerts(model).find((a) => a.event === 'retrain_failed')!;
    expect(failedAlert.summary).toContain('the linear baseline was evaluated in its place; linear baseline v2 failed the quality gate');
  });

  it('keeps a tuned challenger that is not below the linear baseline', async () => {
    const model = 'tuned-wins';
    const result = await retrain(model, { champion: 1, linearFallback: true, logLoss: { tuned: 0.41, linear: 0.427, prior: 0.69 } });
    expect(result).toMatchObject({ outcome: 'promoted', challengerVersion: 2, backend: 'fake-network', fallback: null });
    expect(versions.get(model)).toEqual([{ version: 2, kind: 'tuned' }]);
    expect(of(evaluations, model)).toHaveLength(1);
  });

  it('runs without the fallback when the config turns it off or the plan predates it', async () => {
    for (const [model, linearFallback] of [['fallback-off', false], ['plan-before-fallback', undefined]] as const) {
      const result = await retrain(model, { champion: 1, linearFallback, logLoss: { tuned: 0.45, linear: 0.427, prior: 0.69 } });
      expect(result, model).toMatchObject({ outcome: 'promoted', challengerVersion: 2, fallback: null, qualityGate: { passed: true } });
      expect(versions.get(model), model).toEqual([{ version: 2, kind: 'tuned' }]);
    }
  });
});
