import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createOrchestrationActivities } from '../activities/orchestration';
import type { ChallengerTraining, createTrainingActivities } from '../activities/training';
import { decidePromotion, type ApprovalRecord, type Evaluation, type PromotionDecision } from '../src/policy/promotion';
import type { MetricName } from '../src/metrics';
import { checkQualityGate, linearFallbackReason, type QualityGateResult } from '../src/policy/quality-gate';
import { releasedClaimAlert } from '../src/policy/retrain-claims';
import { ORCHESTRATION_ACTIVITY, trainingActivity } from '../src/policy/retries';
import {
  MODEL_SEARCH_ATTRIBUTE,
  OUTCOME_SEARCH_ATTRIBUTE,
  STAGE_SEARCH_ATTRIBUTE,
  approveUpdate,
  rejectUpdate,
  trainingTaskQueue,
  retrainProgressQuery,
  type ApprovalAnswer,
  type ApprovalRequest,
  type LinearFallback,
  type RetrainInput,
  type RetrainOutcome,
  type RetrainProgress,
  type RetrainResult,
  type RetrainStage,
  type TrialSummary,
} from './definitions';
import { sendAlert } from './alerting';
import { approvalInput, retrainDetails, retrainMemo } from './control-panel';

// A cancelled retrain cleans up once its activities have stopped (training stops at its next heartbeat):
// one still running could write a checkpoint, or register a challenger, after the cleanup.
const { WAIT_CANCELLATION_COMPLETED } = ActivityCancellationType;

const orchestration = proxyActivities<ReturnType<typeof createOrchestrationActivities>>({
  ...ORCHESTRATION_ACTIVITY, cancellationType: WAIT_CANCELLATION_COMPLETED,
});

type TrainingActivities = ReturnType<typeof createTrainingActivities>;

function trainingActivities(plan: RetrainPlan): TrainingActivities {
  return proxyActivities<TrainingActivities>({
    ...trainingActivity(plan.heartbeatTimeoutMs), taskQueue: trainingTaskQueue(workflowInfo().taskQueue), cancellationType: WAIT_CANCELLATION_COMPLETED,
  });
}

/**
 * One retrain of one model: claim (one at a time per model), plan a reproducible data split, tune
 * with parallel trials, train the challenger with the best parameters, evaluate challenger and
 * champion on the same holdout (when the challenger scores below the linear baseline fitted on the
 * same rows, the baseline is registered and evaluated in its place), then promote or reject.
 */
export async function retrainWorkflow(input: RetrainInput): Promise<RetrainResult> {
  const { runId, workflowId } = workflowInfo();
  const trigger = input.trigger ?? 'manual';
  const progress: RetrainProgress = {
    modelName: input.modelName, trigger, stage: 'claiming', championVersion: null, trialsTotal: 0, trialsDone: 0,
    trialsFailed: 0, trialsPruned: 0, tuningStoppedBy: null, bestScore: null, bestParameters: null, challengerVersion: null, backend: null, decision: null,
    outcome: null, message: null, approval: null, qualityGate: null, fallback: null, drift: input.drift ?? null,
  };
  setHandler(retrainProgressQuery, () => progress, {
    description: 'The retrain\'s progress: stage, trials done and failed, best validation loss and parameters, challenger version, '
      + 'decision, approval deadline, the drift behind it, and the outcome. No input.',
  });
  upsertSearchAttributes([{ key: MODEL_SEARCH_ATTRIBUTE, value: input.modelName }, { key: STAGE_SEARCH_ATTRIBUTE, value: 'claiming' }]);
  // Shown on the workflow's page in the Temporal UI; the current details and the retrainProgress query have the live state.
  upsertMemo(retrainMemo(input));
  showProgress(progress);
  const approvals = awaitApprovals(progress);

  // A claim left by a retrain that was terminated or timed out would refuse this one: released first, and alerted.
  const stale = await orchestration.reconcileRetrainClaims({ modelName: input.modelName });
  if (stale) await sendAlert(releasedClaimAlert(stale), stale.retrainId);

  const claim = await orchestration.claimRetrain({
    retrainId: runId, workflowId, modelName: input.modelName, trigger,
    requestedBy: input.requestedBy ?? null, reason: input.reason ?? null, driftReportId: input.driftReportId ?? null,
  });
  if (!claim.claimed) {
    progress.message = claim.reason;
    enterStage(progress, 'skipped');
    recordOutcome(progress, 'skipped');
    return emptyResult(input.modelName, 'skipped', claim.reason);
  }

  try {
    return await runRetrain(input, runId, progress, approvals);
  } catch (err) {
    await endUndecided(runId, progress, err).catch((cleanupErr: unknown) => {
      // The run still ends with its own error; the monitor's next check releases the claim and alerts.
      log.error('could not release the retrain\'s claim', { error: cleanupErr instanceof Error ? rootCauseMessage(cleanupErr) : String(cleanupErr) });
    });
    throw err;
  }
}

/**
 * A retrain that failed or was cancelled releases its claim, withdraws its candidates (the challenger
 * alias is freed), deletes its checkpoints and alerts. In a non-cancellable scope: in the cancelled
 * workflow scope every activity would fail at once.
 */
async function endUndecided(retrainId: string, progress: RetrainProgress, err: unknown): Promise<void> {
  const stage = progress.stage;
  // A training activity whose worker died while its cancellation was pending fails with a timeout, not as cancelled.
  const cancelled = isCancellation(err) || CancellationScope.current().consideredCancelled;
  const reason = cancelled
    ? `cancelled at stage '${stage}'`
    : `failed at stage '${stage}': ${err instanceof Error ? rootCauseMessage(err) : String(err)}`;
  progress.message = reason;
  progress.approval = null;
  enterStage(progress, cancelled ? 'cancelled' : 'failed');
  await CancellationScope.nonCancellable(async () => {
    const released = await orchestration.releaseRetrainClaim({ retrainId, status: cancelled ? 'cancelled' : 'failed', reason });
    if (released) await sendAlert(releasedClaimAlert(released, { trigger: progress.trigger, progress }));
  });
}

type RetrainPlan = Awaited<ReturnType<typeof orchestration.planRetrain>>;

async function runRetrain(input: RetrainInput, retrainId: string, progress: RetrainProgress, approvals: Approvals): Promise<RetrainResult> {
  enterStage(progress, 'planning');
  const plan = await orchestration.planRetrain({ retrainId, modelName: input.modelName, trainingWindow: input.trainingWindow ?? null });
  progress.championVersion = plan.championVersion;

  enterStage(progress, 'tuning');
  progress.trialsTotal = plan.tuning.trials;
  const trials = await tune(plan, retrainId, progress);
  const completed = trials.filter((t) => t.status === 'completed' && t.score !== null);
  if (completed.length === 0) {
    throw ApplicationFailure.nonRetryable(
      `all ${trials.length} tuning trials failed; first error: ${trials[0]?.error ?? 'unknown'}`, 'TuningFailedError',
    );
  }
  const best = completed.reduce((a, b) => (b.score! < a.score! ? b : a));

  enterStage(progress, 'training');
  const tuned = await evaluateCandidate(input, plan, progress, await trainingActivities(plan).trainChallenger({
    retrainId, modelName: input.modelName, split: plan.split, parameters: best.parameters, seed: plan.seed,
  }));
  const fallbackReason = linearFallbackFor(plan, tuned);
  const fallback: LinearFallback | null = fallbackReason === null ? null : { from: tuned.challenger.version, reason: fallbackReason };
  const candidate = fallback === null ? tuned : await evaluateLinearBaselineInstead(input, plan, retrainId, progress, tuned, fallback);
  const { challenger, evaluation, qualityGate } = candidate;
  const metrics = metricsOf(evaluation);
  const name = candidateName(candidate, fallback);
  if (qualityGate && !qualityGate.passed) {
    return CancellationScope.nonCancellable(() => failQualityGate({ input, plan, retrainId, progress, candidate, qualityGate, trials, fallback }));
  }
  let decision = withReasonFirst(decidePromotion(plan.promotion, evaluation), fallback?.reason);
  progress.decision = decision;
  if (decision.promote && plan.approval) {
    enterStage(progress, 'awaiting_approval');
    progress.approval = { deadline: new Date(Date.now() + plan.approval.timeoutMs).toISOString(), onTimeout: plan.approval.onTimeout };
    showProgress(progress);
    await sendAlert({
      modelName: input.modelName, event: 'approval_required', severity: 'warning',
      summary: `${input.modelName} ${name} is better and awaits approval until ${progress.approval.deadline} ` +
        `(then: ${plan.approval.onTimeout}); send the update 'approve' or 'reject' to ${workflowInfo().workflowId} ` +
        `or run 'driftwatch approve ${input.modelName} --version ${challenger.version}': ${decision.reasons.join('; ')}`,
      details: { decision, metrics, challengerVersion: challenger.version, championVersion: plan.championVersion, fallback },
    });
    const approval = await approvals.wait(plan.approval.timeoutMs);
    decision = withApproval(decision, approval, plan.approval.onTimeout);
    progress.decision = decision;
    progress.approval = null;
    showProgress(progress);
  }
  // Decided: a cancellation from here on would leave the decision half recorded (a promotion with the claim still held).
  return CancellationScope.nonCancellable(() => recordDecision({ input, plan, retrainId, progress, candidate, decision, trials, fallback }));
}

/** Promotes or rejects the candidate as decided, records the retrain's outcome and announces it. */
async function recordDecision(context: {
  input: RetrainInput; plan: RetrainPlan; retrainId: string; progress: RetrainProgress; candidate: EvaluatedCandidate;
  decision: PromotionDecision; trials: TrialSummary[]; fallback: LinearFallback | null;
}): Promise<RetrainResult> {
  const { input, plan, retrainId, progress, candidate, decision, trials, fallback } = context;
  const { challenger, evaluation, qualityGate } = candidate;
  const metrics = metricsOf(evaluation);
  const name = candidateName(candidate, fallback);
  let outcome: RetrainResult['outcome'];
  if (decision.promote) {
    enterStage(progress, 'promoting');
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
  const reason = outcome === 'superseded' ? `the champion changed while this retrain ran; the ${name} was not promoted` : decision.reasons.join('; ');
  const result: RetrainResult = {
    outcome, modelName: input.modelName, reason, challengerVersion: challenger.version, championVersion: plan.championVersion,
    decision, metrics, trials, backend: challenger.backend, qualityGate,
    training: { epochsTrained: challenger.epochsTrained, resumedFromEpoch: challenger.resumedFromEpoch }, fallback,
  };
  await orchestration.finishRetrain({
    retrainId, status: outcome === 'promoted' ? 'promoted' : 'rejected', result: { ...result, trials: undefined },
  });
  progress.message = reason;
  enterStage(progress, 'done');
  recordOutcome(progress, outcome);
  upsertMemo({ outcome, summary: `${name} ${outcome}: ${reason}` });

  await sendAlert({
    modelName: input.modelName,
    event: outcome === 'promoted' ? 'model_promoted' : 'model_rejected',
    severity: outcome === 'promoted' ? 'info' : 'warning',
    summary: outcome === 'promoted'
      ? `${input.modelName} v${challenger.version} promoted to champion (was ${plan.championVersion === null ? 'none' : `v${plan.championVersion}`}): ${reason}`
      : `${input.modelName} ${name} ${outcome}; champion ${plan.championVersion === null ? 'none' : `v${plan.championVersion}`} kept: ${reason}`,
    details: { decision, metrics, challengerVersion: challenger.version, championVersion: plan.championVersion, backend: challenger.backend, fallback },
  });
  return result;
}

/** A registered candidate scored on the holdout, and its quality gate (null when the plan has none). */
interface EvaluatedCandidate {
  challenger: ChallengerTraining;
  evaluation: Evaluation;
  qualityGate: QualityGateResult | null;
}

async function evaluateCandidate(
  input: RetrainInput, plan: RetrainPlan, progress: RetrainProgress, challenger: ChallengerTraining,
): Promise<EvaluatedCandidate> {
  progress.challengerVersion = challenger.version;
  progress.backend = challenger.backend;
  enterStage(progress, 'evaluating');
  const evaluation = await orchestration.evaluateChallenger({
    modelName: input.modelName, split: plan.split, challengerVersion: challenger.version, championVersion: plan.championVersion,
    rule: plan.promotion, seed: plan.seed,
  });
  enterStage(progress, 'deciding');
  const qualityGate = checkChallengerQuality(plan, evaluation);
  progress.qualityGate = qualityGate;
  return { challenger, evaluation, qualityGate };
}

/**
 * Why the tuned challenger gives way to the linear baseline, or null. Only when the plan enables the
 * fallback (plans recorded before it existed do not) and the gate could judge the challenger.
 */
function linearFallbackFor(plan: RetrainPlan, { challenger, evaluation, qualityGate }: EvaluatedCandidate): string | null {
  if (plan.qualityGate?.linearFallback !== true || !qualityGate || !evaluation.baselines || !plan.task) return null;
  return linearFallbackReason({
    challengerVersion: challenger.version, primaryMetric: primaryMetricOf(plan.task), challenger: evaluation.challenger,
    linearBaseline: evaluation.baselines.linear, qualityGate,
  });
}

/**
 * Rejects the tuned challenger for the record, then registers the linear baseline fitted on the same
 * training rows and evaluates it as the challenger: same holdout, champion, bootstrap seed and gate.
 */
async function evaluateLinearBaselineInstead(
  input: RetrainInput, plan: RetrainPlan, retrainId: string, progress: RetrainProgress, tuned: EvaluatedCandidate, fallback: LinearFallback,
): Promise<EvaluatedCandidate> {
  progress.fallback = fallback;
  await orchestration.rejectChallenger({
    modelName: input.modelName, version: tuned.challenger.version, retrainId,
    decision: { ...rejectedDecision(plan, tuned.evaluation, fallback.reason), metrics: metricsOf(tuned.evaluation), qualityGate: tuned.qualityGate },
    workflowId: workflowInfo().workflowId,
  });
  enterStage(progress, 'training');
  const linear = await trainingActivities(plan).registerLinearBaselineCandidate({ retrainId, modelName: input.modelName, split: plan.split });
  return evaluateCandidate(input, plan, progress, linear);
}

/**
 * The gate that tells a broken challenger (below the class prior or far below the linear baseline,
 * constant, or no better than chance) from one that is merely not better. Null when the plan has no
 * gate, or the evaluation lacks the baselines (an evaluation recorded before they existed).
 */
function checkChallengerQuality(plan: RetrainPlan, evaluation: Evaluation): QualityGateResult | null {
  const { baselines, predictionSummary, holdoutLabels } = evaluation;
  if (!plan.qualityGate || !plan.task || !baselines || !predictionSummary || !holdoutLabels) return null;
  const { task } = plan;
  try {
    return checkQualityGate({
      task, primaryMetric: primaryMetricOf(task), challenger: evaluation.challenger, baselines,
      predictions: predictionSummary, holdoutLabels, rule: plan.qualityGate,
    });
  } catch (err) {
    // A plain error here would fail the workflow task and retry it forever; the retrain fails instead, saying why.
    throw ApplicationFailure.nonRetryable(`the quality gate could not judge the challenger: ${(err as Error).message}`, 'QualityGateError');
  }
}

/** Training failed, not "not better": the challenger is kept for the record as rejected, and on-call hears that training failed. */
async function failQualityGate(context: {
  input: RetrainInput; plan: RetrainPlan; retrainId: string; progress: RetrainProgress; candidate: EvaluatedCandidate;
  qualityGate: QualityGateResult; trials: TrialSummary[]; fallback: LinearFallback | null;
}): Promise<RetrainResult> {
  const { input, plan, retrainId, progress, candidate, qualityGate, trials, fallback } = context;
  const { challenger, evaluation } = candidate;
  const metrics = metricsOf(evaluation);
  const failure = `${candidateName(candidate, fallback)} failed the quality gate: ${qualityGate.reasons.join('; ')}`;
  const reason = fallback ? `${fallback.reason}; ${failure}` : failure;
  const decision = rejectedDecision(plan, evaluation, reason);
  progress.decision = decision;
  await orchestration.rejectChallenger({
    modelName: input.modelName, version: challenger.version, retrainId, decision: { ...decision, metrics, qualityGate },
    workflowId: workflowInfo().workflowId,
  });
  const result: RetrainResult = {
    outcome: 'failed_quality_gate', modelName: input.modelName, reason, challengerVersion: challenger.version,
    championVersion: plan.championVersion, decision, metrics, trials, backend: challenger.backend, qualityGate,
    training: { epochsTrained: challenger.epochsTrained, resumedFromEpoch: challenger.resumedFromEpoch }, fallback,
  };
  await orchestration.finishRetrain({ retrainId, status: 'failed_quality_gate', result: { ...result, trials: undefined } });
  progress.message = reason;
  enterStage(progress, 'done');
  recordOutcome(progress, 'failed_quality_gate');
  upsertMemo({ outcome: 'failed_quality_gate', summary: reason });
  await sendAlert({
    modelName: input.modelName, event: 'retrain_failed', severity: 'error',
    summary: `Training of ${input.modelName} produced a broken challenger: ${reason}. Champion `
      + `${plan.championVersion === null ? 'none' : `v${plan.championVersion}`} kept; look at the data and the search space before retrying.`,
    details: { qualityGate, metrics, baselines: evaluation.baselines, challengerVersion: challenger.version, championVersion: plan.championVersion, fallback },
  });
  return result;
}

/** The promotion rule's decision, turned into a rejection that leads with why. */
function rejectedDecision(plan: RetrainPlan, evaluation: Evaluation, reason: string): PromotionDecision {
  return { ...withReasonFirst(decidePromotion(plan.promotion, evaluation), reason), promote: false };
}

function withReasonFirst(decision: PromotionDecision, reason: string | undefined): PromotionDecision {
  return reason === undefined ? decision : { ...decision, reasons: [reason, ...decision.reasons] };
}

function metricsOf(evaluation: Evaluation): NonNullable<RetrainResult['metrics']> {
  return { challenger: evaluation.challenger, champion: evaluation.champion };
}

/** How results and alerts name the candidate that was decided on. */
function candidateName({ challenger }: EvaluatedCandidate, fallback: LinearFallback | null): string {
  return `${fallback ? 'linear baseline' : 'challenger'} v${challenger.version}`;
}

function primaryMetricOf(task: NonNullable<RetrainPlan['task']>): MetricName {
  return task === 'regression' ? 'rmse' : 'log_loss';
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
    showProgress(progress);
  }
  progress.tuningStoppedBy = 'trial_budget';
  return results;
}

interface Approvals { wait(timeoutMs: number): Promise<ApprovalRecord> }

/**
 * The approve and reject updates, registered for the whole run so that a request at the wrong time
 * gets a clear refusal from the validator instead of waiting in the history.
 */
function awaitApprovals(progress: RetrainProgress): Approvals {
  let verdict: ApprovalRecord | null = null;
  const validate = ({ version, approver }: ApprovalRequest) => {
    if (progress.stage !== 'awaiting_approval') throw new Error(`no challenger awaits approval: the retrain is at stage '${progress.stage}'`);
    if (verdict !== null) throw new Error(`challenger v${progress.challengerVersion} was already ${verdict.status} by ${verdict.by}`);
    if (version !== progress.challengerVersion) {
      throw new Error(`version ${version} is not the challenger awaiting approval (v${progress.challengerVersion})`);
    }
    if (typeof approver !== 'string' || approver.trim() === '') throw new Error('approver is required: say who decides');
  };
  const handle = (status: 'approved' | 'rejected') => ({ version, approver, reason }: ApprovalRequest): ApprovalAnswer => {
    verdict = { status, by: approver.trim(), reason: reason ?? null, at: new Date(Date.now()).toISOString() };
    return { version, verdict: status, by: verdict.by };
  };
  const example = JSON.stringify(approvalInput(3));
  setHandler(approveUpdate, handle('approved'), {
    validator: validate,
    description: 'Approves the challenger that awaits approval (stage awaiting_approval): it is promoted. Refused at any other stage, '
      + `for another version, or without an approver. Input ("reason" optional; the current details show the exact input): ${example}`,
  });
  setHandler(rejectUpdate, handle('rejected'), {
    validator: validate,
    description: 'Rejects the challenger that awaits approval: the champion stays. Refused at any other stage, for another version, '
      + `or without an approver. Input ("reason" optional; the current details show the exact input): ${example}`,
  });
  return {
    async wait(timeoutMs) {
      // A durable timer: the wait survives worker and server restarts.
      if (await condition(() => verdict !== null, timeoutMs)) return verdict!;
      verdict = { status: 'timed_out', by: 'timeout', reason: null, at: new Date(Date.now()).toISOString() };
      return verdict;
    },
  };
}

function withApproval(decision: PromotionDecision, approval: ApprovalRecord, onTimeout: 'reject' | 'promote'): PromotionDecision {
  const promote = approval.status === 'approved' || (approval.status === 'timed_out' && onTimeout === 'promote');
  const said = approval.status === 'timed_out'
    ? `no approval before the deadline: ${onTimeout === 'promote' ? 'promoted' : 'rejected'} as configured (approval.onTimeout)`
    : `${approval.status} by ${approval.by}${approval.reason ? `: ${approval.reason}` : ''}`;
  return { ...decision, promote, approval, reasons: [...decision.reasons, said] };
}

/** The stage in the progress query and in a search attribute, so the Temporal UI can list retrains by stage. */
function enterStage(progress: RetrainProgress, stage: RetrainStage): void {
  progress.stage = stage;
  upsertSearchAttributes([{ key: STAGE_SEARCH_ATTRIBUTE, value: stage }]);
  showProgress(progress);
}

/** The outcome as a search attribute ("all rejected retrains of model X"). */
function recordOutcome(progress: RetrainProgress, outcome: RetrainOutcome): void {
  progress.outcome = outcome;
  upsertSearchAttributes([{ key: OUTCOME_SEARCH_ATTRIBUTE, value: outcome }]);
  showProgress(progress);
}

/** The Temporal UI's current details of the run: kept in step with the retrainProgress query. */
function showProgress(progress: RetrainProgress): void {
  setCurrentDetails(retrainDetails(progress));
}

function emptyResult(modelName: string, outcome: RetrainResult['outcome'], reason: string): RetrainResult {
  return {
    outcome, modelName, reason, challengerVersion: null, championVersion: null, decision: null, metrics: null, trials: [], backend: null,
    qualityGate: null, training: null, fallback: null,
  };
}

function rootCauseMessage(err: Error): string {
  let current: Error = err;
  while (current.cause instanceof Error) current = current.cause;
  return current.message;
}
