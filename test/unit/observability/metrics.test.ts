import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FEATURES_EXPORTED, createDriftwatchMetrics } from '../../../src/observability/metrics';
import type { FeatureDriftSummary } from '../../../workflows/definitions';

function feature(name: string, overrides: Partial<FeatureDriftSummary> = {}): FeatureDriftSummary {
  return {
    feature: name, test: 'psi', scoreKind: 'distance', score: 0.05, threshold: 0.2, thresholdSource: 'test_default',
    psi: 0.05, drifted: false, status: 'ok', ...overrides,
  };
}

function checked(modelName: string, features: FeatureDriftSummary[], verdict: 'drift' | 'no_drift' | 'not_measured' = 'no_drift') {
  return { modelName, outcome: 'checked' as const, verdict, datasetDrift: verdict === 'drift', features };
}

async function valueOf(metrics: ReturnType<typeof createDriftwatchMetrics>, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = await metrics.registry.getSingleMetric(name)!.get();
  return metric.values.find((v) => Object.entries(labels).every(([key, value]) => v.labels[key] === value))?.value;
}

describe('drift check metrics', () => {
  it('sets each feature\'s score and drifted flag and the dataset verdict from the check\'s summary', async () => {
    const metrics = createDriftwatchMetrics(new Registry());
    metrics.driftChecked(checked('rain', [
      feature('temp_max', { test: 'ks', scoreKind: 'p_value', score: 1e-12, psi: 2.4, drifted: true, status: 'drifted' }),
      feature('wind', { score: 0.01, psi: 0.01 }),
    ], 'drift'));

    expect(await valueOf(metrics, 'driftwatch_drift_score', { model: 'rain', feature: 'temp_max', test: 'ks' })).toBe(1e-12);
    expect(await valueOf(metrics, 'driftwatch_drift_score', { model: 'rain', feature: 'wind', test: 'psi' })).toBe(0.01);
    expect(await valueOf(metrics, 'driftwatch_feature_drifted', { model: 'rain', feature: 'temp_max' })).toBe(1);
    expect(await valueOf(metrics, 'driftwatch_feature_drifted', { model: 'rain', feature: 'wind' })).toBe(0);
    expect(await valueOf(metrics, 'driftwatch_dataset_drift', { model: 'rain' })).toBe(1);
    expect(await valueOf(metrics, 'driftwatch_drift_not_measured', { model: 'rain' })).toBe(0);
    expect(await valueOf(metrics, 'driftwatch_drift_checks_total', { model: 'rain', outcome: 'checked', verdict: 'drift' })).toBe(1);
  });

  it('replaces the previous check\'s feature series, and keeps them when a check found nothing new', async () => {
    const metrics = createDriftwatchMetrics(new Registry());
    metrics.driftChecked(checked('rain', [feature('old_feature'), feature('kept', { score: 0.3 })]));
    metrics.driftChecked({ modelName: 'rain', outcome: 'unchanged', verdict: null, datasetDrift: false, features: [] });
    expect(await valueOf(metrics, 'driftwatch_drift_score', { feature: 'old_feature' })).toBe(0.05);

    metrics.driftChecked(checked('rain', [feature('kept', { score: 0.1 })], 'not_measured'));
    expect(await valueOf(metrics, 'driftwatch_drift_score', { feature: 'old_feature' })).toBeUndefined();
    expect(await valueOf(metrics, 'driftwatch_feature_drifted', { feature: 'old_feature' })).toBeUndefined();
    expect(await valueOf(metrics, 'driftwatch_drift_score', { feature: 'kept' })).toBe(0.1);
    expect(await valueOf(metrics, 'driftwatch_drift_not_measured', { model: 'rain' })).toBe(1);
    expect(await valueOf(metrics, 'driftwatch_drift_checks_total', { outcome: 'unchanged', verdict: 'none' })).toBe(1);
    expect(await valueOf(metrics, 'driftwatch_drift_checks_total', { outcome: 'checked', verdict: 'no_drift' })).toBe(1);
  });

  it('leaves out the score of a feature that could not be tested, but says it did not drift', async () => {
    const metrics = createDriftwatchMetrics(new Registry());
    metrics.driftChecked(checked('rain', [feature('empty', { score: null, psi: null, status: 'insufficient_data' })]));
    expect(await valueOf(metrics, 'driftwatch_drift_score', { feature: 'empty' })).toBeUndefined();
    expect(await valueOf(metrics, 'driftwatch_feature_drifted', { feature: 'empty' })).toBe(0);
  });

  it(`exports at most ${FEATURES_EXPORTED} features per model: the drifted ones first, then by PSI`, async () => {
    const metrics = createDriftwatchMetrics(new Registry());
    const many = Array.from({ length: FEATURES_EXPORTED + 20 }, (_, i) => feature(`f${i}`, { psi: i / 1000 }));
    many[0] = feature('f0', { psi: 0, drifted: true });
    metrics.driftChecked(checked('wide', many));

    const series = (await metrics.registry.getSingleMetric('driftwatch_drift_score')!.get()).values;
    expect(series).toHaveLength(FEATURES_EXPORTED);
    const exported = new Set(series.map((v) => v.labels.feature));
    expect(exported.has('f0')).toBe(true);
    expect(exported.has(`f${FEATURES_EXPORTED + 19}`)).toBe(true);
    expect(exported.has('f1')).toBe(false);
  });
});

describe('counters', () => {
  it('count ingested rows, retrain endings, stage durations and alert deliveries', async () => {
    const metrics = createDriftwatchMetrics(new Registry());
    metrics.rowsIngested('rain', { accepted: 90, rejected: 10 });
    metrics.rowsIngested('rain', { accepted: 5, rejected: 0 });
    metrics.retrainEnded({ modelName: 'rain', trigger: 'drift' }, 'promoted');
    metrics.retrainEnded({ modelName: 'rain', trigger: 'drift' }, 'promoted');
    metrics.retrainEnded({ modelName: 'rain', trigger: 'manual' }, 'skipped');
    metrics.retrainStageTimed('rain', 'training', 12);
    metrics.alertsDelivered({ modelName: 'rain', event: 'drift_detected' }, {
      delivered: 2, suppressed: 1, skipped: 0, failures: [{ retryable: true }, { retryable: false }],
    });

    expect(await valueOf(metrics, 'driftwatch_ingest_rows_total', { model: 'rain', result: 'accepted' })).toBe(95);
    expect(await valueOf(metrics, 'driftwatch_ingest_rows_total', { model: 'rain', result: 'rejected' })).toBe(10);
    expect(await valueOf(metrics, 'driftwatch_retrains_total', { trigger: 'drift', outcome: 'promoted' })).toBe(2);
    expect(await valueOf(metrics, 'driftwatch_retrains_total', { trigger: 'manual', outcome: 'skipped' })).toBe(1);
    expect(await valueOf(metrics, 'driftwatch_alert_deliveries_total', { event: 'drift_detected', status: 'delivered' })).toBe(2);
    expect(await valueOf(metrics, 'driftwatch_alert_deliveries_total', { status: 'suppressed' })).toBe(1);
    expect(await valueOf(metrics, 'driftwatch_alert_deliveries_total', { status: 'failed' })).toBe(1);
    expect(await valueOf(metrics, 'driftwatch_alert_deliveries_total', { status: 'refused' })).toBe(1);
    // A status that did not happen is no series, not a zero: Prometheus' absent() tells them apart.
    expect(await valueOf(metrics, 'driftwatch_alert_deliveries_total', { status: 'skipped' })).toBeUndefined();

    const text = await metrics.registry.metrics();
    expect(text).toContain('driftwatch_retrain_stage_seconds_bucket{le="15",model="rain",stage="training"} 1');
    expect(text).toContain('driftwatch_retrain_stage_seconds_bucket{le="5",model="rain",stage="training"} 0');
    expect(text).toContain('driftwatch_retrain_stage_seconds_sum{model="rain",stage="training"} 12');
  });

  it('expose every series with its HELP text and the Node process metrics', async () => {
    const metrics = createDriftwatchMetrics(new Registry());
    metrics.driftChecked(checked('rain', [feature('temp_max', { score: 0.42 })]));
    const text = await metrics.registry.metrics();
    expect(text).toContain('driftwatch_drift_score{model="rain",feature="temp_max",test="psi"} 0.42');
    expect(text).toMatch(/# HELP driftwatch_drift_score .*at most 50 features per model/);
    for (const name of ['driftwatch_drift_checks_total', 'driftwatch_ingest_rows_total', 'driftwatch_retrains_total',
      'driftwatch_retrain_stage_seconds', 'driftwatch_alert_deliveries_total', 'driftwatch_dataset_drift', 'driftwatch_feature_drifted']) {
      expect(text).toContain(`# HELP ${name} `);
    }
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});
