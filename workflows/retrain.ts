import {
  ApplicationFailure,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createOrchestrationActivities } from '../activities/orchestration';
import type { createTrainingActivities } from '../activities/training';
import { decidePromotion } from '../src/policy/promotion';
import {
  trainingTaskQueue,
  retrainProgressQuery,
  type RetrainInput,
  type RetrainProgress,
  type RetrainResult,
  type TrialSummary,
} from './definitions';
import { sendAlert } from './alerting';

const orchestration = proxyActivities<ReturnType<typeof createOrchestrationActivities>>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['UnknownModelError', 'NotEnoughDataError', 'CorruptArtifactError'] },
});

type TrainingActivities = ReturnType<typeof createTrainingActivities>;

function trainingActivities(plan: RetrainPlan): TrainingActivities {
  return proxyActivities<TrainingActivities>({
    taskQueue: trainingTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '30 minutes',
    // Training heartbeats every epoch; a dead training worker is noticed within this timeout, and
    // the retry resumes from the checkpoint of the last epoch.
    heartbeatTimeout: plan.heartbeatTimeoutMs,
    retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['UnknownModelError', 'NotEnoughDataError', 'CorruptArtifactError'] },
  });
}

/**
 * One retrain of one model: claim (one at a time per model), plan a reproducible data split, tune
 * with parallel trials, train the challenger with the best parameters, evaluate challenger and
 * champion on the same holdout, then promote or reject.
 */
export async function retrainWorkflow(input: RetrainInput): Promise<RetrainResult> {
  const { runId, workflowId } = workflowInfo();
  const trigger = input.trigger ?? 'manual';
  const progress: RetrainProgress = {
    modelName: input.modelName, trigger, stage: 'claiming', championVersion: null, trialsTotal: 0, trialsDone: 0,
    trialsFailed: 0, trialsPruned: 0, tuningStoppedBy: null, bestScore: null, bestParameters: null, challengerVersion: null, backend: null, decision: null,
    outcome: null, message: null,
  };
  setHandler(retrainProgressQuery, () => progress);

  const claim = await orchestration.claimRetrain({
    retrainId: runId, workflowId, modelName: input.modelName, trigger,
    requestedBy: input.requestedBy ?? null, reason: input.reason ?? null, driftReportId: input.driftReportId ?? null,
  });
  if (!claim.claimed) {
    progress.stage = 'skipped';
    progress.outcome = 'skipped';
    progress.message = claim.reason;
    return emptyResult(input.modelName, 'skipped', claim.reason);
  }

  try {
    return await runRetrain(input, runId, progress);
  } catch (err) {
    const failedStage = progress.stage;
    progress.stage = 'failed';
    const message = err instanceof Error ? rootCauseMessage(err) : String(err);
    progress.message = message;
    await orchestration.finishRetrain({ retrainId: runId, status: 'failed', result: { error: message } });
    await sendAlert({
      modelName: input.modelName, event: 'retrain_failed', severity: 'error',
      summary: `Retrain of ${input.modelName} failed at stage '${failedStage}': ${message}`,
      details: { trigger, error: message, progress },
    });
    throw err;
  }
}

type RetrainPlan = Awaited<ReturnType<typeof orchestration.planRetrain>>;

async function runRetrain(input: RetrainInput, retrainId: string, progress: RetrainProgress): Promise<RetrainResult> {
  progress.stage = 'planning';
  const plan = await orchestration.planRetrain({ retrainId, modelName: input.modelName, trainingWindow: input.trainingWindow ?? null });
  progress.championVersion = plan.championVersion;

  progress.stage = 'tuning';
  progress.trialsTotal = plan.tuning.trials;
  const trials = await tune(plan, retrainId, progress);
  const completed = trials.filter((t) => t.status === 'completed' && t.score !== null);
  if (completed.length === 0) {
    throw ApplicationFailure.nonRetryable(
      `all ${trials.length} tuning trials failed; first error: ${trials[0]?.error ?? 'unknown'}`, 'TuningFailedError',
    );
  }
  const best = completed.reduce((a, b) => (b.score! < a.score! ? b : a));

  progress.stage = 'training';
  const challenger = await trainingActivities(plan).trainChallenger({
    retrainId, modelName: input.modelName, split: plan.split, parameters: best.parameters, seed: plan.seed,
  });
  progress.challengerVersion = challenger.version;
  progress.backend = challenger.backend;

  progress.stage = 'evaluating';
  const evaluation = await orchestration.evaluateChallenger({
    modelName: input.modelName, split: plan.split, challengerVersion: challenger.version, championVersion: plan.championVersion,
    rule: plan.promotion, seed: plan.seed,
  });

  progress.stage = 'deciding';
  const decision = decidePromotion(plan.promotion, evaluation);
  progress.decision = decision;
  const metrics = { challenger: evaluation.challenger, champion: evaluation.champion };

  let outcome: RetrainResult['outcome'];
  if (decision.promote) {
    progress.stage = 'promoting';
    const promotion = await orchestration.promoteChallenger({
      modelName: input.modelName, version: challenger.version, retrainId, expectedChampion: plan.championVersion,
      decision: { ...decision, metrics, trigger: input.trigger ?? 'manual' }, workflowId: workflowInfo().workflowId,
    });
    outcome = promotion === 'superseded' ? 'superseded' : 'promoted';
  } else {
    await orchestration.rejectChallenger({
      modelName: input.modelName, version: challenger.version, retrainId, decision: { ...decision, metrics },
      workflowId: workflowInfo().workflowId,
    });
    outcome = 'rejected';
  }
  const reason = outcome === 'superseded' ? 'the champion changed while this retrain ran; the challenger was not promoted' : decision.reasons.join('; ');
  const result: RetrainResult = {
    outcome, modelName: input.modelName, reason, challengerVersion: challenger.version, championVersion: plan.championVersion,
    decision, metrics, trials, backend: challenger.backend,
    training: { epochsTrained: challenger.epochsTrained, resumedFromEpoch: challenger.resumedFromEpoch },
  };
  await orchestration.finishRetrain({
    retrainId, status: outcome === 'promoted' ? 'promoted' : 'rejected', result: { ...result, trials: undefined },
  });
  progress.stage = 'done';
  progress.outcome = outcome;
  progress.message = reason;

  await sendAlert({
    modelName: input.modelName,
    event: outcome === 'promoted' ? 'model_promoted' : 'model_rejected',
    severity: outcome === 'promoted' ? 'info' : 'warning',
    summary: outcome === 'promoted'
      ? `${input.modelName} v${challenger.version} promoted to champion (was ${plan.championVersion === null ? 'none' : `v${plan.championVersion}`}): ${reason}`
      : `${input.modelName} challenger v${challenger.version} ${outcome}; champion ${plan.championVersion === null ? 'none' : `v${plan.championVersion}`} kept: ${reason}`,
    details: { decision, metrics, challengerVersion: challenger.version, championVersion: plan.championVersion, backend: challenger.backend },
  });
  return result;
}

/**
 * Runs trials `parallelism` at a time until the trial budget is spent or the time budget has passed
 * (checked before each batch: a running batch finishes). Each batch is proposed from every earlier
 * result (warm-start configurations first, then Bayesian optimisation or random search), so a replay
 * or a retry proposes the same parameters. A failed trial is recorded and does not fail tuning.
 */
async function tune(plan: RetrainPlan, retrainId: string, progress: RetrainProgress): Promise<TrialSummary[]> {
  const training = trainingActivities(plan);
  const { tuning } = plan;
  const startedAt = Date.now();
  const results: TrialSummary[] = [];
  while (results.length < tuning.trials) {
    if (tuning.timeBudgetMs !== null && Date.now() - startedAt >= tuning.timeBudgetMs) {
      progress.tuningStoppedBy = 'time_budget';
      return results;
    }
    const proposals = await orchestration.proposeTrials({
      space: tuning.space,
      history: results.map(({ parameters, score }) => ({ parameters, score })),
      warmStart: tuning.warmStart,
      count: Math.min(tuning.parallelism, tuning.trials - results.length),
      seed: plan.seed,
      strategy: tuning.strategy,
      initialRandomTrials: tuning.initialRandomTrials,
    });
    const batch = proposals.map(async (parameters, offset): Promise<TrialSummary> => {
      const trialNumber = results.length + offset + 1;
      const source = trialNumber <= tuning.warmStart.configurations.length ? 'warm_start' : 'proposed';
      try {
        return await training.runTuningTrial({
          retrainId, modelName: plan.modelName, split: plan.split, trialNumber, parameters, seed: plan.seed, source, pruning: tuning.pruning,
          prunedAgainstTrialsBelow: results.length + 1,
        });
      } catch (err) {
        const error = err instanceof Error ? rootCauseMessage(err) : String(err);
        log.warn('tuning trial failed', { trialNumber, error });
        await orchestration.recordFailedTrial({ retrainId, trialNumber, parameters, source, error });
        return { trialNumber, status: 'failed', score: null, parameters, source, epochs: null, error };
      }
    });
    for (const trial of await Promise.all(batch)) {
      results.push(trial);
      progress.trialsDone += 1;
      if (trial.status === 'failed') progress.trialsFailed += 1;
      if (trial.status === 'pruned') progress.trialsPruned += 1;
      if (trial.status === 'completed' && (progress.bestScore === null || trial.score! < progress.bestScore)) {
        progress.bestScore = trial.score;
        progress.bestParameters = trial.parameters;
      }
    }
  }
  progress.tuningStoppedBy = 'trial_budget';
  return results;
}

function emptyResult(modelName: string, outcome: RetrainResult['outcome'], reason: string): RetrainResult {
  return { outcome, modelName, reason, challengerVersion: null, championVersion: null, decision: null, metrics: null, trials: [], backend: null, training: null };
}

function rootCauseMessage(err: Error): string {
  let current: Error = err;
  while (current.cause instanceof Error) current = current.cause;
  return current.message;
}
