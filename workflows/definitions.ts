/**
 * Everything a client needs to talk to driftwatch's workflows: IDs, task queues, input and result
 * types, and the signal, query and update definitions. Deterministic code only.
 */
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DriftVerdict } from '../src/policy/dataset-drift';
import type { DriftSignature } from '../src/policy/drift-signature';
import type { BlindEpisode, DriftIncident } from '../src/policy/drift-incidents';
import type { PerformanceSummary } from '../src/monitoring/performance';
import type { PromotionDecision, ModelMetrics } from '../src/policy/promotion';
import type { QualityGateResult } from '../src/policy/quality-gate';
import type { ParameterValues } from '../src/tuning/search-space';

export type { DriftVerdict };

export const DEFAULT_TASK_QUEUE = 'driftwatch';
/**
 * Training and tuning trials run on their own queue, named after the orchestration queue, so GPU
 * workers can serve only them (and isolated deployments or test runs never share one).
 */
export const trainingTaskQueue = (orchestrationQueue: string): string => `${orchestrationQueue}-training`;

/**
 * Custom search attributes, registered at worker start (src/search-attributes.ts), so the Temporal UI
 * can list e.g. `DriftwatchModel = "seattle-rain" AND DriftwatchOutcome = "rejected"`, or every monitor
 * whose incident waits for a person: `DriftwatchIncident = "asked_person"`.
 */
export const MODEL_SEARCH_ATTRIBUTE = defineSearchAttributeKey('DriftwatchModel', SearchAttributeType.KEYWORD);
/** Retrains: their stage and outcome. */
export const STAGE_SEARCH_ATTRIBUTE = defineSearchAttributeKey('DriftwatchStage', SearchAttributeType.KEYWORD);
export const OUTCOME_SEARCH_ATTRIBUTE = defineSearchAttributeKey('DriftwatchOutcome', SearchAttributeType.KEYWORD);
/** Monitors: the verdict of the last check that judged rows, the drift incident's state, and when the last check ran. */
export const VERDICT_SEARCH_ATTRIBUTE = defineSearchAttributeKey('DriftwatchVerdict', SearchAttributeType.KEYWORD);
export const INCIDENT_SEARCH_ATTRIBUTE = defineSearchAttributeKey('DriftwatchIncident', SearchAttributeType.KEYWORD);
export const LAST_CHECK_SEARCH_ATTRIBUTE = defineSearchAttributeKey('DriftwatchLastCheck', SearchAttributeType.DATETIME);
export const SEARCH_ATTRIBUTES = [
  MODEL_SEARCH_ATTRIBUTE, STAGE_SEARCH_ATTRIBUTE, OUTCOME_SEARCH_ATTRIBUTE,
  VERDICT_SEARCH_ATTRIBUTE, INCIDENT_SEARCH_ATTRIBUTE, LAST_CHECK_SEARCH_ATTRIBUTE,
] as const;

/**
 * A monitor's drift incident as its search attribute says it: none, open (the next drifted check may
 * retrain), retraining, backing_off (challengers did not help: automatic retrains wait) or
 * asked_person (retraining_not_helping went out).
 */
export type IncidentState = 'none' | 'open' | 'retraining' | 'backing_off' | 'asked_person';

export const monitorWorkflowId = (modelName: string): string => `monitor-${modelName}`;
export const retrainWorkflowId = (modelName: string): string => `retrain-${modelName}`;
export const scheduleId = (modelName: string): string => `drift-monitor-${modelName}`;
export const rollbackWorkflowId = (modelName: string): string => `rollback-${modelName}`;

export interface RollbackInput {
  modelName: string;
  /** Default: the version that was champion before the current one. */
  toVersion?: number;
  requestedBy: string;
  /** Recorded in the alias history; required with force. */
  reason?: string;
  /** Needed to bring back a version that was turned down (a person rejected it, or it failed its evaluation). */
  force?: boolean;
}

export type RollbackResult =
  /** forcedOver: why `to` had been turned down, when the rollback was forced; else null. */
  | { outcome: 'rolled_back'; modelName: string; from: number; to: number; forcedOver: string | null }
  | { outcome: 'already_champion'; modelName: string; to: number };

export type RetrainTrigger = 'drift' | 'manual' | 'bootstrap';

export interface RetrainInput {
  modelName: string;
  /** Default 'manual'. 'drift' retrains respect the cooldown; 'manual' and 'bootstrap' do not. */
  trigger?: RetrainTrigger;
  requestedBy?: string;
  reason?: string;
  driftReportId?: number;
  /** Optional event-time range of the labelled rows to use (ISO 8601); default: the configured training window ending at the newest labelled row. */
  trainingWindow?: { from?: string; to?: string };
  /** The check behind the retrain (the monitor sets it): shown in the retrain's memo and current details. */
  drift?: DriftSummary;
}

/** A check as a person reads it at a glance: in the monitor's and a retrain's memo, and the retrain's progress. */
export interface DriftSummary {
  reportId: number | null;
  /** The drift report's page (DRIFTWATCH_REPORT_URL, by default the served page); null without a report. */
  reportUrl: string | null;
  checkedAt: string;
  verdict: DriftVerdict | null;
  /** Why the verdict is drift ("67% of the measured features; the champion's log_loss degraded"); '' otherwise. */
  cause: string;
  /** The features that matter most, drifted first: "x1: ks p-value 1.00e-3 < 0.05 (drifted)". */
  features: string[];
}

export type RetrainStage =
  | 'claiming' | 'planning' | 'tuning' | 'training' | 'evaluating' | 'deciding' | 'awaiting_approval' | 'promoting' | 'done'
  | 'skipped' | 'failed' | 'cancelled';

export interface TrialSummary {
  trialNumber: number;
  /** 'pruned': stopped by the median rule; its score is its best validation loss when it stopped. */
  status: 'completed' | 'failed' | 'pruned';
  /** Validation loss (lower is better); null for a failed trial. */
  score: number | null;
  parameters: ParameterValues;
  /** 'warm_start': evaluated before the proposals: the best configuration of an earlier tuning run (again, on this run's data), or the linear model. */
  source: 'proposed' | 'warm_start';
  epochs: number | null;
  error?: string;
}

export interface RetrainProgress {
  modelName: string;
  trigger: RetrainTrigger;
  stage: RetrainStage;
  championVersion: number | null;
  trialsTotal: number;
  trialsDone: number;
  trialsFailed: number;
  trialsPruned: number;
  /** Why tuning stopped starting trials: the trial budget or the time budget; null while tuning runs. */
  tuningStoppedBy: 'trial_budget' | 'time_budget' | null;
  bestScore: number | null;
  bestParameters: ParameterValues | null;
  challengerVersion: number | null;
  backend: string | null;
  decision: PromotionDecision | null;
  qualityGate: QualityGateResult | null;
  /** Set once the tuned challenger gave way to the linear baseline; challengerVersion is then the baseline's. */
  fallback: LinearFallback | null;
  outcome: RetrainOutcome | null;
  message: string | null;
  /** While awaiting approval: until when, and what happens then. */
  approval: { deadline: string; onTimeout: 'reject' | 'promote' } | null;
  /** The check behind the retrain, when the monitor started it. Absent from retrains of earlier versions. */
  drift?: DriftSummary | null;
}

/**
 * The tuned challenger scored below the linear baseline fitted on the same rows, or failed the quality
 * gate (qualityGate.linearFallback): it was rejected, and the baseline registered and evaluated in its place.
 */
export interface LinearFallback {
  /** The tuned challenger's version. */
  from: number;
  reason: string;
}

/** 'failed_quality_gate': the challenger was trained but is broken (below the baselines, constant, AUC <= 0.5): training failed, not "not better". */
export type RetrainOutcome = 'promoted' | 'rejected' | 'failed_quality_gate' | 'superseded' | 'skipped';

export interface RetrainResult {
  outcome: RetrainOutcome;
  modelName: string;
  reason: string;
  challengerVersion: number | null;
  championVersion: number | null;
  decision: PromotionDecision | null;
  metrics: { challenger: ModelMetrics; champion: ModelMetrics | null } | null;
  trials: TrialSummary[];
  backend: string | null;
  /** The challenger against the baselines fitted on its own training rows; null when the gate is off or nothing was trained. */
  qualityGate: QualityGateResult | null;
  /** The challenger's training: epochs run, and the checkpoint epoch a retried attempt resumed from (null: from the start). */
  training: { epochsTrained: number; resumedFromEpoch: number | null } | null;
  /** Set when the linear baseline was evaluated in place of the tuned challenger: the result is then the baseline's. */
  fallback: LinearFallback | null;
}

export const retrainProgressQuery = defineQuery<RetrainProgress>('retrainProgress');

export interface ApprovalRequest {
  /** The challenger version being approved or rejected: a stale request for another version is refused. */
  version: number;
  approver: string;
  reason?: string;
}

export interface ApprovalAnswer { version: number; verdict: 'approved' | 'rejected'; by: string }

/** A person approves the awaiting challenger (Temporal UI or `driftwatch approve`); refused unless one awaits approval. */
export const approveUpdate = defineUpdate<ApprovalAnswer, [ApprovalRequest]>('approve');
/** A person rejects the awaiting challenger. */
export const rejectUpdate = defineUpdate<ApprovalAnswer, [ApprovalRequest]>('reject');

export interface MonitorInput { modelName: string; carried?: MonitorStatus }

export interface DriftCheckRequest {
  source?: string;
  /** Start a retrain whatever the drift says (still one at a time). */
  forceRetrain?: boolean;
  requestedBy?: string;
  reason?: string;
}

/** The features of a check's report: in all, drifted, and per status (`ok`, `insufficient_data`, ...). */
export interface FeatureCounts { total: number; drifted: number; byStatus: Record<string, number> }

export interface FeatureDriftSummary {
  feature: string;
  test: string;
  scoreKind: 'p_value' | 'distance';
  score: number | null;
  threshold: number;
  /** 'reference_chunks': learned from window-sized chunks of the reference (mean + k·std). */
  thresholdSource: string;
  psi: number | null;
  drifted: boolean;
  status: string;
  /** p-value tests: the effect size (KS D, or total variation distance) and the floor it must also reach to drift. */
  effectSize?: number | null;
  effectSizeFloor?: number | null;
  /** Numeric features: the share of the window's values outside the reference's range. */
  outOfRangeShare?: number;
  /** Why a learned threshold does not apply as is (chunks of another size, none learned). */
  thresholdDetail?: string;
}


export interface DriftCheckResult {
  modelName: string;
  checkedAt: string;
  outcome: 'no_champion' | 'no_data' | 'unchanged' | 'checked';
  /** null when nothing was checked (no champion, no data, or rows already checked). */
  verdict: DriftVerdict | null;
  reportId: number | null;
  /** The drift report's page (DRIFTWATCH_REPORT_URL, by default the served page); null without a report. Absent from results of earlier versions. */
  reportUrl?: string | null;
  championVersion: number | null;
  /** `lateRows`: rows in the window that arrived after an earlier report of a window overlapping it had been made (back-dated or late). */
  window: { start: string; end: string; rows: number; lateRows: number } | null;
  /** The verdict of the feature tests alone; `verdict` is also 'drift' when the champion's performance degraded. */
  datasetDrift: boolean;
  driftedShare: number;
  /** Share of the features' weight that could be tested. */
  measuredShare: number;
  /** Labelled rows of the model up to the check's row horizon: back-off re-arms once enough new labels arrived. */
  labelledRows: number;
  /**
   * The features that matter most, at most 50 (src/monitoring/check-summary.ts): the drifted ones first,
   * then by PSI. The drift report holds every feature's result.
   */
  features: FeatureDriftSummary[];
  /** Absent from results of earlier versions, whose `features` listed every feature. */
  featureCounts?: FeatureCounts;
  /**
   * Every drifted feature, in a fixed-size signature (src/policy/drift-signature.ts): the back-off tells a
   * changed drift pattern by it. Absent from results of earlier versions, whose `features` listed every feature.
   */
  driftSignature?: DriftSignature;
  /** Realized performance of the champion on the newest labelled rows; null when off or nothing was checked. */
  performance: PerformanceSummary | null;
  reasons: string[];
  retrain: { started: boolean; workflowId: string | null; reason: string };
}

export interface ForceRetrainRequest { requestedBy: string; reason?: string }

export interface MonitorStatus {
  modelName: string;
  checks: number;
  lastCheck: DriftCheckResult | null;
  lastRetrain: { workflowId: string; trigger: RetrainTrigger; startedAt: string } | null;
  /** What the monitorStatus query adds (absent from monitors of earlier versions): the open drift incident with its back-off, and the blind-check count. */
  incident?: DriftIncident | null;
  blindness?: BlindEpisode;
}

/** Runs a drift check now and returns its result (the schedule's ticks arrive through this update). */
export const checkDriftUpdate = defineUpdate<DriftCheckResult, [DriftCheckRequest]>('checkDrift');
/**
 * Starts a retrain now, whatever the drift says, and returns its workflow ID (`started` is always true).
 * When none can start (one is already running) the update fails with an ApplicationFailure saying why.
 */
export const forceRetrainUpdate = defineUpdate<DriftCheckResult['retrain'], [ForceRetrainRequest]>('forceRetrain');
/** The `type` of the ApplicationFailure a refused forceRetrain update fails with: clients tell a refusal from other errors by it. */
export const RETRAIN_REFUSED_FAILURE = 'RetrainRefused';
/** Same as forceRetrainUpdate, for clients that can only signal. */
export const forceRetrainSignal = defineSignal<[ForceRetrainRequest]>('forceRetrain');
export const monitorStatusQuery = defineQuery<MonitorStatus>('monitorStatus');
