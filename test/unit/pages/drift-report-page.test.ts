import { describe, expect, it } from 'vitest';
import { categoryShares, ecdf, sharedBins } from '../../../src/pages/distributions';
import { DRAWN_FEATURES, explainVerdict, renderDriftReportPage, type DatasetRule, type FeatureDistribution } from '../../../src/pages/drift-report-page';
import { countMarks, feature, figures, HOSTILE_NAME, report } from './fixtures';

const RULE: DatasetRule = { minDriftedShare: 0.3, anyPsiAtLeast: 0.25, minMeasuredShare: 0.5 };
const sorted = (n: number, shift: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) + shift).sort();

function numeric(bins: number): FeatureDistribution {
  const [reference, window] = [sorted(300, 0), sorted(200, 1)];
  return { kind: 'numeric', bins: sharedBins(reference, window, bins), ecdf: ecdf(reference, window), referenceValues: 300, windowValues: 200, referenceSampled: false };
}

describe('the drift report page', () => {
  it('draws overlaid histograms with a bar per side and bin, an ECDF for KS features, and grouped bars per category', async () => {
    const html = await renderDriftReportPage({
      report: report({
        features: [
          feature('x1', { test: 'ks', scoreKind: 'p_value', score: 1e-9, threshold: 0.05, drifted: true, effectSize: 0.4, effectSizeFloor: 0.1, effectSizeFloorSource: 'constant' }),
          feature('x2'),
          feature('segment', { kind: 'categorical', test: 'chi_square', scoreKind: 'p_value', score: 0.4, threshold: 0.05 }),
        ],
      }),
      rule: RULE,
      distributions: new Map([
        ['x1', numeric(20)],
        ['x2', numeric(12)],
        ['segment', { kind: 'categorical', categories: categoryShares({ a: 2, b: 2 }, new Map([['a', 1], ['c', 1]])), referenceValues: 4, windowValues: 2 }],
      ]),
    });
    const charts = figures(html);
    // x1 (drifted, listed first): histogram and ECDF; x2: histogram only (PSI); segment: grouped bars.
    expect(charts).toHaveLength(4);
    expect(countMarks(charts[0]!, 'bar')).toBe(40);
    expect(countMarks(charts[1]!, 'line mark')).toBe(2);
    expect(countMarks(charts[2]!, 'bar')).toBe(24);
    expect(countMarks(charts[3]!, 'bar')).toBe(6);
    for (const chart of charts) {
      expect(chart).toMatch(/^<svg role="img" aria-label="[^"]+" [^>]*><title>[^<]+<\/title>/);
      expect(chart).toContain('<table>');
    }
    expect(html).toContain('<title>Drift report #7 of weather · driftwatch</title>');
  });

  it('escapes every name and reason that came from users', async () => {
    const hostile = feature(HOSTILE_NAME, { drifted: true, statusDetail: `<img src=x onerror=alert(2)>`, thresholdDetail: '"><b>' });
    const html = await renderDriftReportPage({
      report: report({ features: [hostile], reasons: [`${HOSTILE_NAME}: PSI 0.4 ≥ 0.25`], source: '<i>cli</i>' }),
      rule: RULE,
      distributions: new Map([[HOSTILE_NAME, numeric(5)]]),
    });
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<i>cli');
    expect(html).not.toContain('"><b>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('says why a feature has no chart', async () => {
    const html = await renderDriftReportPage({
      report: report({ features: [feature('x1', { measured: false, score: null, status: 'missing_column', statusDetail: 'absent' })] }),
      rule: RULE,
      distributions: new Map([['x1', { kind: 'unavailable', reason: 'x1 is not in the reference profile of v2' }]]),
    });
    expect(figures(html)).toHaveLength(0);
    expect(html).toContain('No distribution to draw: x1 is not in the reference profile of v2');
    expect(html).toContain('not measured</span>');
  });
  it('draws the first DRAWN_FEATURES features, drifted first, and lists the rest in the table', async () => {
    const features = Array.from({ length: DRAWN_FEATURES + 5 }, (_, i) => feature(`f${i}`, { drifted: i === DRAWN_FEATURES + 4 }));
    const html = await renderDriftReportPage({
      report: report({ features }), rule: RULE, distributions: new Map(features.map((f) => [f.feature, numeric(4)])),
    });
    expect(figures(html)).toHaveLength(DRAWN_FEATURES);
    expect(html).toContain(`data-feature="f${DRAWN_FEATURES + 4}"`);
    expect(html).not.toContain(`data-feature="f${DRAWN_FEATURES + 3}"`);
    expect(html).toContain(`<td>f${DRAWN_FEATURES + 3}</td>`);
    expect(html).toContain(`5 more features are in the table above; the page draws the first ${DRAWN_FEATURES}, drifted first.`);
  });
});

describe('explainVerdict', () => {
  it('sets the drifted share against the rule and names the drifted features', () => {
    const lines = explainVerdict(report({
      features: [feature('x1', { drifted: true, psi: 0.4 }), feature('x2'), feature('x3', { measured: false, score: null, status: 'all_null' })],
      driftedShare: 0.5, verdict: 'drift', datasetDrift: true, measuredShare: 2 / 3,
    }), RULE);
    expect(lines[0]).toBe('1 of 2 measured features drifted: x1, a weighted share of 50%; the rule calls the dataset drifted at 30% or more (drift.rule.driftedShare): met.');
    expect(lines[1]).toBe('Any feature with PSI ≥ 0.25 drifts the dataset (drift.rule.anyPsiAtLeast): x1 (PSI 0.4).');
    expect(lines[2]).toMatch(/^67% of the features' weight could be tested; below 50% \(monitoring.minMeasuredShare\)/);
  });

  it('says the rule was not met when too few features drifted', () => {
    const [first] = explainVerdict(report({ features: [feature('x1'), feature('x2')], driftedShare: 0 }), RULE);
    expect(first).toMatch(/^0 of 2 measured features drifted, a weighted share of 0%; .*: not met\.$/);
  });

  it('names degraded performance as the cause of a drift verdict the features did not give', () => {
    const lines = explainVerdict(report({
      verdict: 'drift',
      performance: {
        status: 'degraded', metric: 'log_loss', labelledRows: 200, loss: 0.9, calibration: null, reference: null, lossUpper: 0.5,
        calibrationBand: null, degraded: ['loss'], reason: 'log loss 0.9 above its band 0.5',
      },
    }), RULE);
    expect(lines.at(-1)).toBe('The champion\'s realised performance degraded, which is drift whatever the features say: log loss 0.9 above its band 0.5');
  });

  it('says when the rule cannot be read', () => {
    expect(explainVerdict(report(), null)[0]).toContain('the model\'s dataset rule could not be read from its stored config');
  });
});
