/** Reports, features and SVG counting shared by the page tests. */
import type { FeatureDriftResult } from '../../../src/drift';
import type { StoredDriftReport } from '../../../src/store/drift-reports';

export const HOSTILE_NAME = '<script>alert(1)</script>';

export function feature(name: string, overrides: Partial<FeatureDriftResult> = {}): FeatureDriftResult {
  return {
    feature: name, kind: 'numeric', test: 'psi', scoreKind: 'distance', measured: true, score: 0.05, threshold: 0.1, thresholdSource: 'default',
    drifted: false, status: 'ok', psi: 0.05, details: {}, currentCount: 100, referenceNullRate: 0, currentNullRate: 0, nullRateDrifted: false,
    ...overrides,
  };
}

export function report(overrides: Partial<StoredDriftReport> = {}): StoredDriftReport {
  return {
    id: 7, modelName: 'weather', championVersion: 2, windowStart: '2026-03-01T00:00:00.000Z', windowEnd: '2026-03-31T00:00:00.000Z',
    rowCount: 720, features: [feature('x1')], driftedShare: 0, datasetDrift: false, reasons: [], source: 'schedule',
    createdAt: '2026-03-31T01:00:00.000Z', asOfRowId: '1234', lateRows: 0, verdict: 'no_drift', measuredShare: 1,
    reference: { mode: 'training', rows: 721 }, performance: null, checkId: 'c1',
    ...overrides,
  };
}

/** The rendered charts of a page, in order: each figure's HTML. */
export function figures(html: string): string[] {
  return html.split('<figure class="chart">').slice(1).map((part) => part.slice(0, part.indexOf('</figure>')));
}

/** Marks vega drew with this role description ('bar', 'point', 'line', ...) in one figure. */
export function countMarks(figure: string, role: string): number {
  return figure.split(`aria-roledescription="${role}"`).length - 1;
}
