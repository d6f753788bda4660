import type { FeatureDriftResult } from '../drift';
import type { CheckedRows } from '../monitoring/drift-check';
import type { PerformanceCheck } from '../monitoring/performance';
import type { DriftVerdict } from '../policy/dataset-drift';
import type { Db } from './db';

/** What the window was compared with: the champion's training window, or rows read at check time. */
export interface ReferenceUsed {
  mode: 'training' | 'seasonal' | 'rolling';
  /** The event-time range of the rows, for seasonal and rolling references. */
  start?: string;
  end?: string;
  rows: number;
}

export interface DriftReportInput {
  modelName: string;
  championVersion: number;
  windowStart: string;
  windowEnd: string;
  rowCount: number;
  features: FeatureDriftResult[];
  driftedShare: number;
  datasetDrift: boolean;
  reasons: string[];
  source: string;
  asOfRowId: string;
  lateRows: number;
  verdict: DriftVerdict;
  measuredShare: number;
  reference: ReferenceUsed;
  performance: PerformanceCheck | null;
  /** The check that wrote it, the same in each of its retries (null for a direct call): one report per check. */
  checkId: string | null;
}

/** A report as its check wrote it: what a retry of that check answers with. */
export interface WrittenDriftReport extends DriftReportInput { id: number; createdAt: string }

/**
 * Stores the report, unless an attempt of the same check stored one first (an earlier attempt that
 * timed out but still finished): then that report stands, and is returned.
 */
export async function insertDriftReport(db: Db, report: DriftReportInput): Promise<WrittenDriftReport> {
  const result = await db.query<{ id: string; created_at: Date }>(
    `INSERT INTO drift_reports (model_name, champion_version, window_start, window_end, row_count, features,
       drifted_share, dataset_drift, reasons, source, as_of_row_id, late_rows, verdict, measured_share, reference, performance, check_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
     ON CONFLICT (model_name, check_id) DO NOTHING RETURNING id, created_at`,
    [report.modelName, report.championVersion, report.windowStart, report.windowEnd, report.rowCount,
      JSON.stringify(report.features), report.driftedShare, report.datasetDrift, JSON.stringify(report.reasons), report.source,
      report.asOfRowId, report.lateRows, report.verdict, report.measuredShare, JSON.stringify(report.reference),
      report.performance === null ? null : JSON.stringify(report.performance), report.checkId],
  );
  const inserted = result.rows[0];
  if (inserted) return { ...report, id: Number(inserted.id), createdAt: inserted.created_at.toISOString() };
  // Only a report with a check ID can conflict.
  return (await reportOfCheck(db, report.modelName, report.checkId!))!;
}

/** The report the check wrote, or null when none of its attempts got that far. */
export async function reportOfCheck(db: Db, modelName: string, checkId: string): Promise<WrittenDriftReport | null> {
  const result = await db.query<DriftReportRow>(
    'SELECT *, as_of_row_id::text AS as_of_row_id FROM drift_reports WHERE model_name = $1 AND check_id = $2',
    [modelName, checkId],
  );
  // Reports with a check ID were all written by a version that sets every field.
  return result.rows[0] ? (reportFromRow(result.rows[0]) as WrittenDriftReport) : null;
}

/** The newest report with a row-ID horizon: what it saw, so a check knows what is new or late. */
export async function latestCheck(db: Db, modelName: string): Promise<CheckedRows | null> {
  const result = await db.query<{ id: string; champion_version: number; as_of_row_id: string; window_start: Date; window_end: Date }>(
    `SELECT id, champion_version, as_of_row_id::text, window_start, window_end FROM drift_reports
     WHERE model_name = $1 AND as_of_row_id IS NOT NULL ORDER BY id DESC LIMIT 1`,
    [modelName],
  );
  const row = result.rows[0];
  return row
    ? {
        id: Number(row.id), championVersion: row.champion_version, asOfRowId: row.as_of_row_id,
        windowStart: row.window_start.toISOString(), windowEnd: row.window_end.toISOString(),
      }
    : null;
}

export interface StoredDriftReport extends Omit<DriftReportInput, 'asOfRowId' | 'verdict' | 'measuredShare' | 'reference' | 'performance'> {
  id: number;
  createdAt: string;
  asOfRowId: string | null;
  /** null for reports made before verdicts existed. */
  verdict: DriftVerdict | null;
  measuredShare: number | null;
  reference: ReferenceUsed | null;
  /** null for reports made before performance monitoring existed, or with it off. */
  performance: PerformanceCheck | null;
}

interface DriftReportRow {
  id: string; model_name: string; champion_version: number; window_start: Date; window_end: Date; row_count: number;
  features: FeatureDriftResult[]; drifted_share: number; dataset_drift: boolean; reasons: string[]; source: string; created_at: Date;
  as_of_row_id: string | null; late_rows: number; verdict: DriftVerdict | null; measured_share: number | null; reference: ReferenceUsed | null;
  performance: PerformanceCheck | null; check_id: string | null;
}

export async function listDriftReports(db: Db, modelName: string, limit = 50): Promise<StoredDriftReport[]> {
  const result = await db.query<DriftReportRow>(
    'SELECT *, as_of_row_id::text AS as_of_row_id FROM drift_reports WHERE model_name = $1 ORDER BY id DESC LIMIT $2',
    [modelName, limit],
  );
  return result.rows.map(reportFromRow);
}

export async function getDriftReport(db: Db, id: number): Promise<StoredDriftReport | null> {
  const result = await db.query<DriftReportRow>('SELECT *, as_of_row_id::text AS as_of_row_id FROM drift_reports WHERE id = $1', [id]);
  return result.rows[0] ? reportFromRow(result.rows[0]) : null;
}

function reportFromRow(r: DriftReportRow): StoredDriftReport {
  return {
    id: Number(r.id), modelName: r.model_name, championVersion: r.champion_version, windowStart: r.window_start.toISOString(),
    windowEnd: r.window_end.toISOString(), rowCount: r.row_count, features: r.features, driftedShare: r.drifted_share,
    datasetDrift: r.dataset_drift, reasons: r.reasons, source: r.source, createdAt: r.created_at.toISOString(),
    asOfRowId: r.as_of_row_id, lateRows: r.late_rows, verdict: r.verdict, measuredShare: r.measured_share, reference: r.reference,
    performance: r.performance, checkId: r.check_id,
  };
}
