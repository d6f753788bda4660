/**
 * Activities of the training task queue (a GPU worker serves only this queue): tuning trials, the
 * challenger's final training, and the linear baseline as a candidate of its own. Training saves a
 * checkpoint to the artifact store after every epoch and heartbeats its reference; a retried attempt
 * resumes from the newest checkpoint.
 */
import { Context, log } from '@temporalio/activity';
import { buildReferenceProfileAsync, tableFromRows } from '../src/drift';
import { CorruptArtifactError, InvalidLabelsError } from '../src/errors';
import {
  BackendReplacedError,
  CheckpointMismatchError,
  DEFAULT_HYPERPARAMETERS,
  fitBaseline,
  linearBaselineArtifact,
  trainModel,
  type EpochProgress,
  type Hyperparameters,
  type ModelArtifact,
  type TrainResult,
  type TrainingCheckpoint,
} from '../src/training';
import { medianRuleVerdict, type MedianRule, type ParameterValues } from '../src/tuning';
import type { ArtifactStore } from '../src/store/artifacts';
import type { Db } from '../src/store/db';
import { readSplit, type DataSplit } from '../src/store/feature-store';
import { loadStoredConfig } from '../src/store/models';
import { findVersionOfRetrain, registerCandidate, type CandidateKind } from '../src/store/registry';
import { whileHeartbeating } from './heartbeat';
import { bestLossesUpTo, recordTrial, recordTrialEpoch, type TrialSource } from '../src/store/trials';
import type { TrialSummary } from '../workflows/definitions';

export interface TrainingDeps { db: Db; artifacts: ArtifactStore }

interface CandidateRequest { retrainId: string; modelName: string; split: DataSplit }

interface TrainingRequest extends CandidateRequest { parameters: ParameterValues; seed: number }

export interface ChallengerTraining { version: number; backend: string; epochsTrained: number; resumedFromEpoch: number | null }

export function createTrainingActivities({ db, artifacts }: TrainingDeps) {
  async function loadTrainingData(request: CandidateRequest) {
    const config = await loadStoredConfig(db, request.modelName);
    const training = await readSplit(db, request.modelName, request.split, 'training');
    return {
      config, rows: training.map((r) => r.features), labels: training.map((r) => r.label as number),
      eventTimesMs: training.map((r) => r.eventTime.getTime()),
    };
  }

  /** The newest checkpoint of the scope, or undefined: a checkpoint is a cache, so an unreadable one only costs epochs. */
  async function newestCheckpoint(scope: string): Promise<TrainingCheckpoint | undefined> {
    const reference = await artifacts.latestCheckpoint(scope);
    if (reference === null) return undefined;
    try {
      return (await artifacts.loadCheckpoint(reference))?.state as TrainingCheckpoint | undefined;
    } catch (err) {
      if (!(err instanceof CorruptArtifactError)) throw err;
      log.warn('ignoring a corrupt checkpoint; training starts over', { reference, error: err.message });
      return undefined;
    }
  }

  async function train(
    data: Awaited<ReturnType<typeof loadTrainingData>>,
    parameters: ParameterValues,
    seed: number,
    checkpointScope: string,
    afterEpoch?: (progress: EpochProgress) => Promise<void>,
  ): Promise<TrainResult> {
    const run = (resumeFrom: TrainingCheckpoint | undefined) => trainModel({
      task: data.config.task,
      features: data.config.features,
      rows: data.rows,
      labels: data.labels,
      hyperparameters: toHyperparameters(parameters),
      seed,
      validationStrategy: data.config.retrain.validation,
      minEpochs: data.config.retrain.minEpochs,
      classWeights: data.config.retrain.classWeights,
      ...(resumeFrom && { resumeFrom }),
      onEpoch: async (progress) => {
        const checkpoint = await artifacts.saveCheckpoint(checkpointScope, progress.epoch, await progress.checkpoint());
        const { epoch, epochs, loss, valLoss } = progress;
        Context.current().heartbeat({ epoch, epochs, loss, valLoss, checkpoint });
        await afterEpoch?.(progress);
        // Lets the worker send the heartbeat and deliver a cancellation, which stops training here.
        await new Promise((resolve) => setImmediate(resolve));
        Context.current().cancellationSignal.throwIfAborted();
      },
    });
    const resumeFrom = await newestCheckpoint(checkpointScope);
    try {
      return await run(resumeFrom);
    } catch (err) {
      // A row index means nothing outside this activity; its event time finds the row in the store.
      if (err instanceof InvalidLabelsError && err.row !== null) {
        throw new InvalidLabelsError(`${err.message} (event time ${new Date(data.eventTimesMs[err.row]!).toISOString()})`, err.row);
      }
      // The rows or parameters changed since the checkpoint was taken (a new plan under the same retrain).
      if (!(resumeFrom && err instanceof CheckpointMismatchError)) throw err;
      log.warn('checkpoint does not match this training run; training starts over', { scope: checkpointScope, error: err.message });
      await artifacts.deleteCheckpoints(checkpointScope);
      return run(undefined);
    }
  }

  return {
    /**
     * One tuning trial; its score is the best validation loss on 20% of the training rows (retrain.validation)
     * (lower is better). Every epoch's loss is stored; with a pruning rule, a trial whose best loss is
     * worse than the median of completed trials at the same epoch stops there as 'pruned'.
     */
    async runTuningTrial(request: TrainingRequest & {
      trialNumber: number; source: TrialSource; pruning: MedianRule | null;
      /**
       * Pruning compares with completed trials numbered below this (those of earlier batches), not
       * with trials running beside this one: which of those finishes first is a race, and the
       * retrain's outcome would depend on it.
       */
      prunedAgainstTrialsBelow: number;
    }): Promise<TrialSummary & { backend: string | null }> {
      const started = Date.now();
      const { retrainId, trialNumber, parameters, source } = request;
      let epochsRun = 0;
      const checkpointScope = `${retrainId}.trial-${trialNumber}`;
      const record = (summary: Omit<TrialSummary, 'trialNumber' | 'parameters' | 'source' | 'epochs'> & { backend: string | null }) => {
        const trial = { ...summary, trialNumber, parameters, source, epochs: epochsRun };
        return recordTrial(db, { ...trial, retrainId, durationMs: Date.now() - started, error: summary.error ?? null })
          .then(() => artifacts.deleteCheckpoints(checkpointScope))
          .then(() => trial);
      };
      // Failing to read the data is an outage (retried); failing to train is a result of tuning.
      const data = await loadTrainingData(request);
      let result: TrainResult;
      try {
        result = await train(data, parameters, request.seed + trialNumber, checkpointScope, async ({ epoch, valLoss }) => {
          epochsRun = epoch;
          if (valLoss === null || !Number.isFinite(valLoss)) return;
          await recordTrialEpoch(db, retrainId, trialNumber, epoch, valLoss);
          if (request.pruning === null) return;
          const losses = await bestLossesUpTo(db, retrainId, trialNumber, epoch, request.prunedAgainstTrialsBelow);
          const verdict = medianRuleVerdict(request.pruning, epoch, losses.trial!, losses.completedTrials);
          if (verdict.prune) throw new TrialPruned(epoch, losses.trial!, verdict.median!);
        });
      } catch (err) {
        // Says nothing about these parameters: another trial crashed the shared backend under this one.
        if (err instanceof BackendReplacedError) throw err;
        if (err instanceof TrialPruned) {
          return record({ status: 'pruned', score: err.bestLoss, error: err.message, backend: null });
        }
        return record({ status: 'failed', score: null, error: err instanceof Error ? err.message : String(err), backend: null });
      }
      const score = result.validationLoss;
      if (score === null || !Number.isFinite(score)) {
        return record({ status: 'failed', score: null, error: `validation loss is ${score}`, backend: result.artifact.backend.name });
      }
      return record({ status: 'completed', score, backend: result.artifact.backend.name });
    },

    /**
     * Trains the challenger and registers it as a candidate version; a retry returns the version
     * already registered, or resumes training from the last checkpoint.
     */
    async trainChallenger(request: TrainingRequest): Promise<ChallengerTraining> {
      const existing = await findVersionOfRetrain(db, request.retrainId, 'tuned');
      if (existing) return { version: existing.version, backend: existing.backend, epochsTrained: 0, resumedFromEpoch: null };
      const checkpointScope = `${request.retrainId}.challenger`;
      const data = await loadTrainingData(request);
      const result = await train(data, request.parameters, request.seed, checkpointScope);
      const version = await registerVersion(request, data, 'tuned', result.artifact);
      await artifacts.deleteCheckpoints(checkpointScope);
      return { version, backend: result.artifact.backend.name, epochsTrained: result.epochsTrained, resumedFromEpoch: result.resumedFromEpoch };
    },

    /**
     * Registers the linear baseline fitted on the split's training rows (the model evaluateChallenger
     * scores as `baselines.linear`) as a candidate version, for a retrain whose tuned challenger scored
     * below it; a retry returns the version already registered.
     */
    async registerLinearBaselineCandidate(request: CandidateRequest): Promise<ChallengerTraining> {
      const existing = await findVersionOfRetrain(db, request.retrainId, 'linear_baseline');
      if (existing) return { version: existing.version, backend: existing.backend, epochsTrained: 0, resumedFromEpoch: null };
      return whileHeartbeating(async () => {
        const data = await loadTrainingData(request);
        const baseline = await fitBaseline({ task: data.config.task, features: data.config.features, rows: data.rows, labels: data.labels });
        const artifact = await linearBaselineArtifact(baseline);
        const version = await registerVersion(request, data, 'linear_baseline', artifact);
        return { version, backend: artifact.backend.name, epochsTrained: 0, resumedFromEpoch: null };
      });
    },
  };

  /** Saves the artifact as the retrain's candidate version of this kind, with the drift reference it brings if promoted. */
  async function registerVersion(
    request: CandidateRequest,
    data: Awaited<ReturnType<typeof loadTrainingData>>,
    kind: CandidateKind,
    artifact: ModelArtifact,
  ): Promise<number> {
    // The reference is the whole training window, holdout included: cutting the most recent
    // weeks out of it would make a seasonal reference lopsided against full-length windows.
    const holdout = await readSplit(db, request.modelName, request.split, 'holdout');
    const referenceRows = [...data.rows, ...holdout.map((r) => r.features)];
    const window = data.config.monitoring.window;
    const eventTimesMs = [...data.eventTimesMs, ...holdout.map((r) => r.eventTime.getTime())];
    const { reference } = data.config;
    return registerCandidate(db, artifacts, {
      modelName: request.modelName,
      retrainId: request.retrainId,
      kind,
      workflowId: Context.current().info.workflowExecution!.workflowId,
      task: data.config.task,
      backend: artifact.backend.name,
      hyperparameters: artifact.hyperparameters,
      trainingWindow: request.split,
      // The candidate's training window becomes the drift reference if it is promoted.
      // Its chunks are window-sized, so thresholds learned from them fit the windows checked against it.
      referenceProfile: await buildReferenceProfileAsync(data.config.features, tableFromRows(referenceRows, data.config.features.map((f) => f.name)), {
        sampleLimit: data.config.drift.referenceSampleLimit,
        chunks: data.config.drift.referenceChunks,
        ...(window.kind === 'duration' ? { chunkMs: window.ms, eventTimesMs } : { chunkRows: window.rows }),
        // A seasonal reference's thresholds: each chunk against the same span one period earlier.
        ...((reference.mode === 'seasonal' || reference.mode === 'auto') && { seasonalPeriodMs: reference.periodMs, eventTimesMs }),
        binning: data.config.drift.binning,
        smoothing: data.config.drift.smoothing,
        minChunkRows: data.config.monitoring.minRows,
      }),
      artifact,
    });
  }
}

class TrialPruned extends Error {
  constructor(
    readonly epoch: number,
    readonly bestLoss: number,
    median: number,
  ) {
    super(`pruned at epoch ${epoch}: best validation loss ${bestLoss.toPrecision(4)} > median ${median.toPrecision(4)} of completed trials`);
  }
}

const INTEGER_HYPERPARAMETERS: ReadonlySet<keyof Hyperparameters> = new Set(['hiddenLayers', 'hiddenUnits', 'epochs', 'batchSize']);

function toHyperparameters(parameters: ParameterValues): Hyperparameters {
  const merged: Hyperparameters = { ...DEFAULT_HYPERPARAMETERS };
  for (const [name, value] of Object.entries(parameters)) {
    if (!(name in merged)) throw new Error(`unknown hyperparameter '${name}'`);
    const numeric = Number(value);
    merged[name as keyof Hyperparameters] = INTEGER_HYPERPARAMETERS.has(name as keyof Hyperparameters) ? Math.round(numeric) : numeric;
  }
  return merged;
}
