/** The PostgreSQL side of one model's drift check (src/monitoring/drift-check.ts). */
import type { MonitoringWindow } from '../config';
import type { DriftCheckStore } from '../monitoring/drift-check';
import { predict } from '../training';
import type { ArtifactStore } from './artifacts';
import type { Db } from './db';
import { insertDriftReport, latestCheck, reportOfCheck } from './drift-reports';
import {
  countLabelledRows,
  lateRowsSince,
  latestLabelledRows,
  latestWindow,
  newestEventTimes,
  readWindowColumns,
  startOfRowsBefore,
  windowBetween,
} from './feature-store';
import { getChampionReference, getVersionArtifact, getVersionPerformanceReference, withReferenceValues } from './registry';
import { cooldownUntil, runningRetrain } from './retrains';

export function createDriftCheckStore(db: Db, artifacts: ArtifactStore, modelName: string, window: MonitoringWindow): DriftCheckStore {
  return {
    champion: () => getChampionReference(db, modelName),
    referenceValues: (version, feature, stored) => withReferenceValues(db, modelName, version, feature, stored),
    latestWindow: () => latestWindow(db, modelName, window),
    windowBetween: (start, end, asOfRowId) => windowBetween(db, modelName, start, end, asOfRowId),
    startOfRowsBefore: (before, asOfRowId, rows) => startOfRowsBefore(db, modelName, before, asOfRowId, rows),
    latestCheck: () => latestCheck(db, modelName),
    reportOfCheck: (checkId) => reportOfCheck(db, modelName, checkId),
    lateRowsSince: (previous, asOfRowId) => lateRowsSince(db, modelName, previous, asOfRowId),
    windowColumns: (featureWindow, features, options) => readWindowColumns(db, modelName, featureWindow, features, options),
    labelledRows: (asOfRowId) => countLabelledRows(db, modelName, asOfRowId),
    latestLabelledRows: (asOfRowId) => latestLabelledRows(db, modelName, window, asOfRowId),
    performanceReference: (version) => getVersionPerformanceReference(db, modelName, version),
    async predict(version, rows) {
      return predict(await getVersionArtifact(db, artifacts, modelName, version), rows);
    },
    newestEventTimes: (limit) => newestEventTimes(db, modelName, limit),
    insertReport: (report) => insertDriftReport(db, report),
    async retrainBlocker(cooldownMs) {
      const running = await runningRetrain(db, modelName);
      if (running) return `retrain ${running.workflowId} is already running`;
      const until = await cooldownUntil(db, modelName, cooldownMs);
      return until ? `cooling down until ${until} after the last retrain` : null;
    },
  };
}
