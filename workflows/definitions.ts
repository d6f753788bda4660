/**
 * Everything a client needs to talk to driftwatch's workflows: IDs, task queues, input and result
 * types, and the signal, query and update definitions. Deterministic code only.
 */
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PromotionDecision, ModelMetrics } from '../src/policy/promotion';
import type { ParameterValues } from '../src/tuning/search-space';

export const DEFAULT_TASK_QUEUE = 'driftwatch';
/**
 * Training and tuning trials run on their own queue, named after the orchestration queue, so GPU
 * workers can serve only them (and isolated deployments or test runs never share one).
 */
export const trainingTaskQueue = (orchestrationQueue: string): string => `${orchestrationQueue}-training`;

/**
 * Custom search attributes, registered at worker start (src/search-attributes.ts), so the Temporal UI
 * can list e.g. `DriftwatchModel = "seattle-rain" AND DriftwatchOutcome = "rejected"`.
 */
export const MODEL_SEARCH_ATTRIBUTE = defineSearchAttributeKey('DriftwatchModel', SearchAttributeType.KEYWORD);
export const STAGE_SEARCH_ATTRIBUTE = defineSearchAttributeKey('DriftwatchStage', SearchAttributeType.KEYWORD);
export const OUTCOME_SEARCH_ATTRIBUTE = defineSearchAttributeKey('DriftwatchOutcome', SearchAttributeType.KEYWORD);
export const SEARCH_ATTRIBUTES = [MODEL_SEARCH_ATTRIBUTE, STAGE_SEARCH_ATTRIBUTE, OUTCOME_SEARCH_ATTRIBUTE] as const;

export const monitorWorkflowId = (modelName: string): string => `monitor-${modelName}`;
export const retrainWorkflowId = (modelName: string): string => `retrain-${modelName}`;
export const scheduleId = (modelName: string): string => `drift-monitor-${modelName}`;
export const rollbackWorkflowId = (modelName: string): string => `rollback-${modelName}`;

export interface RollbackInput {
  modelName: string;
  /** Default: the version that was champion before the current one. */
  toVersion?: number;
  requestedBy: string;
  reason?: string;
}

export type RollbackResult =
  | { outcome: 'rolled_back'; modelName: string; from: number; to: number }
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
}

export type RetrainStage =
  | 'claiming' | 'planning' | 'tuning' | 'training' | 'evaluating' | 'deciding' | 'awaiting_approval' | 'promoting' | 'done'
  | 'skipped' | 'failed';

export interface TrialSummary {
  trialNumber: number;
  /** 'pruned': stopped by the median rule; its score is its best validation loss when it stopped. */
  status: 'completed' | 'failed' | 'pruned';
  /** Validation loss (lower is better); null for a failed trial. */
  score: number | null;
  parameters: ParameterValues;
  /** 'warm_start': the best configuration of an earlier tuning run, evaluated again on this run's data. */
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
  outcome: RetrainOutcome | null;
  message: string | null;
  /** While awaiting approval: until when, and what happens then. */
  approval: { deadline: string; onTimeout: 'reject' | 'promote' } | null;
}

export type RetrainOutcome = 'promoted' | 'rejected' | 'superseded' | 'skipped';

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
  /** The challenger's training: epochs run, and the checkpoint epoch a retried attempt resumed from (null: from the start). */
  training: { epochsTrained: number; resumedFromEpoch: number | null } | null;
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

export interface FeatureDriftSummary {
  feature: string;
  test: string;
  scoreKind: 'p_value' | 'distance';
  score: number | null;
  threshold: number;
  psi: number | null;
  drifted: boolean;
  status: string;
}

export interface DriftCheckResult {
  modelName: string;
  checkedAt: string;
  outcome: 'no_champion' | 'no_data' | 'unchanged' | 'checked';
  reportId: number | null;
  championVersion: number | null;
  window: { start: string; end: string; rows: number } | null;
  datasetDrift: boolean;
  driftedShare: number;
  features: FeatureDriftSummary[];
  reasons: string[];
  retrain: { started: boolean; workflowId: string | null; reason: string };
}

export interface ForceRetrainRequest { requestedBy: string; reason?: string }

export interface MonitorStatus {
  modelName: string;
  checks: number;
  lastCheck: DriftCheckResult | null;
  lastRetrain: { workflowId: string; trigger: RetrainTrigger; startedAt: string } | null;
}

/** Runs a drift check now and returns its result (the schedule's ticks arrive through this update). */
export const checkDriftUpdate = defineUpdate<DriftCheckResult, [DriftCheckRequest]>('checkDrift');
/** Starts a retrain now, whatever the drift says; returns the retrain workflow ID or why none started. */
export const forceRetrainUpdate = defineUpdate<DriftCheckResult['retrain'], [ForceRetrainRequest]>('forceRetrain');
/** Same as forceRetrainUpdate, for clients that can only signal. */
export const forceRetrainSignal = defineSignal<[ForceRetrainRequest]>('forceRetrain');
export const monitorStatusQuery = defineQuery<MonitorStatus>('monitorStatus');
