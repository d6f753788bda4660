/**
 * Activities of the orchestration task queue: thin adapters between the workflows, PostgreSQL and
 * the pure code in src/. Feature rows stay here: only summaries go back to workflow history.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { deliverToRoutes } from '../src/alerts/deliver';
import { driftReportUrl, type AlertRequest } from '../src/alerts/payload';
import { NotEnoughDataError, StoredConfigError, UnknownModelError } from '../src/errors';
import { evaluateChallenger } from '../src/evaluation/evaluate-challenger';
import { runDriftCheck, type DriftComputation } from '../src/monitoring/drift-check';
import { driftwatchMetrics, type RetrainOutcome } from '../src/observability/metrics';

export type { DriftComputation };
import type { Evaluation, PromotionRule } from '../src/policy/promotion';
import { ALERT_SINK_ATTEMPTS } from '../src/policy/retries';
import { endingOfClosedRun, type ReleasedClaim, type RetrainRunState, type UndecidedEnding } from '../src/policy/retrain-claims';
import type { ModelConfig, TuningConfig } from '../src/config';
import {
  fitsSearchSpace,
  proposeNextTrials,
  warmStartConfigurations,
  type ParameterValues,
  type ProposalRequest,
  type WarmStart,
} from '../src/tuning';
import { reportUrlTemplate } from '../src/settings';
import type { ArtifactStore } from '../src/store/artifacts';
import type { Db } from '../src/store/db';
import { linearModelConfiguration } from '../src/training/search-seeds';
import { createDriftCheckStore } from '../src/store/drift-check-store';
import {
  planDataSplit,
  readEarlierHoldout,
  readSplit,
  type DataSplit,
} from '../src/store/feature-store';
import { loadStoredConfig } from '../src/store/models';
import {
  getChampionVersion,
  getVersionArtifact,
  getVersionTrainingWindow,
  promoteCandidate,
  recordVersionMetrics,
  rejectCandidate,
  rollbackChampion,
  RollbackError,
  type RollbackResult as RegistryRollback,
  type PromotionRequest,
} from '../src/store/registry';
import {
  claimRetrain,
  finishRetrain,
  releaseClaim,
  retrainOrigin,
  runningRetrain,
  saveRetrainPlan,
  type ClaimResult,
  type RetrainStatus,
  type RetrainTrigger,
} from '../src/store/retrains';
import { earlierRunTrials, recordTrial, type TrialSource } from '../src/store/trials';
import { checkDriftUpdate, monitorWorkflowId, type DriftCheckResult } from '../workflows/definitions';
import type { modelMonitorWorkflow } from '../workflows/monitor';
import { whileHeartbeating } from './heartbeat';

export interface OrchestrationDeps {
  db: Db;
  artifacts: ArtifactStore;
  client: Client;
  /** Base URL of the Temporal web UI, for links in alerts. */
  temporalUiUrl: string;
}

/** The smallest holdout on which comparing two models means anything. */
const MIN_HOLDOUT_ROWS = 20;

export interface RetrainPlan {
  modelName: string;
  championVersion: number | null;
  split: DataSplit;
  tuning: TuningConfig & { warmStart: WarmStart };
  promotion: PromotionRule;
  seed: number;
  heartbeatTimeoutMs: number;
  approval: ModelConfig['approval'];
  /**
   * Absent from plans recorded before the gate existed, and linearFallback from plans recorded before the
   * fallback: those retrains run without them (and their histories replay as recorded).
   */
  qualityGate?: { baselineTolerance: number; linearFallback?: boolean } | null;
  task?: ModelConfig['task'];
}

/**
 * Earlier runs' trials that fit today's search space (it may have changed since); evaluated first:
 * each run's best, then a linear model when the space allows one (src/training/search-seeds.ts).
 */
async function loadWarmStart(db: Db, modelName: string, retrainId: string, tuning: TuningConfig): Promise<WarmStart> {
  const earlierRuns = (await earlierRunTrials(db, modelName, retrainId, tuning.warmStartRuns))
    .map((run) => run.filter((trial) => fitsSearchSpace(tuning.space, trial.parameters)))
    .filter((run) => run.length > 0);
  const linear = linearModelConfiguration(tuning.space);
  const seeds = [...earlierRuns.map((run) => run[0]!.parameters), ...(linear ? [linear] : [])];
  return { configurations: warmStartConfigurations(tuning.space, seeds, tuning.trials), earlierRuns };
}

export function createOrchestrationActivities({ db, artifacts, client, temporalUiUrl }: OrchestrationDeps) {
  /** Counted by the attempt that ended the retrain, so a retried activity does not count it twice. */
  async function countRetrainEnding(retrainId: string, outcome: RetrainOutcome): Promise<void> {
    const origin = await retrainOrigin(db, retrainId);
    if (origin) driftwatchMetrics.retrainEnded(origin, outcome);
  }

  return {
    async claimRetrain(input: {
      retrainId: string; workflowId: string; modelName: string; trigger: RetrainTrigger;
      requestedBy: string | null; reason: string | null; driftReportId: number | null;
    }): Promise<ClaimResult> {
      const config = await loadConfigOrFail(db, input.modelName);
      const claim = await claimRetrain(db, { ...input, id: input.retrainId, cooldownMs: config.retrain.cooldownMs });
      if (!claim.claimed) driftwatchMetrics.retrainEnded(input, 'skipped');
      return claim;
    },

    /**
     * Releases the model's claim when its retrain's workflow run has closed without releasing it
     * (terminated, timed out, or failed or cancelled before its cleanup reached PostgreSQL), with
     * why; the caller alerts about the claim returned. Null when there is nothing to release.
     */
    async reconcileRetrainClaims(input: { modelName: string }): Promise<ReleasedClaim | null> {
      // Part of a drift check, whose activities have a heartbeat timeout (src/policy/retries.ts).
      return whileHeartbeating(async () => {
        const holder = await runningRetrain(db, input.modelName);
        if (!holder) return null;
        const ending = endingOfClosedRun(await describeRetrainRun(client, holder.workflowId, holder.id));
        if (!ending) return null;
        const released = await releaseClaim(db, artifacts, { retrainId: holder.id, ...ending });
        if (!released?.releasedNow) return null;
        await countRetrainEnding(holder.id, released.claim.status);
        return released.claim;
      });
    },

    /** A retrain's own ending when it fails or is cancelled (see releaseClaim); null for a retrain that decided. */
    async releaseRetrainClaim(input: { retrainId: string; status: UndecidedEnding; reason: string }): Promise<ReleasedClaim | null> {
      const released = await releaseClaim(db, artifacts, input);
      if (released?.releasedNow) await countRetrainEnding(input.retrainId, released.claim.status);
      return released?.claim ?? null;
    },

    async planRetrain(input: { retrainId: string; modelName: string; trainingWindow: { from?: string; to?: string } | null }): Promise<RetrainPlan> {
      const config = await loadConfigOrFail(db, input.modelName);
      const split = await planDataSplit(db, input.modelName, {
        ...(input.trainingWindow ?? {}),
        trainingWindowMs: config.retrain.trainingWindowMs,
        holdoutFraction: config.retrain.holdoutFraction,
        minHoldoutRows: config.promotion.minHoldoutRows,
        minTrainingRows: config.retrain.minTrainingRows,
      });
      if (split.trainingRows < config.retrain.minTrainingRows) {
        throw nonRetryable(new NotEnoughDataError(input.modelName,
          `${split.trainingRows} labelled training rows between ${split.from} and ${split.to}; retrain.minTrainingRows is ${config.retrain.minTrainingRows}`));
      }
      if (split.holdoutRows < MIN_HOLDOUT_ROWS) {
        throw nonRetryable(new NotEnoughDataError(input.modelName,
          `${split.holdoutRows} labelled holdout rows; at least ${MIN_HOLDOUT_ROWS} are needed to compare models`));
      }
      const plan: RetrainPlan = {
        modelName: input.modelName,
        championVersion: await getChampionVersion(db, input.modelName),
        split,
        tuning: {
          ...config.tuning,
          warmStart: await loadWarmStart(db, input.modelName, input.retrainId, config.tuning),
        },
        promotion: config.promotion,
        seed: config.retrain.seed,
        heartbeatTimeoutMs: config.retrain.heartbeatTimeoutMs,
        approval: config.approval,
        qualityGate: config.qualityGate,
        task: config.task,
      };
      await saveRetrainPlan(db, input.retrainId, plan);
      return plan;
    },

    /** Runs here rather than in workflow code: fitting the Gaussian process is CPU work, and its result is then kept in history. */
    async proposeTrials(request: ProposalRequest): Promise<ParameterValues[]> {
      return proposeNextTrials(request);
    },

    async recordFailedTrial(input: {
      retrainId: string; trialNumber: number; parameters: ParameterValues; source: TrialSource; error: string;
    }): Promise<void> {
      await recordTrial(db, { ...input, status: 'failed', score: null, durationMs: 0, backend: null, epochs: null });
    },

    /**
     * Scores challenger, champion and the baselines on the same holdout, with a paired bootstrap
     * interval of the improvement, and on the guardrail rows when the rule has a guardrail.
     */
    async evaluateChallenger(input: {
      modelName: string; split: DataSplit; challengerVersion: number; championVersion: number | null; rule: PromotionRule; seed: number;
    }): Promise<Evaluation> {
      const { modelName } = input;
      const config = await loadConfigOrFail(db, modelName);
      return evaluateChallenger({
        rows: (split, part) => readSplit(db, modelName, split, part),
        artifact: (version) => getVersionArtifactOrFail(db, artifacts, modelName, version),
        trainingWindow: (version) => getVersionTrainingWindow(db, modelName, version),
        earlierHoldout: (championWindow, before, limit) => readEarlierHoldout(db, modelName, championWindow, before, limit),
        recordMetrics: (version, metrics) => recordVersionMetrics(db, modelName, version, metrics),
      }, config, input);
    },

    async rollbackChampion(request: Parameters<typeof rollbackChampion>[1]): Promise<RegistryRollback> {
      await loadConfigOrFail(db, request.modelName);
      try {
        return await rollbackChampion(db, request);
      } catch (err) {
        if (err instanceof RollbackError) throw nonRetryable(err);
        throw err;
      }
    },

    async promoteChallenger(request: PromotionRequest) {
      return promoteCandidate(db, request);
    },

    async rejectChallenger(request: { modelName: string; version: number; retrainId: string; decision: object; workflowId: string }): Promise<void> {
      await rejectCandidate(db, request);
    },

    async finishRetrain(input: { retrainId: string; status: Exclude<RetrainStatus, 'running'>; result: object }): Promise<void> {
      if (await finishRetrain(db, input.retrainId, input.status, input.result)) await countRetrainEnding(input.retrainId, input.status);
    },

    async computeDrift(input: { modelName: string; source: string }): Promise<DriftComputation> {
      const config = await loadConfigOrFail(db, input.modelName);
      const store = createDriftCheckStore(db, artifacts, input.modelName, config.monitoring.window);
      const result = await whileHeartbeating(() => runDriftCheck(store, config, { source: input.source, checkedAt: new Date().toISOString(), checkId: activityExecutionId() }));
      driftwatchMetrics.driftChecked(result);
      // Read at check time, like the alerts' link (src/alerts/deliver.ts): the Temporal UI's memo links the same page.
      return { ...result, reportUrl: result.reportId === null ? null : driftReportUrl(reportUrlTemplate(process.env), input.modelName, result.reportId) };
    },

    /** A schedule tick: update-with-start hands it to the model's monitor, starting the monitor if needed. */
    async deliverMonitorTick(input: { modelName: string; source: string }): Promise<DriftCheckResult> {
      const { taskQueue } = Context.current().info;
      return whileHeartbeating(() => client.workflow.executeUpdateWithStart(checkDriftUpdate, {
        args: [{ source: input.source }],
        // A retried tick (its answer lost while Temporal was away) gets the answer of the check it asked for, not a second check.
        updateId: activityExecutionId(),
        startWorkflowOperation: new WithStartWorkflowOperation<typeof modelMonitorWorkflow>('modelMonitorWorkflow', {
          workflowId: monitorWorkflowId(input.modelName),
          taskQueue,
          args: [{ modelName: input.modelName }],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      }));
    },

    /**
     * Sends the alert to every route of the model that wants it (webhook, Slack, PagerDuty), all at
     * once, each within its own timeout; a retry re-sends only to routes that have not acknowledged.
     * Secrets are read from the environment here, so they never enter workflow history; failure
     * messages name routes by URL or variable, and have every secret masked by value.
     */
    async deliverAlert(request: AlertRequest): Promise<{ delivered: number; suppressed: number; skipped: number }> {
      const config = await loadConfigOrFail(db, request.modelName);
      const delivery = await deliverToRoutes(db, config.alerts, request, {
        temporalUiUrl, namespace: client.options.namespace, env: process.env, now: new Date(),
      });
      driftwatchMetrics.alertsDelivered(request, delivery);
      const { failures, ...outcome } = delivery;
      if (failures.length === 0) return outcome;
      const message = `alert delivery failed: ${failures.map((failure) => `${failure.target}: ${failure.error}`).join('; ')}`;
      // Refused destinations stay refused until the config changes; other failures may pass on a retry.
      if (failures.every((failure) => !failure.retryable)) throw ApplicationFailure.nonRetryable(message, 'RefusedDestinationError');
      // The activity's retries ride out database outages; a dead sink gets only this many attempts.
      if (Context.current().info.attempt >= ALERT_SINK_ATTEMPTS) throw ApplicationFailure.nonRetryable(message, 'AlertDeliveryFailedError');
      throw new Error(message);
    },
  };
}

/** The same in every attempt of the running activity, and different for every other activity execution. */
function activityExecutionId(): string {
  const { workflowExecution, activityId } = Context.current().info;
  return `${workflowExecution!.workflowId}/${workflowExecution!.runId}/${activityId}`;
}

async function loadConfigOrFail(db: Db, modelName: string) {
  try {
    return await loadStoredConfig(db, modelName);
  } catch (err) {
    if (err instanceof UnknownModelError || err instanceof StoredConfigError) throw nonRetryable(err);
    throw err;
  }
}

async function getVersionArtifactOrFail(db: Db, artifacts: ArtifactStore, modelName: string, version: number) {
  try {
    return await getVersionArtifact(db, artifacts, modelName, version);
  } catch (err) {
    if (err instanceof Error && err.name === 'CorruptArtifactError') throw nonRetryable(err);
    throw err;
  }
}

/** How Temporal says a retrain's run stands; for a terminated or failed run, with the reason or the root cause's message. */
async function describeRetrainRun(client: Client, workflowId: string, runId: string): Promise<RetrainRunState> {
  const handle = client.workflow.getHandle(workflowId, runId, { followRuns: false });
  let status;
  try {
    status = (await handle.describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { status: 'NOT_FOUND', detail: null };
    throw err;
  }
  switch (status) {
    case 'TERMINATED':
    case 'FAILED':
      return { status, detail: await closingFailure(handle) };
    case 'COMPLETED':
    case 'CANCELLED':
    case 'TIMED_OUT':
    case 'CONTINUED_AS_NEW':
      return { status, detail: null };
    default:
      return { status };
  }
}

/** The close event read as the run's result: a termination's reason, or the message of the failure's root cause. */
async function closingFailure(handle: ReturnType<Client['workflow']['getHandle']>): Promise<string | null> {
  try {
    await handle.result();
    return null;
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    let cause: Error = err;
    while (cause.cause instanceof Error) cause = cause.cause;
    return cause.message;
  }
}

export function nonRetryable(err: Error): ApplicationFailure {
  return ApplicationFailure.nonRetryable(err.message, err.name);
}
