/**
 * driftwatch's Prometheus metrics: one registry per process, filled by the activities (drift checks,
 * retrain endings and stages, alert deliveries) and by ingestion, and served at /metrics by the
 * worker (src/observability/metrics-server.ts) and the HTTP service. Workflows never touch them:
 * workflow code must stay deterministic, so everything is recorded where the work runs.
 *
 * Label values are bounded: models and events are few, and a check exports at most
 * FEATURES_EXPORTED features (the drifted ones first, then by PSI), replacing the previous check's.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { FEATURES_IN_RESULT, byImportance } from '../monitoring/check-summary';
import type { DeliveryOutcome } from '../alerts/deliver';
import type { DriftCheckResult } from '../../workflows/definitions';

/** Per model and check; the same cap as a check's result, which lists the features that matter most. */
export const FEATURES_EXPORTED = FEATURES_IN_RESULT;

/** Retrain stages run from milliseconds (planning) to hours (training a large model). */
const STAGE_BUCKETS_SECONDS = [0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600];

/** How a retrain ended: its recorded status, or 'skipped' when its claim was refused (one running, or the cooldown). */
export type RetrainOutcome = 'promoted' | 'rejected' | 'failed_quality_gate' | 'failed' | 'cancelled' | 'skipped';

/** The retrain stages timed at the activity that runs them. */
export type RetrainStageMetric = 'planning' | 'tuning_trial' | 'training' | 'evaluating' | 'promoting';

export type AlertDeliveryStatus = 'delivered' | 'failed' | 'refused' | 'suppressed' | 'skipped';

export interface DriftwatchMetrics {
  readonly registry: Registry;
  driftChecked(result: Pick<DriftCheckResult, 'modelName' | 'outcome' | 'verdict' | 'datasetDrift' | 'features'>): void;
  rowsIngested(modelName: string, counts: { accepted: number; rejected: number }): void;
  retrainEnded(retrain: { modelName: string; trigger: string }, outcome: RetrainOutcome): void;
  retrainStageTimed(modelName: string, stage: RetrainStageMetric, seconds: number): void;
  alertsDelivered(alert: { modelName: string; event: string }, outcome: Omit<DeliveryOutcome, 'failures'> & { failures: ReadonlyArray<{ retryable: boolean }> }): void;
}

export function createDriftwatchMetrics(registry: Registry = new Registry()): DriftwatchMetrics {
  const registers = [registry];
  const driftScore = new Gauge({
    name: 'driftwatch_drift_score',
    help: `Score of a feature's drift test in the model's latest drift check (a p-value or a distance, as the test says), `
      + `for at most ${FEATURES_EXPORTED} features per model: the drifted ones first, then by PSI.`,
    labelNames: ['model', 'feature', 'test'] as const,
    registers,
  });
  const featureDrifted = new Gauge({
    name: 'driftwatch_feature_drifted',
    help: `1 when the feature drifted in the model's latest drift check, else 0; the same ${FEATURES_EXPORTED} features per model as driftwatch_drift_score.`,
    labelNames: ['model', 'feature'] as const,
    registers,
  });
  const datasetDrift = new Gauge({
    name: 'driftwatch_dataset_drift',
    help: 'Verdict of the model\'s latest drift check: 1 when it found drift (the feature rule, or the champion\'s performance degraded), else 0.',
    labelNames: ['model'] as const,
    registers,
  });
  const notMeasured = new Gauge({
    name: 'driftwatch_drift_not_measured',
    help: 'Verdict of the model\'s latest drift check: 1 when too small a share of its features could be tested to judge drift, else 0.',
    labelNames: ['model'] as const,
    registers,
  });
  const checks = new Counter({
    name: 'driftwatch_drift_checks_total',
    help: 'Drift checks run, by outcome (checked, unchanged, no_data, no_champion) and verdict (drift, no_drift, not_measured, or none when nothing was checked).',
    labelNames: ['model', 'outcome', 'verdict'] as const,
    registers,
  });
  const ingestRows = new Counter({
    name: 'driftwatch_ingest_rows_total',
    help: 'Feature rows ingested, by result: accepted (stored) or rejected (failed validation; see ingest_rejections).',
    labelNames: ['model', 'result'] as const,
    registers,
  });
  const retrains = new Counter({
    name: 'driftwatch_retrains_total',
    help: 'Retrains ended, by trigger (drift, manual, bootstrap) and outcome (promoted, rejected, failed_quality_gate, failed, cancelled, skipped).',
    labelNames: ['model', 'trigger', 'outcome'] as const,
    registers,
  });
  const stageSeconds = new Histogram({
    name: 'driftwatch_retrain_stage_seconds',
    help: 'Duration of a retrain stage\'s activity, successful attempts only: planning, tuning_trial (one trial), training, evaluating, promoting.',
    labelNames: ['model', 'stage'] as const,
    buckets: STAGE_BUCKETS_SECONDS,
    registers,
  });
  const alertDeliveries = new Counter({
    name: 'driftwatch_alert_deliveries_total',
    help: 'Alert deliveries per route and attempt, by event and status: delivered, failed (retried), refused (destination policy), '
      + 'suppressed (route rate limit), skipped (a resolve whose trigger the route never got).',
    labelNames: ['model', 'event', 'status'] as const,
    registers,
  });
  collectDefaultMetrics({ register: registry });

  /** The feature series each model's latest check set, removed when the next check replaces them. */
  const exportedFeatures = new Map<string, Array<{ feature: string; test: string }>>();

  return {
    registry,

    driftChecked(result) {
      const model = result.modelName;
      checks.inc({ model, outcome: result.outcome, verdict: result.verdict ?? 'none' });
      // Unchanged, no data, no champion: the previous check's series still describe the latest report.
      if (result.outcome !== 'checked') return;
      datasetDrift.set({ model }, result.verdict === 'drift' ? 1 : 0);
      notMeasured.set({ model }, result.verdict === 'not_measured' ? 1 : 0);
      for (const { feature, test } of exportedFeatures.get(model) ?? []) {
        driftScore.remove({ model, feature, test });
        featureDrifted.remove({ model, feature });
      }
      const exported = [...result.features].sort(byImportance).slice(0, FEATURES_EXPORTED);
      for (const { feature, test, score, drifted } of exported) {
        // A feature that could not be tested has no score: its series is absent rather than a made-up number.
        if (score !== null) driftScore.set({ model, feature, test }, score);
        featureDrifted.set({ model, feature }, drifted ? 1 : 0);
      }
      exportedFeatures.set(model, exported.map(({ feature, test }) => ({ feature, test })));
    },

    rowsIngested(modelName, { accepted, rejected }) {
      ingestRows.inc({ model: modelName, result: 'accepted' }, accepted);
      ingestRows.inc({ model: modelName, result: 'rejected' }, rejected);
    },

    retrainEnded({ modelName, trigger }, outcome) {
      retrains.inc({ model: modelName, trigger, outcome });
    },

    retrainStageTimed(modelName, stage, seconds) {
      stageSeconds.observe({ model: modelName, stage }, seconds);
    },

    alertsDelivered({ modelName, event }, outcome) {
      const add = (status: AlertDeliveryStatus, count: number) => {
        if (count > 0) alertDeliveries.inc({ model: modelName, event, status }, count);
      };
      add('delivered', outcome.delivered);
      add('suppressed', outcome.suppressed);
      add('skipped', outcome.skipped);
      add('failed', outcome.failures.filter((failure) => failure.retryable).length);
      add('refused', outcome.failures.filter((failure) => !failure.retryable).length);
    },
  };
}

/** This process's metrics: what the activities and ingestion record, and what /metrics serves. */
export const driftwatchMetrics = createDriftwatchMetrics();

/** The Prometheus text exposition content type, for any server that mounts metricsText(). */
export const METRICS_CONTENT_TYPE = driftwatchMetrics.registry.contentType;

/** The body of a /metrics response: this process's metrics in the Prometheus text format. */
export function metricsText(): Promise<string> {
  return driftwatchMetrics.registry.metrics();
}
