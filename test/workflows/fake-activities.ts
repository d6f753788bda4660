/**
 * A fake activity set for running the real workflows without PostgreSQL or training: computeDrift
 * answers from a per-model script of checks, every retrain ends with a challenger worse than the
 * champion (rejected), and alerts are recorded instead of delivered.
 */
import type { createOrchestrationActivities } from '../../activities/orchestration';
import type { createTrainingActivities } from '../../activities/training';
import type { RetrainBackoff } from '../../src/config';
import type { MonitorPolicy } from '../../src/monitoring/drift-check';
import type { AlertRequest } from '../../src/alerts/payload';
import type { ReleasedClaim } from '../../src/policy/retrain-claims';
import type { FeatureDriftSummary } from '../../workflows/definitions';

type Orchestration = ReturnType<typeof createOrchestrationActivities>;
type Training = ReturnType<typeof createTrainingActivities>;
export type Check = Awaited<ReturnType<Orchestration['computeDrift']>>;

const DAY_MS = 24 * 60 * 60 * 1000;
export const BACKOFF: RetrainBackoff = { initialMs: 7 * DAY_MS, multiplier: 2, maxMs: 90 * DAY_MS, askAfterRejections: 3, rearmLabelledRows: 200 };

/** Event time `days` days after 2026-01-01, as the window end of a check. */
export const day = (days: number): string => new Date(Date.UTC(2026, 0, 1) + days * DAY_MS).toISOString();

let reportIds = 0;

function feature(name: string, drifted: boolean, status = 'ok'): FeatureDriftSummary {
  const score = status === 'ok' ? (drifted ? 0.001 : 0.5) : null;
  return { feature: name, test: 'ks', scoreKind: 'p_value', score, threshold: 0.05, thresholdSource: 'default', psi: null, drifted, status };
}

function checked(modelName: string, windowEnd: string, fields: Partial<Check>, policy: MonitorPolicy): Check {
  reportIds += 1;
  return {
    modelName, checkedAt: new Date().toISOString(), outcome: 'checked', verdict: 'no_drift', reportId: reportIds, championVersion: 1,
    window: { start: new Date(Date.parse(windowEnd) - DAY_MS).toISOString(), end: windowEnd, rows: 100, lateRows: 0 },
    datasetDrift: false, driftedShare: 0, measuredShare: 1, labelledRows: 1000, features: [feature('x1', false), feature('x2', false), feature('x3', false)], performance: null,
    reasons: ['0 of 3 features drifted'], retrainBlockedBy: null, policy, ...fields,
  };
}

/** Builds the scripted results of one model's checks with its policy. */
export function checksOf(modelName: string, policy: { blindAlertAfter?: number; backoff?: Partial<RetrainBackoff> | null } = {}) {
  const full: MonitorPolicy = {
    blindAlertAfter: policy.blindAlertAfter ?? 3,
    backoff: policy.backoff === null ? null : { ...BACKOFF, ...policy.backoff },
  };
  return {
    drifted(windowEnd: string, options: { features?: string[]; labelledRows?: number } = {}): Check {
      const driftedFeatures = options.features ?? ['x1', 'x2'];
      return checked(modelName, windowEnd, {
        verdict: 'drift', datasetDrift: true, driftedShare: driftedFeatures.length / 3, labelledRows: options.labelledRows ?? 1000,
        features: ['x1', 'x2', 'x3'].map((name) => feature(name, driftedFeatures.includes(name))),
        reasons: [`${driftedFeatures.length} of 3 features drifted`],
      }, full);
    },
    /** The features are clean, the champion's performance left its band: a concept shift. */
    performanceDegraded(windowEnd: string, degraded: Array<'loss' | 'calibration'> = ['loss']): Check {
      return checked(modelName, windowEnd, {
        verdict: 'drift',
        performance: {
          status: 'degraded', metric: 'log_loss', labelledRows: 90, loss: 0.9, calibration: 0.3, degraded, lossUpper: 0.7, calibrationBand: [-0.2, 0.2],
          reason: `performance degraded (${degraded.join(' and ')}): log_loss 0.900 on 90 labelled rows`,
        },
        reasons: ['0 of 3 features drifted', `performance degraded (${degraded.join(' and ')})`],
      }, full);
    },
    clean(windowEnd: string): Check {
      return checked(modelName, windowEnd, {}, full);
    },
    notMeasured(windowEnd: string): Check {
      return checked(modelName, windowEnd, {
        verdict: 'not_measured', measuredShare: 0,
        features: ['x1', 'x2', 'x3'].map((name) => feature(name, false, 'insufficient_data')),
        reasons: ['0 of 3 features could be tested (x1, x2, x3: insufficient_data, 7 rows < minRows 30)', 'suggested window: 30d'],
      }, full);
    },
  };
}

export interface FakeWorld {
  orchestration: Partial<Orchestration>;
  training: Partial<Training>;
  /** The next computeDrift results of a model, in order. */
  script(modelName: string, ...checks: Check[]): void;
  alerts(modelName: string): AlertRequest[];
  /** Retrains that reached claimRetrain, per model. */
  retrainsStarted(modelName: string): number;
  /** Claims released by the retrains' own endings (failed, cancelled), per model. */
  released(modelName: string): ReleasedClaim[];
}

export function createFakeWorld(): FakeWorld {
  const scripts = new Map<string, Check[]>();
  const alerts: AlertRequest[] = [];
  const retrains = new Map<string, number>();
  const claims = new Map<string, { modelName: string; workflowId: string }>();
  const released: ReleasedClaim[] = [];
  let versions = 1;
  const orchestration = {
    async computeDrift({ modelName }) {
      const next = scripts.get(modelName)?.shift();
      if (!next) throw new Error(`no scripted check left for ${modelName}`);
      return next;
    },
    async reconcileRetrainClaims() {
      return null;
    },
    async claimRetrain({ retrainId, workflowId, modelName }) {
      retrains.set(modelName, (retrains.get(modelName) ?? 0) + 1);
      claims.set(retrainId, { modelName, workflowId });
      return { claimed: true };
    },
    async planRetrain({ modelName }) {
      return {
        modelName, championVersion: 1, seed: 1, heartbeatTimeoutMs: 60_000, approval: null,
        split: { asOfRowId: '1', from: day(0), to: day(1), holdoutStart: null, trainingRows: 800, holdoutRows: 200 },
        tuning: {
          trials: 1, parallelism: 1, timeBudgetMs: null, strategy: 'random', initialRandomTrials: 1, warmStartRuns: 0, pruning: null,
          space: {}, warmStart: { configurations: [], earlierRuns: [] },
        },
        promotion: { metric: 'log_loss', minImprovement: 0, requireConfidentImprovement: false, guardrail: null },
      };
    },
    async proposeTrials() {
      return [{}];
    },
    async recordFailedTrial() {},
    async evaluateChallenger() {
      return { holdoutRows: 200, challenger: { log_loss: 0.7 }, champion: { log_loss: 0.5 }, bootstrap: null, guardrail: null };
    },
    async rejectChallenger() {},
    async promoteChallenger() {
      throw new Error('the fake world never promotes');
    },
    async finishRetrain() {},
    async releaseRetrainClaim({ retrainId, status, reason }) {
      const claim = claims.get(retrainId);
      if (!claim) return null;
      const release: ReleasedClaim = { retrainId, ...claim, status, reason, withdrawnVersions: [] };
      released.push(release);
      return release;
    },
    async deliverAlert(request) {
      alerts.push(request);
      return { delivered: 1, suppressed: 0, skipped: 0 };
    },
  } satisfies Partial<Orchestration>;
  const training = {
    async runTuningTrial({ trialNumber, parameters, source }) {
      return { trialNumber, status: 'completed', score: 0.5, parameters, source, epochs: 1, backend: 'fake' };
    },
    async trainChallenger() {
      versions += 1;
      return { version: versions, backend: 'fake', epochsTrained: 1, resumedFromEpoch: null };
    },
  } satisfies Partial<Training>;
  return {
    orchestration,
    training,
    script(modelName, ...checks) {
      scripts.set(modelName, [...(scripts.get(modelName) ?? []), ...checks]);
    },
    alerts: (modelName) => alerts.filter((a) => a.modelName === modelName),
    retrainsStarted: (modelName) => retrains.get(modelName) ?? 0,
    released: (modelName) => released.filter((claim) => claim.modelName === modelName),
  };
}
