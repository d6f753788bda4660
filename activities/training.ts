/**
 * Activities of the training task queue (a GPU worker serves only this queue): tuning trials and
 * the challenger's final training. Each heartbeats once per epoch.
 */
import { Context } from '@temporalio/activity';
import { buildReferenceProfile, tableFromRows } from '../src/drift';
import { DEFAULT_HYPERPARAMETERS, trainModel, type Hyperparameters, type TrainResult } from '../src/training';
import type { ParameterValues } from '../src/tuning';
import type { Db } from '../src/store/db';
import { readSplit, type DataSplit } from '../src/store/feature-store';
import { loadStoredConfig } from '../src/store/models';
import { findVersionOfRetrain, registerCandidate } from '../src/store/registry';
import { recordTrial } from '../src/store/retrains';
import type { TrialSummary } from '../workflows/definitions';

export interface TrainingDeps { db: Db }

interface TrainingRequest { retrainId: string; modelName: string; split: DataSplit; parameters: ParameterValues; seed: number }

export function createTrainingActivities({ db }: TrainingDeps) {
  async function loadTrainingData(request: TrainingRequest) {
    const config = await loadStoredConfig(db, request.modelName);
    const training = await readSplit(db, request.modelName, request.split, 'training');
    return { config, rows: training.map((r) => r.features), labels: training.map((r) => r.label as number) };
  }

  function train(data: Awaited<ReturnType<typeof loadTrainingData>>, parameters: ParameterValues, seed: number): Promise<TrainResult> {
    return trainModel({
      task: data.config.task,
      features: data.config.features,
      rows: data.rows,
      labels: data.labels,
      hyperparameters: toHyperparameters(parameters),
      seed,
      onEpoch: async (progress) => {
        Context.current().heartbeat(progress);
        // Lets the worker send the heartbeat and notice a cancellation between epochs.
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
  }

  return {
    /** One tuning trial; its score is the validation loss on the latest 20% of the training rows (lower is better). */
    async runTuningTrial(request: TrainingRequest & { trialNumber: number }): Promise<TrialSummary & { backend: string | null }> {
      const started = Date.now();
      const record = (summary: TrialSummary & { backend: string | null }) =>
        recordTrial(db, {
          retrainId: request.retrainId, trialNumber: request.trialNumber, parameters: request.parameters, status: summary.status,
          score: summary.score, durationMs: Date.now() - started, error: summary.error ?? null, backend: summary.backend,
        }).then(() => summary);
      // Failing to read the data is an outage (retried); failing to train is a result of tuning.
      const data = await loadTrainingData(request);
      let result: TrainResult;
      try {
        result = await train(data, request.parameters, request.seed + request.trialNumber);
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        return record({ trialNumber: request.trialNumber, status: 'failed', score: null, parameters: request.parameters, error, backend: null });
      }
      const score = result.validationLoss;
      return record({
        trialNumber: request.trialNumber,
        status: score === null || !Number.isFinite(score) ? 'failed' : 'completed',
        score: score !== null && Number.isFinite(score) ? score : null,
        parameters: request.parameters,
        ...(score === null || !Number.isFinite(score) ? { error: `validation loss is ${score}` } : {}),
        backend: result.artifact.backend.name,
      });
    },

    /** Trains the challenger and registers it as a candidate version; a retry returns the version already registered. */
    async trainChallenger(request: TrainingRequest): Promise<{ version: number; backend: string; epochsTrained: number }> {
      const existing = await findVersionOfRetrain(db, request.retrainId);
      if (existing) return { version: existing.version, backend: existing.backend, epochsTrained: 0 };
      const data = await loadTrainingData(request);
      const result = await train(data, request.parameters, request.seed);
      // The reference is the whole training window, holdout included: cutting the most recent
      // weeks out of it would make a seasonal reference lopsided against full-length windows.
      const holdout = await readSplit(db, request.modelName, request.split, 'holdout');
      const referenceRows = [...data.rows, ...holdout.map((r) => r.features)];
      const version = await registerCandidate(db, {
        modelName: request.modelName,
        retrainId: request.retrainId,
        task: data.config.task,
        backend: result.artifact.backend.name,
        hyperparameters: result.artifact.hyperparameters,
        trainingWindow: request.split,
        // The challenger's training window becomes the drift reference if it is promoted.
        referenceProfile: buildReferenceProfile(data.config.features, tableFromRows(referenceRows, data.config.features.map((f) => f.name)), {
          sampleLimit: data.config.drift.referenceSampleLimit,
          chunks: data.config.drift.referenceChunks,
          binning: data.config.drift.binning,
          smoothing: data.config.drift.smoothing,
          minChunkRows: data.config.monitoring.minRows,
        }),
        artifact: result.artifact,
      });
      return { version, backend: result.artifact.backend.name, epochsTrained: result.epochsTrained };
    },
  };
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
