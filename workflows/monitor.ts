import {
  ApplicationFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createOrchestrationActivities } from '../activities/orchestration';
import type { MonitorPolicy } from '../src/monitoring/drift-check';
import {
  SEEING,
  blindnessAfterCheck,
  incidentAfterCheck,
  incidentAfterPromotion,
  type BlindEpisode,
  type BlindTransition,
  type DriftIncident,
  type IncidentTransition,
} from '../src/policy/drift-incidents';
import {
  FRESH_BACKOFF,
  backoffCapMs,
  describeRearmCause,
  describeRearming,
  gateDriftRetrain,
  retrainNotBefore,
  rearmManually,
  recordRejectedRetrain,
  type RejectedRetrain,
  type DriftedCheck,
  type RetrainBackoff,
  type RetrainGate,
} from '../src/policy/retrain-backoff';
import { signatureOf, unionOf } from '../src/policy/drift-signature';
import { DRIFT_CHECK_ACTIVITY } from '../src/policy/retries';
import { releasedClaimAlert } from '../src/policy/retrain-claims';
import { sendAlert, type AlertContent } from './alerting';
import {
  CHECK_NOW_INPUT,
  FORCE_RETRAIN_INPUT,
  driftCause,
  monitorDetails,
  monitorMemo,
  monitorSearchAttributes,
  summariseDrift,
  type MonitorView,
} from './control-panel';
import {
  RETRAIN_REFUSED_FAILURE,
  checkDriftUpdate,
  forceRetrainSignal,
  forceRetrainUpdate,
  monitorStatusQuery,
  retrainWorkflowId,
  type DriftCheckRequest,
  type DriftCheckResult,
  type DriftSummary,
  type ForceRetrainRequest,
  type MonitorInput,
  type MonitorStatus,
  type RetrainResult,
  type RetrainTrigger,
} from './definitions';
import { retrainWorkflow } from './retrain';

const orchestration = proxyActivities<ReturnType<typeof createOrchestrationActivities>>(DRIFT_CHECK_ACTIVITY);

/** Keeps the history small: a long-lived monitor starts afresh after this many handled requests. */
const REQUESTS_PER_RUN = 200;

/**
 * What the monitor keeps, and carries across continue-as-new: its status, the open drift incident
 * (with its retrain back-off), the blind episode (`blindness.notMeasuredChecks`, `blindness.blind`),
 * the policy of the latest check (null before the first) and the latest check that judged rows
 * (`judged`: what the Temporal UI shows while later checks find no new rows).
 */
export type MonitorState = MonitorStatus & {
  incident: DriftIncident | null; blindness: BlindEpisode; policy: MonitorPolicy | null; judged: DriftCheckResult | null;
};

/** State carried by runs of earlier versions lacks the newer fields. */
type CarriedState = MonitorStatus & {
  incident?: (Omit<DriftIncident, 'retrains'> & Partial<Pick<DriftIncident, 'retrains'>>) | null;
  blindness?: BlindEpisode;
  policy?: MonitorPolicy | null;
  judged?: DriftCheckResult | null;
};

/** The retrain this monitor started and awaits: its result feeds the incident's back-off. */
interface RetrainInFlight {
  runId: string;
  /** The incident open when it started: only a rejection inside the same incident counts. */
  incidentId: string | null;
  /** Window end, window span and labelled rows of the check it started from (the latest check for a forced retrain). */
  dataTime: string | null;
  windowSpanMs: number | null;
  labelledRows: number;
}

/** A monitor run's working context: its state, the request queue and the alert queue. */
interface Monitor {
  modelName: string;
  state: MonitorState;
  retrainInFlight: RetrainInFlight | null;
  /** Runs work after everything queued before it (checks, requests, reactions to retrain results). */
  enqueue<T>(work: () => Promise<T>): Promise<T>;
  /** Queues an alert behind the earlier ones without waiting for it (a trigger is never overtaken by its resolve). */
  notify(alert: AlertContent, occurrence: string): void;
  /** Shows the state in the Temporal UI: memo, search attributes and current details. */
  show(): void;
}

/**
 * The per-model monitor: a long-lived workflow (ID `monitor-<model>`) that serialises every drift
 * check and retrain request of one model, so two schedule ticks, or a tick racing a manual trigger,
 * can never start two retrains. The schedule's ticks arrive as `checkDrift` updates.
 *
 * It also keeps the model's drift incident: the first drifted check opens it and alerts, later
 * drifted checks only count in it, and a clean check or a new champion resolves it. Inside an
 * incident, challengers that do not help back the next retrain off and, after enough of them, stop
 * automatic retrains and ask a person (src/policy/retrain-backoff.ts). Consecutive checks that
 * could not measure drift make a blind episode, alerted once (monitor_blind).
 */
export async function modelMonitorWorkflow(input: MonitorInput & { carried?: CarriedState }): Promise<void> {
  const carried = input.carried;
  const state: MonitorState = carried
    ? {
      ...carried,
      incident: carried.incident ? { ...carried.incident, retrains: carried.incident.retrains ?? FRESH_BACKOFF } : null,
      blindness: carried.blindness ?? SEEING,
      policy: carried.policy ?? null,
      judged: carried.judged ?? (carried.lastCheck?.outcome === 'checked' ? carried.lastCheck : null),
    }
    : { modelName: input.modelName, checks: 0, lastCheck: null, lastRetrain: null, incident: null, blindness: SEEING, policy: null, judged: null };
  let handled = 0;
  // Handlers run concurrently with each other; chaining them one after another keeps decisions
  // about "is a retrain running" sequential.
  let queue: Promise<unknown> = Promise.resolve();
  // Alerts go out in order, behind the update that caused them: a dead sink delays later alerts,
  // never the answer to a drift check.
  let alerting: Promise<void> = Promise.resolve();
  // What this run last upserted: unchanged memo and search attributes add no events to the history.
  let shown = { memo: '', searchAttributes: '' };
  const monitor: Monitor = {
    modelName: input.modelName,
    state,
    retrainInFlight: null,
    enqueue<T>(work: () => Promise<T>): Promise<T> {
      const next = queue.then(work);
      queue = next.catch(() => undefined);
      return next;
    },
    notify(alert, occurrence) {
      alerting = alerting.then(() => sendAlert(alert, occurrence));
    },
    show() {
      const view = viewOf(monitor);
      const memo = monitorMemo(view);
      const searchAttributes = monitorSearchAttributes(view);
      const now = { memo: JSON.stringify(memo), searchAttributes: JSON.stringify(searchAttributes) };
      if (now.memo !== shown.memo) upsertMemo(memo);
      if (now.searchAttributes !== shown.searchAttributes) upsertSearchAttributes(searchAttributes);
      shown = now;
      setCurrentDetails(monitorDetails(view));
    },
  };
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    handled += 1;
    return monitor.enqueue(work);
  };

  setHandler(checkDriftUpdate, (request) => serialised(() => checkDrift(monitor, request)), {
    description: 'Runs a drift check of the model now and answers with its result: verdict, drift report ID and page, the features '
      + 'that matter with score and threshold, and whether a retrain started. Input (every field optional): '
      + `${JSON.stringify(CHECK_NOW_INPUT)}; add "forceRetrain": true to retrain whatever the drift says.`,
  });
  setHandler(
    forceRetrainUpdate,
    (request) => serialised(() => forceRetrain(monitor, request)),
    {
      validator: validateForceRetrain,
      description: 'Starts a retrain of the model now, whatever the drift says, and re-arms a backed-off drift incident. '
        + 'Answers with the retrain\'s workflow ID; fails, saying why, when none can start (one is already running). '
        + `Input ("requestedBy" required, "reason" optional): ${JSON.stringify(FORCE_RETRAIN_INPUT)}`,
    },
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
  }, {
    description: 'The forceRetrain update for clients that can only signal: no answer, and a refusal is only logged by the worker. '
      + `Input: ${JSON.stringify(FORCE_RETRAIN_INPUT)}`,
  });
  setHandler(monitorStatusQuery, () => state, {
    description: 'The monitor\'s state: checks run, the last check\'s full result, the last retrain it started, the open drift incident '
      + 'with its retrain back-off, and the blind-check count. No input.',
  });
  monitor.show();

  await condition(() => handled >= REQUESTS_PER_RUN || workflowInfo().continueAsNewSuggested);
  // The next run could not hear the retrain's result, and a rejection it misses would never back off.
  await condition(() => monitor.retrainInFlight === null);
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
  await releaseStaleClaim(monitor);
  const computation = await orchestration.computeDrift({ modelName, source: request.source ?? 'manual' });
  const { retrainBlockedBy, policy, ...report } = computation;
  state.policy = policy;
  const step = incidentAfterCheck(modelName, state.incident, report);
  const { incident, gate } = gateIncidentRetrain(step.incident, report, policy, request);
  state.incident = incident;
  const judged = report.outcome === 'checked' ? report : state.judged;
  const drift = judged ? summariseDrift(judged) : undefined;

  let retrain: DriftCheckResult['retrain'];
  if (report.outcome === 'no_champion' || report.outcome === 'no_data') {
    retrain = { started: false, workflowId: null, reason: report.reasons.join('; ') };
  } else if (request.forceRetrain) {
    retrain = await startRetrain(monitor, 'manual', {
      requestedBy: request.requestedBy, reason: request.reason, driftReportId: report.reportId ?? undefined, drift,
    }, report);
  } else if (report.outcome === 'unchanged') {
    retrain = { started: false, workflowId: null, reason: 'no new rows since the last report of this window' };
  } else if (report.verdict === 'not_measured') {
    retrain = { started: false, workflowId: null, reason: 'drift not measured: too few features could be tested' };
  } else if (report.verdict !== 'drift') {
    retrain = { started: false, workflowId: null, reason: 'no drift: neither the features nor the performance' };
  } else if (gate && gate.kind !== 'open') {
    retrain = { started: false, workflowId: null, reason: gate.reason };
  } else if (retrainBlockedBy) {
    retrain = { started: false, workflowId: null, reason: retrainBlockedBy };
  } else {
    retrain = await startRetrain(monitor, 'drift', { reason: report.reasons.join('; '), driftReportId: report.reportId ?? undefined, drift }, report);
    if (retrain.started) retrain = { ...retrain, reason: `drift: ${driftCause(report)}` };
    const rearmedBy = gate?.kind === 'open' ? gate.rearmedBy : null;
    if (retrain.started && rearmedBy) retrain = { ...retrain, reason: `${retrain.reason}; ${describeRearmCause(rearmedBy)}` };
  }
  const result: DriftCheckResult = { ...report, retrain };
  state.checks += 1;
  state.lastCheck = result;
  if (result.outcome === 'checked') state.judged = result;
  for (const transition of step.transitions) alertTransition(monitor, transition, result);

  const before = state.blindness;
  const sight = blindnessAfterCheck(modelName, before, report, policy.blindAlertAfter);
  state.blindness = sight.episode;
  alertBlindness(monitor, sight.transition, before, sight.episode, result);
  monitor.show();
  return result;
}

/**
 * A retrain that was terminated or timed out ran no code to release its claim, and every later check
 * would answer "already running": the claim is released, and alerted, before the check consults it.
 * Failing to ask Temporal must not cost the check; the next check asks again.
 */
async function releaseStaleClaim(monitor: Monitor): Promise<void> {
  try {
    const released = await orchestration.reconcileRetrainClaims({ modelName: monitor.modelName });
    if (released) monitor.notify(releasedClaimAlert(released), `claim-${released.retrainId}`);
  } catch (err) {
    log.warn('could not reconcile the retrain claim', { error: err instanceof Error ? err.message : String(err) });
  }
}

function viewOf(monitor: Monitor): MonitorView {
  const { state } = monitor;
  return {
    modelName: monitor.modelName, judged: state.judged, lastCheck: state.lastCheck, incident: state.incident, blindness: state.blindness,
    backoff: state.policy?.backoff ?? null, retrainRunning: monitor.retrainInFlight ? retrainWorkflowId(monitor.modelName) : null,
  };
}

/**
 * The open incident after this check's say on retraining: a drifted check re-arms or backs off
 * (and records which features drifted), a manual request re-arms. Null gate: the back-off has no
 * say (no incident, or the check did not measure drift).
 */
function gateIncidentRetrain(
  incident: DriftIncident | null,
  report: Omit<DriftCheckResult, 'retrain'>,
  policy: MonitorPolicy,
  request: DriftCheckRequest,
): { incident: DriftIncident | null; gate: RetrainGate | null } {
  if (!incident) return { incident, gate: null };
  let { retrains } = incident;
  let gate: RetrainGate | null = null;
  if (report.outcome === 'checked' && report.verdict === 'drift') {
    const step = gateDriftRetrain(policy.backoff, retrains, {
      windowEnd: report.window!.end,
      labelledRows: report.labelledRows,
      ...driftedSignals(report),
    });
    retrains = step.state;
    gate = step.gate;
  }
  if (request.forceRetrain) retrains = rearmManually(retrains);
  return { incident: { ...incident, retrains }, gate };
}

/**
 * The drifted features, and the champion's degraded performance as `performance:<what>`: a new one re-arms a
 * backed-off incident. A result names its top features only; its signature holds every drifted one (results
 * of earlier versions have none, and named every feature).
 */
function driftedSignals(report: Omit<DriftCheckResult, 'retrain'>): Pick<DriftedCheck, 'driftedFeatures' | 'driftSignature'> {
  const features = report.features.filter((f) => f.drifted).map((f) => f.feature);
  const performance = (report.performance?.degraded ?? []).map((what) => `performance:${what}`);
  return {
    driftedFeatures: [...features, ...performance],
    driftSignature: unionOf(report.driftSignature ?? signatureOf(features), signatureOf(performance)),
  };
}

/**
 * monitor_blind once per blind episode, with the check's reasons (the features' statuses and a
 * suggested window); when the monitor sees again, a resolve with the episode's key.
 */
function alertBlindness(monitor: Monitor, transition: BlindTransition, before: BlindEpisode, after: BlindEpisode, check: DriftCheckResult): void {
  const { modelName } = monitor;
  if (transition === 'went_blind') {
    monitor.notify({
      modelName,
      event: 'monitor_blind',
      severity: 'warning',
      summary: `The drift monitor of ${modelName} is blind: ${after.notMeasuredChecks === 1 ? 'the check' : `${after.notMeasuredChecks} consecutive checks`} `
        + `since ${after.since} could not test enough features to apply the dataset rule (verdict not_measured; `
        + `${Math.round(check.measuredShare * 100)}% of the features' weight tested `
        + `in drift report #${check.reportId}, window ${check.window?.start} → ${check.window?.end}, ${check.window?.rows} rows), so drift would go unnoticed. `
        + `Cause and fix: ${check.reasons.join('; ')}`,
      details: {
        notMeasuredChecks: after.notMeasuredChecks, since: after.since, reportId: check.reportId, window: check.window,
        measuredShare: check.measuredShare, features: check.features, reasons: check.reasons,
      },
      incident: { dedupKey: after.dedupKey!, action: 'trigger' },
      driftReportId: check.reportId,
    }, `blind-${after.dedupKey}`);
  } else if (transition === 'recovered') {
    monitor.notify({
      modelName,
      event: 'monitor_blind',
      // Keeps the severity of the blind alert it closes, so it reaches every route that alert reached.
      severity: 'warning',
      summary: `The drift monitor of ${modelName} sees again: drift report #${check.reportId} has the verdict ${check.verdict} `
        + `after ${before.notMeasuredChecks} not_measured checks since ${before.since}.`,
      details: { reportId: check.reportId, verdict: check.verdict, measuredShare: check.measuredShare, notMeasuredChecks: before.notMeasuredChecks, since: before.since },
      incident: { dedupKey: before.dedupKey!, action: 'resolve' },
      driftReportId: check.reportId,
    }, `blind-${before.dedupKey}-resolved`);
  }
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
        features: check.features.filter((f) => f.drifted), featureCounts: check.featureCounts, retrain, incident,
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

/**
 * A refusal fails the update (red in the Temporal UI, an error for clients) instead of answering
 * `started: false`, which the UI would show as a successful update.
 */
async function forceRetrain(monitor: Monitor, request: ForceRetrainRequest): Promise<DriftCheckResult['retrain']> {
  const { state } = monitor;
  if (state.incident) state.incident = { ...state.incident, retrains: rearmManually(state.incident.retrains) };
  const drift = state.judged ? summariseDrift(state.judged) : undefined;
  const retrain = await startRetrain(monitor, 'manual', { requestedBy: request.requestedBy, reason: request.reason, drift }, state.lastCheck);
  monitor.show();
  if (!retrain.started) {
    throw ApplicationFailure.create({
      type: RETRAIN_REFUSED_FAILURE,
      nonRetryable: true,
      message: `no retrain started: ${retrain.reason}. Follow it on ${retrain.workflowId} (its current details, or the retrainProgress query), `
        + 'or cancel it there, then send forceRetrain again.',
    });
  }
  return retrain;
}

async function startRetrain(
  monitor: Monitor,
  trigger: RetrainTrigger,
  details: { requestedBy?: string; reason?: string; driftReportId?: number; drift?: DriftSummary },
  /** The check it starts from: its data time and labelled rows are where a rejection backs off from. */
  basis: Pick<DriftCheckResult, 'window' | 'labelledRows'> | null,
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
  const started: RetrainInFlight = {
    runId: child.firstExecutionRunId,
    incidentId: state.incident?.id ?? null,
    dataTime: basis?.window?.end ?? null,
    windowSpanMs: basis?.window ? Date.parse(basis.window.end) - Date.parse(basis.window.start) : null,
    labelledRows: basis?.labelledRows ?? 0,
  };
  monitor.retrainInFlight = started;
  // A promotion resolves the drift incident at once; a rejection backs the incident's next retrain off.
  child.result().then(
    (result) => monitor.enqueue(async () => onRetrainFinished(monitor, started, result)),
    () => monitor.enqueue(async () => finishedInFlight(monitor, started)),
  ).then(() => monitor.show()).catch((err: unknown) => log.warn('reacting to the retrain result failed', { error: err instanceof Error ? err.message : String(err) }));
  return { started: true, workflowId, reason: trigger === 'manual' ? `requested by ${details.requestedBy ?? 'unknown'}` : 'drift' };
}

/** A check queued before the result may already have started the next retrain: that one stays awaited. */
function finishedInFlight(monitor: Monitor, started: RetrainInFlight): void {
  if (monitor.retrainInFlight === started) monitor.retrainInFlight = null;
}

function onRetrainFinished(monitor: Monitor, started: RetrainInFlight, result: RetrainResult): void {
  const { state } = monitor;
  finishedInFlight(monitor, started);
  if (result.outcome === 'promoted' && result.challengerVersion !== null) {
    const step = incidentAfterPromotion(state.incident, result.challengerVersion, new Date(Date.now()).toISOString());
    state.incident = step.incident;
    for (const transition of step.transitions) alertTransition(monitor, transition, null, result);
    return;
  }
  const incident = state.incident;
  if ((result.outcome !== 'rejected' && result.outcome !== 'failed_quality_gate') || !incident || incident.id !== started.incidentId) return;
  const backoff = state.policy?.backoff ?? null;
  const step = recordRejectedRetrain(backoff, incident.retrains, {
    runId: started.runId, outcome: result.outcome, reason: result.reason, challengerVersion: result.challengerVersion,
    dataTime: started.dataTime, windowSpanMs: started.windowSpanMs, labelledRows: started.labelledRows,
  });
  state.incident = { ...incident, retrains: step.state };
  if (step.askPerson && backoff) alertRetrainingNotHelping(monitor, state.incident, backoff);
}

/** After askAfterRejections challengers that did not help: a person is asked, with the evidence, while retrains go on backing off. */
function alertRetrainingNotHelping(monitor: Monitor, incident: DriftIncident, backoff: RetrainBackoff): void {
  const { modelName, state } = monitor;
  const { rejected, driftedFeatures } = incident.retrains;
  const last = rejected.at(-1)!;
  const failedGate = rejected.filter((r) => r.outcome === 'failed_quality_gate').length;
  const lastCheck = state.lastCheck;
  // Keyed by the last rejected retrain: after a re-arm, the next run of rejections asks again.
  monitor.notify({
    modelName,
    event: 'retraining_not_helping',
    severity: 'warning',
    summary: `Retraining is not helping ${modelName}: ${rejected.length} challengers in a row did not replace champion v${incident.championVersion} `
      + `(${rejected.length - failedGate} rejected, ${failedGate} failed the quality gate) during the drift incident opened ${incident.openedAt} `
      + `by drift report #${incident.firstReportId} (${incident.driftedChecks} drifted check${incident.driftedChecks === 1 ? '' : 's'}; `
      + `drifted features: ${driftedFeatures.join(', ') || 'none named'}). Automatic retrains go on backing off `
      + `(the next not before ${retrainNotBefore(backoff, incident.retrains) ?? 'the next drifted check'}, then at most every ${Math.round(backoffCapMs(backoff, last.windowSpanMs) / 86_400_000)} days of data): `
      + `look at the data and the challengers (${rejected.map(describeRejected).join('; ')}). `
      + `${capitalise(describeRearming(backoff, last, lastCheck?.labelledRows ?? last.labelledRows))}; `
      + `a manual retrain is the forceRetrain update or signal on ${workflowInfo().workflowId}.`,
    details: {
      incident: { id: incident.id, openedAt: incident.openedAt, championVersion: incident.championVersion, firstReportId: incident.firstReportId,
        lastReportId: incident.lastReportId, driftedChecks: incident.driftedChecks },
      rejected, driftedFeatures,
      features: lastCheck?.features.filter((f) => f.drifted) ?? [],
      rearm: { labelledRowsAtLastRejection: last.labelledRows, labelledRowsNow: lastCheck?.labelledRows ?? null, rearmLabelledRows: backoff.rearmLabelledRows },
    },
    incident: { dedupKey: incident.dedupKey, action: 'trigger' },
    driftReportId: incident.lastReportId,
  }, `incident-${incident.id}-not-helping-${last.runId}`);
}

function describeRejected(retrain: RejectedRetrain): string {
  const challenger = retrain.challengerVersion === null ? 'a challenger' : `v${retrain.challengerVersion}`;
  return `${challenger} ${retrain.outcome === 'failed_quality_gate' ? 'failed the quality gate' : 'rejected'}: ${retrain.reason}`;
}

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
