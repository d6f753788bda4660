/**
 * Wraps every activity of a worker: its log entries carry the model it works for, and the
 * activities that run a retrain stage have their successful attempts timed into
 * driftwatch_retrain_stage_seconds. The activity's input names the model (`modelName`).
 */
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { createOrchestrationActivities } from '../../activities/orchestration';
import type { createTrainingActivities } from '../../activities/training';
import { driftwatchMetrics, type DriftwatchMetrics, type RetrainStageMetric } from './metrics';

type ActivityName = keyof ReturnType<typeof createOrchestrationActivities> | keyof ReturnType<typeof createTrainingActivities>;

/** Only these activities each run a whole stage; the tuning stage is timed per trial, its loop runs in the workflow. */
export const RETRAIN_STAGE_OF_ACTIVITY: Partial<Record<ActivityName, RetrainStageMetric>> = {
  planRetrain: 'planning',
  runTuningTrial: 'tuning_trial',
  trainChallenger: 'training',
  registerLinearBaselineCandidate: 'training',
  evaluateChallenger: 'evaluating',
  promoteChallenger: 'promoting',
};

export function observeActivities(metrics: DriftwatchMetrics = driftwatchMetrics): ActivityInterceptorsFactory {
  return (context) => {
    let modelName: string | null = null;
    const stage = RETRAIN_STAGE_OF_ACTIVITY[context.info.activityType as ActivityName];
    return {
      inbound: {
        async execute(input, next) {
          modelName = modelNameOf(input.args[0]);
          const started = performance.now();
          const result = await next(input);
          if (stage && modelName !== null) metrics.retrainStageTimed(modelName, stage, (performance.now() - started) / 1000);
          return result;
        },
      },
      outbound: {
        getLogAttributes: (attributes, next) => next(modelName === null ? attributes : { ...attributes, model: modelName }),
      },
    };
  };
}

function modelNameOf(input: unknown): string | null {
  if (typeof input !== 'object' || input === null || !('modelName' in input)) return null;
  return typeof input.modelName === 'string' ? input.modelName : null;
}
