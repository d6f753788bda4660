/**
 * Activities of the orchestration task queue: thin adapters between the workflows, PostgreSQL and
 * the pure code in src/. Feature rows stay here: only summaries go back to workflow history.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { deliverToRoutes } from '../src/alerts/deliver';
import type { AlertRequest } from '../src/alerts/payload';
import { compareToReference, correctPValueThresholds, type FeatureDriftResult } from '../src/drift';
import { NotEnoughDataError, UnknownModelError } from '../src/errors';
import { scorePredictions, widenClassProbabilities } from '../src/metrics';
import { evaluateDatasetDrift } from '../src/policy/dataset-drift';
import { pairedBootstrap } from '../src/policy/bootstrap';
import { DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_CONFIDENCE, type Evaluation, type PromotionRule } from '../src/policy/promotion';
import { predict, type ModelArtifact } from '../src/training';
import type { ModelConfig, TuningConfig } from '../src/config';
import {
  fitsSearchSpace,
  proposeNextTrials,
  warmStartConfigurations,
  type ParameterValues,
  type ProposalRequest,
  type WarmStart,
} from '../src/tuning';
import type { ArtifactStore } from '../src/store/artifacts';
import type { Db } from '../src/store/db';
import { findSameWindowReport, insertDriftReport } from '../src/store/drift-reports';
import {
  latestWindow,
  planDataSplit,
  readEarlierHoldout,
  readSplit,
  readWindowColumn,
  type DataSplit,
  type StoredRow,
} from '../src/store/feature-store';
import { loadStoredConfig } from '../src/store/models';
import {
  getChampionReference,
  withReferenceValues,
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
  abandonRetrain,
  claimRetrain,
  cooldownUntil,
  finishRetrain,
  runningRetrain,
  saveRetrainPlan,
  type ClaimResult,
  type RetrainStatus,
  type RetrainTrigger,
} from '../src/store/retrains';
import { earlierRunTrials, recordTrial, type TrialSource } from '../src/store/trials';
import {
  checkDriftUpdate,
  monitorWorkflowId,
  type DriftCheckResult,
  type FeatureDriftSummary,
} from '../workflows/definitions';
import type { modelMonitorWorkflow } from '../workflows/monitor';

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
}

export type DriftComputation = Omit<DriftCheckResult, 'retrain'> & { retrainBlockedBy: string | null };

/** Earlier runs' trials that fit today's search space (it may have changed since), and each run's best. */
async function loadWarmStart(db: Db, modelName: string, retrainId: string, tuning: TuningConfig): Promise<WarmStart> {
  const earlierRuns = (await earlierRunTrials(db, modelName, retrainId, tuning.warmStartRuns))
    .map((run) => run.filter((trial) => fitsSearchSpace(tuning.space, trial.parameters)))
    .filter((run) => run.length > 0);
  return {
    configurations: warmStartConfigurations(tuning.space, earlierRuns.map((run) => run[0]!.parameters), tuning.trials),
    earlierRuns,
  };
}

export function createOrchestrationActivities({ db, artifacts, client, temporalUiUrl }: OrchestrationDeps) {
  return {
    async claimRetrain(input: {
      retrainId: string; workflowId: string; modelName: string; trigger: RetrainTrigger;
      requestedBy: string | null; reason: string | null; driftReportId: number | null;
    }): Promise<ClaimResult> {
      const config = await loadConfigOrFail(db, input.modelName);
      const claim = { ...input, id: input.retrainId, cooldownMs: config.retrain.cooldownMs };
      const first = await claimRetrain(db, claim);
      if (first.claimed || !first.holder) return first;
      // A holder whose workflow was terminated never released its claim: release it and retry once.
      const holderState = await describeStatus(client, first.holder.workflowId, first.holder.id);
      if (holderState === 'RUNNING') return first;
      await abandonRetrain(db, first.holder.id, `workflow ended as ${holderState} without finishing the retrain`);
      return claimRetrain(db, claim);
    },

    async planRetrain(input: { retrainId: string; modelName: string; trainingWindow: { from?: string; to?: string } | null }): Promise<RetrainPlan> {
      const config = await loadConfigOrFail(db, input.modelName);
      const split = await planDataSplit(db, input.modelName, {
        ...(input.trainingWindow ?? {}),
        trainingWindowMs: config.retrain.trainingWindowMs,
        holdoutFraction: config.retrain.holdoutFraction,
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
     * Scores challenger and champion on the same holdout, with a paired bootstrap interval of the
     * improvement, and on the guardrail rows when the rule has a guardrail.
     */
    async evaluateChallenger(input: {
      modelName: string; split: DataSplit; challengerVersion: number; championVersion: number | null; rule: PromotionRule; seed: number;
    }): Promise<Evaluation> {
      const { modelName, rule } = input;
      const config = await loadConfigOrFail(db, modelName);
      const holdout = await readSplit(db, modelName, input.split, 'holdout');
      const labels = holdout.map((r) => r.label as number);
      const challengerModel = await getVersionArtifactOrFail(db, artifacts, modelName, input.challengerVersion);
      const championModel = input.championVersion === null ? null : await getVersionArtifactOrFail(db, artifacts, modelName, input.championVersion);
      // Multi-class models may know different classes (a class new in the data, or absent from one
      // training window): both are scored over every class either knows or the holdout holds.
      const classCount = config.task === 'multiclass_classification'
        ? Math.max(challengerModel.classCount ?? 2, championModel?.classCount ?? 2, ...labels.map((label) => label + 1))
        : null;
      const predictRows = async (model: ModelArtifact, rows: StoredRow[]) => {
        const predictions = await predict(model, rows.map((r) => r.features));
        return classCount === null ? predictions : widenClassProbabilities(predictions, rows.length, classCount);
      };
      const challengerPredictions = await predictRows(challengerModel, holdout);
      const challenger = scorePredictions(config.task, labels, challengerPredictions);
      await recordVersionMetrics(db, modelName, input.challengerVersion, { holdout: challenger, holdoutRows: holdout.length });
      if (championModel === null) return { holdoutRows: holdout.length, challenger, champion: null, bootstrap: null, guardrail: null };

      const championPredictions = await predictRows(championModel, holdout);
      const bootstrap = pairedBootstrap({
        task: config.task, metric: rule.metric, labels, challenger: challengerPredictions, champion: championPredictions,
        resamples: rule.bootstrapResamples ?? DEFAULT_BOOTSTRAP_RESAMPLES, confidence: rule.confidence ?? DEFAULT_CONFIDENCE, seed: input.seed,
      });
      let guardrail: Evaluation['guardrail'] = null;
      const championWindow = rule.guardrail ? await getVersionTrainingWindow(db, modelName, input.championVersion!) : null;
      if (rule.guardrail && championWindow) {
        const rows = await readEarlierHoldout(db, modelName, championWindow, input.split.from, rule.guardrail.referenceRows);
        const guardrailLabels = rows.map((r) => r.label as number);
        // A class seen only in these older rows is beyond what either model or the holdout knows: skip the guardrail then.
        if (rows.length > 0 && (classCount === null || guardrailLabels.every((label) => label < classCount))) {
          guardrail = {
            rows: rows.length,
            challenger: scorePredictions(config.task, guardrailLabels, await predictRows(challengerModel, rows)),
            champion: scorePredictions(config.task, guardrailLabels, await predictRows(championModel, rows)),
          };
        }
      }
      return {
        holdoutRows: holdout.length, challenger, champion: scorePredictions(config.task, labels, championPredictions), bootstrap, guardrail,
      };
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
      await finishRetrain(db, input.retrainId, input.status, input.result);
    },

    async computeDrift(input: { modelName: string; source: string }): Promise<DriftComputation> {
      const config = await loadConfigOrFail(db, input.modelName);
      const checkedAt = new Date().toISOString();
      const empty = {
        modelName: input.modelName, checkedAt, reportId: null, window: null, datasetDrift: false, driftedShare: 0,
        features: [], retrainBlockedBy: null,
      };
      const champion = await getChampionReference(db, input.modelName);
      if (!champion) {
        return { ...empty, outcome: 'no_champion', championVersion: null,
          reasons: [`no champion yet: start a bootstrap retrain of ${input.modelName} first`] };
      }
      const window = await latestWindow(db, input.modelName, config.monitoring.windowMs);
      if (!window || window.rowCount === 0) {
        return { ...empty, outcome: 'no_data', championVersion: champion.version, reasons: ['no feature rows ingested yet'] };
      }
      const windowSummary = { start: window.start, end: window.end, rows: window.rowCount };
      const sameReport = await findSameWindowReport(db, {
        modelName: input.modelName, championVersion: champion.version, windowEnd: window.end, rowCount: window.rowCount,
      });
      if (sameReport !== null) {
        return { ...empty, outcome: 'unchanged', championVersion: champion.version, reportId: sameReport, window: windowSummary,
          reasons: [`window already reported in drift report #${sameReport}`] };
      }
      const options = { ...config.drift, minRows: config.monitoring.minRows };
      const perFeature: FeatureDriftResult[] = [];
      for (const spec of config.features) {
        // One column at a time, so memory holds the reference profile and one window column.
        const column = await readWindowColumn(db, input.modelName, window, spec.name);
        const table = { rowCount: window.rowCount, columns: column.present ? { [spec.name]: column.values } : {} };
        const stored = champion.referenceProfile.features;
        const reference = Object.hasOwn(stored, spec.name)
          ? await withReferenceValues(db, input.modelName, champion.version, spec.name, stored[spec.name]!)
          : undefined;
        const profile = { ...champion.referenceProfile, features: reference ? { [spec.name]: reference } : {} };
        perFeature.push(...compareToReference(profile, [spec], table, { ...options, correction: 'none' }));
      }
      const results = correctPValueThresholds(perFeature, config.drift.correction);
      const verdict = evaluateDatasetDrift(results, config.driftRule);
      const reportId = await insertDriftReport(db, {
        modelName: input.modelName, championVersion: champion.version, windowStart: window.start, windowEnd: window.end,
        rowCount: window.rowCount, features: results, driftedShare: verdict.driftedShare, datasetDrift: verdict.datasetDrift,
        reasons: verdict.reasons, source: input.source,
      });
      const features: FeatureDriftSummary[] = results.map((r) => ({
        feature: r.feature, test: r.test, scoreKind: r.scoreKind, score: r.score, threshold: r.threshold, psi: r.psi,
        drifted: r.drifted, status: r.status,
      }));
      return {
        modelName: input.modelName, checkedAt, outcome: 'checked', reportId, championVersion: champion.version, window: windowSummary,
        datasetDrift: verdict.datasetDrift, driftedShare: verdict.driftedShare, features, reasons: verdict.reasons,
        retrainBlockedBy: await retrainBlocker(db, input.modelName, config.retrain.cooldownMs),
      };
    },

    /** A schedule tick: update-with-start hands it to the model's monitor, starting the monitor if needed. */
    async deliverMonitorTick(input: { modelName: string; source: string }): Promise<DriftCheckResult> {
      const { taskQueue } = Context.current().info;
      return client.workflow.executeUpdateWithStart(checkDriftUpdate, {
        args: [{ source: input.source }],
        startWorkflowOperation: new WithStartWorkflowOperation<typeof modelMonitorWorkflow>('modelMonitorWorkflow', {
          workflowId: monitorWorkflowId(input.modelName),
          taskQueue,
          args: [{ modelName: input.modelName }],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      });
    },

    /**
     * Sends the alert to every route of the model that wants it (webhook, Slack, PagerDuty), all at
     * once, each within its own timeout; a retry re-sends only to routes that have not acknowledged.
     * Secrets are read from the environment here, so they never enter workflow history; failure
     * messages name routes by URL or variable, never by secret.
     */
    async deliverAlert(request: AlertRequest): Promise<{ delivered: number; suppressed: number; skipped: number }> {
      const config = await loadConfigOrFail(db, request.modelName);
      const { failures, ...outcome } = await deliverToRoutes(db, config.alerts, request, {
        temporalUiUrl, namespace: client.options.namespace, env: process.env, now: new Date(),
      });
      if (failures.length > 0) throw new Error(`alert delivery failed: ${failures.join('; ')}`);
      return outcome;
    },
  };
}

async function loadConfigOrFail(db: Db, modelName: string) {
  try {
    return await loadStoredConfig(db, modelName);
  } catch (err) {
    if (err instanceof UnknownModelError) throw nonRetryable(err);
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

async function retrainBlocker(db: Db, modelName: string, cooldownMs: number): Promise<string | null> {
  const running = await runningRetrain(db, modelName);
  if (running) return `retrain ${running.workflowId} is already running`;
  const until = await cooldownUntil(db, modelName, cooldownMs);
  return until ? `cooling down until ${until} after the last retrain` : null;
}

async function describeStatus(client: Client, workflowId: string, runId: string): Promise<string> {
  try {
    return (await client.workflow.getHandle(workflowId, runId).describe()).status.name;
  } catch (err) {
    if (err instanceof Error && err.name === 'WorkflowNotFoundError') return 'NOT_FOUND';
    throw err;
  }
}

export function nonRetryable(err: Error): ApplicationFailure {
  return ApplicationFailure.nonRetryable(err.message, err.name);
}
