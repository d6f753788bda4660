/**
 * What the pages read from PostgreSQL. The report stores per-feature summaries, not the values, so the
 * drawn distributions are read again: the window's values by the report's window and row-ID horizon
 * (the rows the check saw, late ones included), and the reference as the check used it (the
 * champion's stored reference, or the seasonal or rolling span read under the same horizon).
 */
import { countCategories, decodeFloat64, readCategoricalColumn, readNumericColumn, sortedCopy } from '../drift/columns';
import type { FeatureDriftResult, FeatureReference, ReferenceProfile } from '../drift';
import type { Db } from '../store/db';
import type { StoredDriftReport } from '../store/drift-reports';
import { getDriftReport, listDriftReports } from '../store/drift-reports';
import { readWindowColumn, type FeatureWindow } from '../store/feature-store';
import { loadStoredConfig } from '../store/models';
import { getVersionLineage, listAliases, listVersions, withReferenceValues } from '../store/registry';
import { listRetrains } from '../store/retrains';
import { listTrials } from '../store/trials';
import { categoryShares, ecdf, sharedBins } from './distributions';
import { DRAWN_FEATURES, inPageOrder, type DatasetRule, type DriftReportPageData, type FeatureDistribution } from './drift-report-page';
import type { ModelPageData } from './model-page';
import type { RetrainPageData } from './retrain-page';

/** How many of the newest checks the model page draws. */
export const TREND_CHECKS = 30;

export async function loadDriftReportPage(db: Db, id: number): Promise<DriftReportPageData | null> {
  const report = await getDriftReport(db, id);
  if (!report) return null;
  const profile = await referenceProfileOf(db, report.modelName, report.championVersion);
  const distributions = new Map<string, FeatureDistribution>();
  for (const feature of inPageOrder(report.features).slice(0, DRAWN_FEATURES)) {
    distributions.set(feature.feature, await distributionOf(db, report, profile, feature));
  }
  return { report, rule: await datasetRuleOf(db, report.modelName), distributions };
}

async function referenceProfileOf(db: Db, modelName: string, version: number): Promise<ReferenceProfile | null> {
  const result = await db.query<{ reference_profile: ReferenceProfile }>(
    'SELECT reference_profile FROM model_versions WHERE model_name = $1 AND version = $2',
    [modelName, version],
  );
  return result.rows[0]?.reference_profile ?? null;
}

/** The rule as configured now; null when the stored config no longer parses (the page says so). */
async function datasetRuleOf(db: Db, modelName: string): Promise<DatasetRule | null> {
  try {
    const config = await loadStoredConfig(db, modelName);
    return { ...config.driftRule, minMeasuredShare: config.monitoring.minMeasuredShare };
  } catch {
    return null;
  }
}

type Side = { kind: 'numeric'; values: Float64Array; sampled: boolean } | { kind: 'categorical'; counts: Map<string, number> };

async function distributionOf(
  db: Db, report: StoredDriftReport, profile: ReferenceProfile | null, feature: FeatureDriftResult,
): Promise<FeatureDistribution> {
  if (report.asOfRowId === null) {
    return { kind: 'unavailable', reason: 'the report predates row-ID horizons, so the rows its check saw cannot be read again' };
  }
  const windowSpan: FeatureWindow = { start: report.windowStart, end: report.windowEnd, rowCount: report.rowCount, asOfRowId: report.asOfRowId };
  const window = columnSide(feature.kind, (await readWindowColumn(db, report.modelName, windowSpan, feature.feature)).values);
  const reference = await referenceSide(db, report, profile, feature);
  if (typeof reference === 'string') return { kind: 'unavailable', reason: reference };
  if (window.kind === 'numeric' && reference.kind === 'numeric') {
    return {
      kind: 'numeric', bins: sharedBins(reference.values, window.values), ecdf: ecdf(reference.values, window.values),
      referenceValues: reference.values.length, windowValues: window.values.length, referenceSampled: reference.sampled,
    };
  }
  if (window.kind === 'categorical' && reference.kind === 'categorical') {
    return {
      kind: 'categorical', categories: categoryShares(Object.fromEntries(reference.counts), window.counts),
      referenceValues: total(reference.counts), windowValues: total(window.counts),
    };
  }
  return { kind: 'unavailable', reason: `the reference stores ${feature.feature} as ${reference.kind}, the report as ${feature.kind}` };
}

/** The reference's values as the check compared with them, or why they cannot be drawn. */
async function referenceSide(db: Db, report: StoredDriftReport, profile: ReferenceProfile | null, feature: FeatureDriftResult): Promise<Side | string> {
  const used = report.reference;
  if (used && used.mode !== 'training' && used.start && used.end && report.asOfRowId !== null) {
    const span: FeatureWindow = { start: used.start, end: used.end, rowCount: used.rows, asOfRowId: report.asOfRowId };
    return columnSide(feature.kind, (await readWindowColumn(db, report.modelName, span, feature.feature)).values);
  }
  if (!profile) return `champion v${report.championVersion} is no longer in the registry`;
  const stored: FeatureReference | undefined = Object.hasOwn(profile.features, feature.feature) ? profile.features[feature.feature] : undefined;
  if (!stored) return `${feature.feature} is not in the reference profile of v${report.championVersion}`;
  if (stored.kind === 'categorical') return { kind: 'categorical', counts: new Map(Object.entries(stored.counts)) };
  const withValues = await withReferenceValues(db, report.modelName, report.championVersion, feature.feature, stored);
  if (withValues.kind !== 'numeric' || withValues.sortedValues === '') return `the reference values of ${feature.feature} are not stored`;
  return { kind: 'numeric', values: decodeFloat64(withValues.sortedValues), sampled: !withValues.complete };
}

function columnSide(kind: FeatureDriftResult['kind'], values: unknown[]): Side {
  if (kind === 'numeric') return { kind, values: sortedCopy(readNumericColumn(values).values), sampled: false };
  return { kind, counts: countCategories(readCategoricalColumn(values).values) };
}

function total(counts: ReadonlyMap<string, number>): number {
  return [...counts.values()].reduce((sum, n) => sum + n, 0);
}

export async function loadModelPage(db: Db, model: string, checks = TREND_CHECKS): Promise<ModelPageData | null> {
  const exists = await db.query('SELECT 1 FROM models WHERE name = $1', [model]);
  if (exists.rowCount === 0) return null;
  const versions = [];
  for (const { version } of await listVersions(db, model)) {
    const lineage = await getVersionLineage(db, model, version);
    if (lineage) versions.push(lineage);
  }
  return {
    model, versions, reports: await listDriftReports(db, model, checks), retrains: await listRetrains(db, model), aliases: await listAliases(db, model),
  };
}

export async function loadRetrainPage(db: Db, id: string): Promise<RetrainPageData | null> {
  const result = await db.query<{
    id: string; workflow_id: string; model_name: string; trigger: string; requested_by: string | null; reason: string | null;
    drift_report_id: string | null; status: string; plan: Record<string, unknown> | null; result: Record<string, unknown> | null;
    started_at: Date; finished_at: Date | null; closed_reason: string | null;
  }>('SELECT * FROM retrains WHERE id = $1', [id]);
  const row = result.rows[0];
  if (!row) return null;
  const versions = await db.query<{ version: number; candidate_kind: string; status: string; created_at: Date; promoted_at: Date | null }>(
    'SELECT version, candidate_kind, status, created_at, promoted_at FROM model_versions WHERE retrain_id = $1 ORDER BY version',
    [id],
  );
  const events = await db.query<{ event: string; version: number; created_at: Date }>(
    'SELECT event, version, created_at FROM model_events WHERE retrain_id = $1 ORDER BY id',
    [id],
  );
  return {
    retrain: {
      id: row.id, workflowId: row.workflow_id, modelName: row.model_name, trigger: row.trigger, requestedBy: row.requested_by, reason: row.reason,
      driftReportId: row.drift_report_id === null ? null : Number(row.drift_report_id), status: row.status, plan: row.plan, result: row.result,
      startedAt: row.started_at.toISOString(), finishedAt: row.finished_at?.toISOString() ?? null, closedReason: row.closed_reason,
    },
    trials: await listTrials(db, row.model_name, { retrainId: id }),
    versions: versions.rows.map((v) => ({
      version: v.version, kind: v.candidate_kind, status: v.status, createdAt: v.created_at.toISOString(), promotedAt: v.promoted_at?.toISOString() ?? null,
    })),
    events: events.rows.map((e) => ({ event: e.event, version: e.version, at: e.created_at.toISOString() })),
  };
}
