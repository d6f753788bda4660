import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createOrchestrationActivities } from '../activities/orchestration';
import { sendAlert } from './alerting';
import {
  checkDriftUpdate,
  forceRetrainSignal,
  forceRetrainUpdate,
  monitorStatusQuery,
  retrainWorkflowId,
  type DriftCheckRequest,
  type DriftCheckResult,
  type ForceRetrainRequest,
  type MonitorInput,
  type MonitorStatus,
  type RetrainTrigger,
} from './definitions';
import { retrainWorkflow } from './retrain';

const orchestration = proxyActivities<ReturnType<typeof createOrchestrationActivities>>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['UnknownModelError'] },
});

/** Keeps the history small: a long-lived monitor starts afresh after this many handled requests. */
const REQUESTS_PER_RUN = 200;

/**
 * The per-model monitor: a long-lived workflow (ID `monitor-<model>`) that serialises every drift
 * check and retrain request of one model, so two schedule ticks, or a tick racing a manual trigger,
 * can never start two retrains. The schedule's ticks arrive as `checkDrift` updates.
 */
export async function modelMonitorWorkflow(input: MonitorInput): Promise<void> {
  const status: MonitorStatus = input.carried ?? { modelName: input.modelName, checks: 0, lastCheck: null, lastRetrain: null };
  let handled = 0;
  // Handlers run concurrently with each other; chaining them one after another keeps decisions
  // about "is a retrain running" sequential.
  let queue: Promise<unknown> = Promise.resolve();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    handled += 1;
    return next;
  };

  setHandler(checkDriftUpdate, (request) => serialised(() => checkDrift(input.modelName, request, status)));
  setHandler(
    forceRetrainUpdate,
    (request) => serialised(() => forceRetrain(input.modelName, request, status)),
    { validator: validateForceRetrain },
  );
  setHandler(forceRetrainSignal, (request) => {
    // A signal cannot answer with an error, and throwing here would fail the workflow task.
    try {
      validateForceRetrain(request);
    } catch (err) {
      log.warn('ignored forceRetrain signal', { error: (err as Error).message });
      return;
    }
    serialised(() => forceRetrain(input.modelName, request, status)).catch((err: unknown) => {
      log.warn('forceRetrain signal failed', { error: err instanceof Error ? err.message : String(err) });
    });
  });
  setHandler(monitorStatusQuery, () => status);

  await condition(() => handled >= REQUESTS_PER_RUN || workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof modelMonitorWorkflow>({ modelName: input.modelName, carried: status });
}

function validateForceRetrain(request: ForceRetrainRequest): void {
  if (typeof request?.requestedBy !== 'string' || request.requestedBy.trim() === '') {
    throw new Error('forceRetrain needs a non-empty "requestedBy" (who asks for the retrain)');
  }
}

async function checkDrift(modelName: string, request: DriftCheckRequest, status: MonitorStatus): Promise<DriftCheckResult> {
  const computation = await orchestration.computeDrift({ modelName, source: request.source ?? 'manual' });
  const { retrainBlockedBy, ...report } = computation;
  let retrain: DriftCheckResult['retrain'];
  if (report.outcome === 'no_champion' || report.outcome === 'no_data') {
    retrain = { started: false, workflowId: null, reason: report.reasons.join('; ') };
  } else if (request.forceRetrain) {
    retrain = await startRetrain(modelName, 'manual', status, {
      requestedBy: request.requestedBy, reason: request.reason, driftReportId: report.reportId ?? undefined,
    });
  } else if (report.outcome === 'unchanged') {
    retrain = { started: false, workflowId: null, reason: 'no new rows since the last report of this window' };
  } else if (!report.datasetDrift) {
    retrain = { started: false, workflowId: null, reason: 'no dataset drift' };
  } else if (retrainBlockedBy) {
    retrain = { started: false, workflowId: null, reason: retrainBlockedBy };
  } else {
    retrain = await startRetrain(modelName, 'drift', status, { reason: report.reasons.join('; '), driftReportId: report.reportId ?? undefined });
  }
  const result: DriftCheckResult = { ...report, retrain };
  status.checks += 1;
  status.lastCheck = result;
  if (report.outcome === 'checked' && report.datasetDrift) {
    await sendAlert({
      modelName,
      event: 'drift_detected',
      severity: 'warning',
      summary: `Drift detected on ${modelName} (window ${report.window?.start} → ${report.window?.end}, ${report.window?.rows} rows): ${report.reasons.join('; ')}. Retrain: ${retrain.started ? `started (${retrain.workflowId})` : `not started (${retrain.reason})`}`,
      details: { reportId: report.reportId, window: report.window, driftedShare: report.driftedShare, features: report.features.filter((f) => f.drifted), retrain },
    }, `report-${report.reportId}`);
  }
  return result;
}

async function forceRetrain(modelName: string, request: ForceRetrainRequest, status: MonitorStatus): Promise<DriftCheckResult['retrain']> {
  return startRetrain(modelName, 'manual', status, { requestedBy: request.requestedBy, reason: request.reason });
}

async function startRetrain(
  modelName: string,
  trigger: RetrainTrigger,
  status: MonitorStatus,
  details: { requestedBy?: string; reason?: string; driftReportId?: number },
): Promise<DriftCheckResult['retrain']> {
  const workflowId = retrainWorkflowId(modelName);
  try {
    // ABANDON: the retrain outlives this monitor run (and its continue-as-new).
    await startChild(retrainWorkflow, {
      workflowId,
      args: [{ modelName, trigger, ...details }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return { started: false, workflowId, reason: `retrain ${workflowId} is already running` };
    }
    throw err;
  }
  status.lastRetrain = { workflowId, trigger, startedAt: new Date(Date.now()).toISOString() };
  return { started: true, workflowId, reason: trigger === 'manual' ? `requested by ${details.requestedBy ?? 'unknown'}` : 'dataset drift' };
}
