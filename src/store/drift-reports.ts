import type { FeatureDriftResult } from '../drift';
import type { Db } from './db';

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
}

export async function insertDriftReport(db: Db, report: DriftReportInput): Promise<number> {
  const result = await db.query<{ id: string }>(
    `INSERT INTO drift_reports (model_name, champion_version, window_start, window_end, row_count, features,
       drifted_share, dataset_drift, reasons, source)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [report.modelName, report.championVersion, report.windowStart, report.windowEnd, report.rowCount,
      JSON.stringify(report.features), report.driftedShare, report.datasetDrift, JSON.stringify(report.reasons), report.source],
  );
  return Number(result.rows[0]!.id);
}

/** A window already reported against the same champion, with the same rows, needs no second report. */
export async function findSameWindowReport(
  db: Db,
  key: { modelName: string; championVersion: number; windowEnd: string; rowCount: number },
): Promise<number | null> {
  const result = await db.query<{ id: string }>(
    `SELECT id FROM drift_reports WHERE model_name = $1 AND champion_version = $2 AND window_end = $3 AND row_count = $4
     ORDER BY id DESC LIMIT 1`,
    [key.modelName, key.championVersion, key.windowEnd, key.rowCount],
  );
  const row = result.rows[0];
  return row ? Number(row.id) : null;
}

export interface StoredDriftReport extends DriftReportInput { id: number; createdAt: string }

export async function listDriftReports(db: Db, modelName: string, limit = 50): Promise<StoredDriftReport[]> {
  const result = await db.query<{
    id: string; model_name: string; champion_version: number; window_start: Date; window_end: Date; row_count: number;
    features: FeatureDriftResult[]; drifted_share: number; dataset_drift: boolean; reasons: string[]; source: string; created_at: Date;
  }>(
    'SELECT * FROM drift_reports WHERE model_name = $1 ORDER BY id DESC LIMIT $2',
    [modelName, limit],
  );
  return result.rows.map((r) => ({
    id: Number(r.id), modelName: r.model_name, championVersion: r.champion_version, windowStart: r.window_start.toISOString(),
    windowEnd: r.window_end.toISOString(), rowCount: r.row_count, features: r.features, driftedShare: r.drifted_share,
    datasetDrift: r.dataset_drift, reasons: r.reasons, source: r.source, createdAt: r.created_at.toISOString(),
  }));
}
