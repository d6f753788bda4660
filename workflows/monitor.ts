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
import {
  incidentAfterCheck,
  incidentAfterPromotion,
  type DriftIncident,
  type IncidentTransition,
} from '../src/policy/drift-incidents';
import { sendAlert, type AlertContent } from './alerting';
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
  type RetrainResult,
  type RetrainTrigger,
} from './definitions';
import { retrainWorkflow } from './retrain';

const orchestration = proxyActivities<ReturnType<typeof createOrchestrationActivities>>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['UnknownModelError'] },
});

/** Keeps the history small: a long-lived monitor starts afresh after this many handled requests. */
const REQUESTS_PER_RUN = 200;

/** What the monitor keeps, and carries across continue-as-new: its status and the open drift incident. */
export type MonitorState = MonitorStatus & { incident: DriftIncident | null };

/** A monitor run's working context: its state, the request queue and the alert queue. */
interface Monitor {
  modelName: string;
  state: MonitorState;
  /** Runs work after everything queued before it (checks, requests, reactions to retrain results). */
  enqueue<T>(work: () => Promise<T>): Promise<T>;
  /** Queues an alert behind the earlier ones without waiting for it (a trigger is never overtaken by its resolve). */
  notify(alert: AlertContent, occurrence: string): void;
}

/**
 * The per-model monitor: a long-lived workflow (ID `monitor-<model>`) that serialises every drift
 * check and retrain request of one model, so two schedule ticks, or a tick racing a manual trigger,
 * can never start two retrains. The schedule's ticks arrive as `checkDrift` updates.
 *
 * It also keeps the model's drift incident: the first drifted check opens it and alerts, later
 * drifted checks only count in it, and a clean check or a new champion resolves it.
 */
export async function modelMonitorWorkflow(input: MonitorInput & { carried?: MonitorStatus & { incident?: DriftIncident | null } }): Promise<void> {
  const carried = input.carried;
  const state: MonitorState = carried
    ? { ...carried, incident: carried.incident ?? null }
    : { modelName: input.modelName, checks: 0, lastCheck: null, lastRetrain: null, incident: null };
  let handled = 0;
  // Handlers run concurrently with each other; chaining them one after another keeps decisions
  // about "is a retrain running" sequential.
  let queue: Promise<unknown> = Promise.resolve();
  // Alerts go out in order, behind the update that caused them: a dead sink delays later alerts,
  // never the answer to a drift check.
  let alerting: Promise<void> = Promise.resolve();
  const monitor: Monitor = {
    modelName: input.modelName,
    state,
    enqueue<T>(work: () => Promise<T>): Promise<T> {
      const next = queue.then(work);
      queue = next.catch(() => undefined);
      return next;
    },
    notify(alert, occurrence) {
      alerting = alerting.then(() => sendAlert(alert, occurrence));
    },
  };
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    handled += 1;
    return monitor.enqueue(work);
  };

  setHandler(checkDriftUpdate, (request) => serialised(() => checkDrift(monitor, request)));
  setHandler(
    forceRetrainUpdate,
    (request) => serialised(() => forceRetrain(monitor, request)),
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
    serialised(() => forceRetrain(monitor, request)).catch((err: unknown) => {
      log.warn('forceRetrain signal failed', { error: err instanceof Error ? err.message : String(err) });
    });
  });
  setHandler(monitorStatusQuery, () => state);

  await condition(() => handled >= REQUESTS_PER_RUN || workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await queue;
  await alerting;
  await continueAsNew<typeof modelMonitorWorkflow>({ modelName: input.modelName, carried: state });
}

function validateForceRetrain(request: ForceRetrainRequest): void {
  if (typeof request?.requestedBy !== 'string' || request.requestedBy.trim() === '') {
    throw new Error('forceRetrain needs a non-empty "requestedBy" (who asks for the retrain)');
  }
}

async function checkDrift(monitor: Monitor, request: DriftCheckRequest): Promise<DriftCheckResult> {
  const { modelName, state } = monitor;
  const computation = await orchestration.computeDrift({ modelName, source: request.source ?? 'manual' });
  const { retrainBlockedBy, ...report } = computation;
  let retrain: DriftCheckResult['retrain'];
  if (report.outcome === 'no_champion' || report.outcome === 'no_data') {
    retrain = { started: false, workflowId: null, reason: report.reasons.join('; ') };
  } else if (request.forceRetrain) {
    retrain = await startRetrain(monitor, 'manual', {
      requestedBy: request.requestedBy, reason: request.reason, driftReportId: report.reportId ?? undefined,
    });
  } else if (report.outcome === 'unchanged') {
    retrain = { started: false, workflowId: null, reason: 'no new rows since the last report of this window' };
  } else if (!report.datasetDrift) {
    retrain = { started: false, workflowId: null, reason: 'no dataset drift' };
  } else if (retrainBlockedBy) {
    retrain = { started: false, workflowId: null, reason: retrainBlockedBy };
  } else {
    retrain = await startRetrain(monitor, 'drift', { reason: report.reasons.join('; '), driftReportId: report.reportId ?? undefined });
  }
  const result: DriftCheckResult = { ...report, retrain };
  state.checks += 1;
  state.lastCheck = result;
  const step = incidentAfterCheck(modelName, state.incident, report);
  state.incident = step.incident;
  for (const transition of step.transitions) alertTransition(monitor, transition, result);
  return result;
}

/** The alert of an incident's transition: drift_detected opens it, drift_resolved closes it, nothing in between. */
function alertTransition(monitor: Monitor, transition: IncidentTransition, check: DriftCheckResult | null, retrainResult?: RetrainResult): void {
  const { modelName } = monitor;
  const { incident } = transition;
  if (transition.kind === 'ongoing') {
    log.info('drift continues in the open incident; not alerting again', { incident: incident.dedupKey, checks: incident.driftedChecks });
    return;
  }
  if (transition.kind === 'opened' && check) {
    const { retrain } = check;
    monitor.notify({
      modelName,
      event: 'drift_detected',
      severity: 'warning',
      summary: `Drift detected on ${modelName} (window ${check.window?.start} → ${check.window?.end}, ${check.window?.rows} rows, `
        + `champion v${check.championVersion}): ${check.reasons.join('; ')}. `
        + `Retrain: ${retrain.started ? `started (${retrain.workflowId})` : `not started (${retrain.reason})`}`,
      details: {
        reportId: check.reportId, window: check.window, championVersion: check.championVersion, driftedShare: check.driftedShare,
        features: check.features.filter((f) => f.drifted), retrain, incident,
      },
      incident: { dedupKey: incident.dedupKey, action: 'trigger' },
      driftReportId: check.reportId,
    }, `incident-${incident.id}`);
    return;
  }
  if (transition.kind !== 'resolved') return;
  const cause = transition.reason === 'drift_cleared'
    ? `drift report #${transition.reportId} finds no dataset drift`
    : `a new champion${transition.championVersion === null ? '' : ` (v${transition.championVersion})`} replaced v${incident.championVersion}`;
  monitor.notify({
    modelName,
    event: 'drift_resolved',
    // Keeps the severity of the drift it closes, so it reaches every route the trigger reached.
    severity: 'warning',
    summary: `Drift on ${modelName} resolved: ${cause}. The incident opened ${incident.openedAt} by drift report `
      + `#${incident.firstReportId} spanned ${incident.driftedChecks} drifted check${incident.driftedChecks === 1 ? '' : 's'}.`,
    details: {
      reason: transition.reason, resolvedAt: transition.at, reportId: transition.reportId, championVersion: transition.championVersion,
      incident,
      ...(retrainResult ? { metrics: retrainResult.metrics, decision: retrainResult.decision, retrain: retrainWorkflowId(modelName) } : {}),
    },
    incident: { dedupKey: incident.dedupKey, action: 'resolve' },
    driftReportId: transition.reportId ?? incident.lastReportId,
  }, `incident-${incident.id}-resolved`);
}

async function forceRetrain(monitor: Monitor, request: ForceRetrainRequest): Promise<DriftCheckResult['retrain']> {
  return startRetrain(monitor, 'manual', { requestedBy: request.requestedBy, reason: request.reason });
}

async function startRetrain(
  monitor: Monitor,
  trigger: RetrainTrigger,
  details: { requestedBy?: string; reason?: string; driftReportId?: number },
): Promise<DriftCheckResult['retrain']> {
  const { modelName, state } = monitor;
  const workflowId = retrainWorkflowId(modelName);
  let child;
  try {
    // ABANDON: the retrain outlives this monitor run (and its continue-as-new).
    child = await startChild(retrainWorkflow, {
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
  state.lastRetrain = { workflowId, trigger, startedAt: new Date(Date.now()).toISOString() };
  // A promotion resolves the drift incident at once. If this run continues as new first, the next
  // check resolves it instead (it sees another champion).
  child.result().then(
    (result) => monitor.enqueue(async () => onRetrainFinished(monitor, result)),
    () => undefined,
  ).catch((err: unknown) => log.warn('reacting to the retrain result failed', { error: err instanceof Error ? err.message : String(err) }));
  return { started: true, workflowId, reason: trigger === 'manual' ? `requested by ${details.requestedBy ?? 'unknown'}` : 'dataset drift' };
}

function onRetrainFinished(monitor: Monitor, result: RetrainResult): void {
  if (result.outcome !== 'promoted' || result.challengerVersion === null) return;
  const step = incidentAfterPromotion(monitor.state.incident, result.challengerVersion, new Date(Date.now()).toISOString());
  monitor.state.incident = step.incident;
  for (const transition of step.transitions) alertTransition(monitor, transition, null, result);
}
