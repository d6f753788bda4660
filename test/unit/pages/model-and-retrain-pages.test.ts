import { describe, expect, it } from 'vitest';
import type { VersionLineage } from '../../../src/store/registry';
import type { StoredTrial } from '../../../src/store/trials';
import { renderModelPage, scoreTrends } from '../../../src/pages/model-page';
import { renderRetrainPage, retrainStages, tuningCurve, type RetrainPageData } from '../../../src/pages/retrain-page';
import { countMarks, feature, figures, HOSTILE_NAME, report } from './fixtures';

function lineage(version: number, decision: Record<string, unknown> | null): VersionLineage {
  return {
    version, status: version === 2 ? 'champion' : 'archived', task: 'binary_classification', backend: 'wasm', hyperparameters: {},
    trainingWindow: { asOfRowId: '10', from: '2026-01-01T00:00:00.000Z', to: '2026-01-31T00:00:00.000Z', holdoutStart: null, trainingRows: 540, holdoutRows: 180 },
    metrics: null, decision, artifact: { uri: null, sha256: 'x' },
    retrain: { id: `run-${version}`, workflowId: 'retrain-weather', trigger: version === 1 ? 'bootstrap' : 'drift', requestedBy: null, reason: null },
    driftReport: version === 1 ? null : { id: 3, windowStart: '2026-03-01T00:00:00.000Z', windowEnd: '2026-03-31T00:00:00.000Z', driftedShare: 0.5, reasons: [] },
    aliases: version === 2 ? ['champion'] : [], createdAt: '2026-02-01T00:00:00.000Z', promotedAt: '2026-02-01T00:05:00.000Z',
  };
}

const interval = { improvement: 0.05, lower: 0.01, upper: 0.09, confidence: 0.95 };

describe('the model page', () => {
  const reports = [3, 2, 1].map((id) => report({
    id, createdAt: `2026-03-0${id}T00:00:00.000Z`,
    features: [
      feature('x1', { test: 'ks', scoreKind: 'p_value', score: id === 3 ? 0 : 0.5, threshold: 0.05, drifted: id === 3 }),
      feature(HOSTILE_NAME, id === 1 ? { measured: false, score: null, status: 'all_null' } : {}),
    ],
  }));

  it('turns p-values into −log10 p, a p-value of 0 included, and leaves out checks that did not measure a feature', () => {
    const trends = scoreTrends(reports);
    const x1 = trends.get('x1')!;
    expect(x1.points.map((p) => p.reportId)).toEqual([1, 2, 3]);
    expect(x1.points.map((p) => p.score)).toEqual([-Math.log10(0.5), -Math.log10(0.5), 300]);
    expect(x1.points[0]!.threshold).toBeCloseTo(-Math.log10(0.05));
    expect(trends.get(HOSTILE_NAME)!.points.map((p) => p.reportId)).toEqual([2, 3]);
  });

  it('draws a trend per feature with a point per check, and each decision\'s interval', async () => {
    const html = await renderModelPage({
      model: 'weather', reports, retrains: [], aliases: { champion: 2 },
      versions: [lineage(1, { promote: true, metric: 'log_loss', reasons: ['no champion yet'], bootstrap: null }),
        lineage(2, { promote: true, metric: 'log_loss', minImprovement: 0, improvement: 0.05, reasons: ['better'], bootstrap: interval })],
    });
    const charts = figures(html);
    expect(charts).toHaveLength(3);
    expect(countMarks(charts[0]!, 'point')).toBe(3);
    expect(countMarks(charts[1]!, 'point')).toBe(2);
    expect(countMarks(charts[2]!, 'point')).toBe(1);
    expect(html).not.toContain('<script');
    expect(html).toContain('Not stored: the open drift incident and the retrain back-off');
    expect(html).toContain('href="/reports/3"');
  });
});

function trial(trialNumber: number, score: number | null, status: StoredTrial['status']): StoredTrial {
  return {
    retrainId: 'run-2', workflowId: 'retrain-weather', trialNumber, parameters: { learningRate: 0.01 }, status, score, durationMs: 2000,
    error: status === 'failed' ? HOSTILE_NAME : null, backend: 'wasm', epochs: 3, source: 'proposed', createdAt: `2026-03-05T00:00:0${trialNumber}.000Z`,
  };
}

function retrainData(): RetrainPageData {
  return {
    retrain: {
      id: 'run-2', workflowId: 'retrain-weather', modelName: 'weather', trigger: 'drift', requestedBy: null, reason: HOSTILE_NAME, driftReportId: 3,
      status: 'promoted', plan: { split: { trainingRows: 540, holdoutRows: 180, from: 'a', to: 'b' } },
      result: {
        outcome: 'promoted', reason: 'better', challengerVersion: 2, championVersion: 1,
        decision: { promote: true, metric: 'log_loss', minImprovement: 0, improvement: 0.05, reasons: ['log_loss: challenger 0.4 vs champion 0.45'], bootstrap: interval },
        metrics: { challenger: { log_loss: 0.4 }, champion: { log_loss: 0.45 } }, qualityGate: { passed: true, reasons: [] },
      },
      startedAt: '2026-03-05T00:00:00.000Z', finishedAt: '2026-03-05T00:01:00.000Z', closedReason: null,
    },
    trials: [trial(1, 0.6, 'completed'), trial(2, 0.7, 'pruned'), trial(3, null, 'failed'), trial(4, 0.5, 'completed')],
    versions: [{ version: 2, kind: 'tuned', status: 'champion', createdAt: '2026-03-05T00:00:30.000Z', promotedAt: '2026-03-05T00:00:50.000Z' }],
    events: [{ event: 'promoted', version: 2, at: '2026-03-05T00:00:50.000Z' }],
  };
}

describe('the retrain page', () => {
  it('draws the best loss so far over the completed trials, and every scored trial', () => {
    expect(tuningCurve(retrainData().trials)).toEqual([
      { trial: 1, loss: 0.6, bestSoFar: 0.6, status: 'completed' },
      { trial: 2, loss: 0.7, bestSoFar: 0.6, status: 'pruned' },
      { trial: 4, loss: 0.5, bestSoFar: 0.5, status: 'completed' },
    ]);
  });

  it('lists the stages with the times PostgreSQL holds', () => {
    expect(retrainStages(retrainData()).map((s) => [s.stage, s.at])).toEqual([
      ['claimed', '2026-03-05T00:00:00.000Z'],
      ['planned', null],
      ['tuning', '2026-03-04T23:59:59.000Z'],
      ['trained v2', '2026-03-05T00:00:30.000Z'],
      ['promoted v2', '2026-03-05T00:00:50.000Z'],
      ['ended', '2026-03-05T00:01:00.000Z'],
    ]);
  });

  it('renders the tuning curve and the decision\'s interval, escaped', async () => {
    const html = await renderRetrainPage(retrainData());
    const charts = figures(html);
    expect(charts).toHaveLength(2);
    expect(countMarks(charts[0]!, 'point')).toBe(3);
    expect(countMarks(charts[1]!, 'point')).toBe(1);
    expect(html).toContain('log_loss: challenger 0.4 vs champion 0.45');
    expect(html).not.toContain('<script');
  });
});
