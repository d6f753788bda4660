/**
 * Commands that talk to Temporal: the drift-monitor schedule, drift checks, retrains and status.
 */
import {
  ScheduleNotFoundError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { workflowPageUrl } from '../alerts/payload';
import { ConfigError, parseDuration } from '../config';
import * as operations from '../operations';
import { upsertMonitorSchedule, type ScheduleTiming } from '../schedules';
import { retrainPath } from '../pages/paths';
import { ALERT_SINK_ATTEMPTS } from '../policy/retries';
import { serviceUrl } from '../settings';
import { listDeliveries, type DeliveryRecord } from '../store/alert-deliveries';
import { loadStoredConfig } from '../store/models';
import { getChampionVersion } from '../store/registry';
import {
  monitorStatusQuery,
  monitorWorkflowId,
  retrainProgressQuery,
  retrainWorkflowId,
  scheduleId,
  type DriftCheckResult,
  type MonitorStatus,
  type RetrainProgress,
  type RetrainResult,
} from '../../workflows/definitions';
import type { retrainWorkflow } from '../../workflows/retrain';
import { errorText } from '../errors';
import { scheduleText } from '../schedules';
import { CliError, currentUser, workflowStatus, type CliContext } from './context';
import * as data from './data-commands';
import { count, duration, featureDriftTable, num, percent, time, performanceText, verdictText } from './format';

/** How often a wait asks the retrain for its stage: a stage or an alert attempt shows within a second. */
const FOLLOW_POLL_MS = 1_000;
/** Exit status after Ctrl-C, as a shell reports a process ended by SIGINT (128 + 2). */
const INTERRUPTED_EXIT_CODE = 130;
/** Enough of the model's newest deliveries to hold every alert of the run that just ended. */
const ALERTS_READ = 50;
const QUERY_DEADLINE_MS = 5_000;

// ---------------------------------------------------------------------------------------------
// schedule
// ---------------------------------------------------------------------------------------------

export async function scheduleCreate(ctx: CliContext, model: string, flags: ScheduleTiming): Promise<void> {
  if (flags.every !== undefined) checkInterval(flags.every);
  const config = await loadStoredConfig(await ctx.db(), model);
  const timing: ScheduleTiming = flags.every !== undefined || flags.cron !== undefined ? flags : config.monitoring.schedule;
  const client = await ctx.client();
  const { taskQueue } = ctx.settings;
  await ctx.warnIfNoWorker([{ name: taskQueue, kind: 'workflow' }]);
  const change = await upsertMonitorSchedule(client, model, timing, taskQueue).catch((err: unknown) => {
    // The SDK turns the server's "Invalid schedule spec" into a TypeError carrying the server's words.
    if (err instanceof TypeError) throw new CliError(`Temporal refused the schedule (${scheduleText(timing)}): ${err.message}`);
    throw err;
  });
  const id = scheduleId(model);
  const description = await client.schedule.getHandle(id).describe();
  const next = description.info.nextActionTimes[0] ?? null;
  ctx.json({
    scheduleId: id, change, spec: timing, overlapPolicy: 'SKIP', taskQueue, paused: description.state.paused,
    nextActionTime: next?.toISOString() ?? null, monitorWorkflowId: monitorWorkflowId(model),
  });
  ctx.say(`Schedule ${id} ${change}`);
  ctx.say(`  spec:      ${scheduleText(timing)}`);
  ctx.say(`  next tick: ${time(next)}`);
  ctx.say('  overlap:   SKIP (a tick never queues behind a running one)');
  ctx.say(`  each tick: monitorTickWorkflow on task queue '${taskQueue}' hands a drift check to ${monitorWorkflowId(model)}`);
}

export async function scheduleDelete(ctx: CliContext, model: string): Promise<void> {
  await withSchedule(ctx, model, (handle) => handle.delete());
  report(ctx, model, 'deleted', `Schedule ${scheduleId(model)} deleted; the monitor workflow keeps its state until it is terminated.`);
}

export async function scheduleTrigger(ctx: CliContext, model: string): Promise<void> {
  await withSchedule(ctx, model, (handle) => handle.trigger());
  report(ctx, model, 'triggered', `Schedule ${scheduleId(model)} triggered: a drift check of '${model}' is on its way ` +
    `(see 'driftwatch status ${model}' or 'driftwatch drift history ${model}').`);
}

export async function schedulePause(ctx: CliContext, model: string): Promise<void> {
  await withSchedule(ctx, model, (handle) => handle.pause(`paused with driftwatch by ${currentUser()}`));
  report(ctx, model, 'paused', `Schedule ${scheduleId(model)} paused; resume it with 'driftwatch schedule unpause ${model}'.`);
}

export async function scheduleUnpause(ctx: CliContext, model: string): Promise<void> {
  await withSchedule(ctx, model, (handle) => handle.unpause(`unpaused with driftwatch by ${currentUser()}`));
  report(ctx, model, 'unpaused', `Schedule ${scheduleId(model)} unpaused.`);
}

function report(ctx: CliContext, model: string, action: string, text: string): void {
  ctx.json({ scheduleId: scheduleId(model), action });
  ctx.say(text);
}

async function withSchedule(ctx: CliContext, model: string, operation: (handle: ScheduleHandle) => Promise<void>): Promise<void> {
  const client = await ctx.client();
  try {
    await operation(client.schedule.getHandle(scheduleId(model)));
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) {
      throw new CliError(`model '${model}' has no schedule (${scheduleId(model)}): create one with 'driftwatch schedule create ${model}'`);
    }
    throw err;
  }
}

function checkInterval(every: string): void {
  let ms: number;
  try {
    ms = parseDuration(every, '--every');
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`--every: ${err.issues[0]?.message ?? err.message}`);
    throw err;
  }
  if (ms === 0) throw new CliError(`--every: expected a non-zero interval, got '${every}'`);
}

// ---------------------------------------------------------------------------------------------
// check
// ---------------------------------------------------------------------------------------------

/**
 * The monitor's checkDrift update answers once the check is done and its report stored. With `wait`,
 * the whole stored report is shown (every feature, its page), and a retrain the check started is
 * followed to its end as `retrain --wait` follows one.
 */
export async function check(ctx: CliContext, model: string, options: { wait: boolean }): Promise<void> {
  const result = await operations.requestDriftCheck(ctx, model, { source: 'cli', requestedBy: currentUser() });
  if (!options.wait) {
    ctx.json(result);
    printCheck(ctx, result);
    return;
  }
  // drift show writes its own JSON document: in --json mode the check's result is the one document.
  if (result.reportId === null || ctx.jsonOutput) {
    printCheck(ctx, result);
  } else {
    ctx.say(checkHeadline(result));
    await data.driftShow(ctx, result.reportId);
    ctx.say(retrainLine(result.retrain));
  }
  const { started, workflowId } = result.retrain;
  if (!started || workflowId === null) {
    ctx.json({ ...result, retrainResult: null });
    return;
  }
  const client = await ctx.client();
  const { runId } = await client.workflow.getHandle(workflowId).describe();
  ctx.say(`  ${workflowUrl(ctx, workflowId, runId)}`);
  const followed = await followRetrain(ctx, model, { handle: client.workflow.getHandle<typeof retrainWorkflow>(workflowId, runId), runId });
  ctx.json({ ...result, retrainResult: followed.result, ...(followed.interrupted ? { interrupted: true } : {}), alerts: followed.alerts });
  if (!followed.result) return;
  ctx.say();
  printRetrainResult(ctx, followed.result, followed.alerts);
}

function checkHeadline(result: DriftCheckResult): string {
  const champion = result.championVersion === null ? 'no champion' : `champion v${result.championVersion}`;
  return `Drift check of '${result.modelName}' at ${time(result.checkedAt)}: ${result.outcome} (${champion})`;
}

function retrainLine(retrain: DriftCheckResult['retrain']): string {
  return `Retrain: ${retrain.started ? `started ${retrain.workflowId} (${retrain.reason})` : `not started: ${retrain.reason}`}`;
}

function printCheck(ctx: CliContext, result: DriftCheckResult): void {
  ctx.say(checkHeadline(result));
  if (result.window) {
    ctx.say(`Window ${time(result.window.start)} -> ${time(result.window.end)}, ${result.window.rows} rows` +
      (result.reportId === null ? '' : `, drift report #${result.reportId}`));
  }
  if (result.features.length > 0) {
    ctx.say();
    ctx.say(featureDriftTable(result.features));
    const counts = result.featureCounts;
    if (counts && counts.total > result.features.length) {
      ctx.say(`${result.features.length} of ${counts.total} features shown, the drifted ones first (${counts.drifted} drifted); `
        + `drift report #${result.reportId} holds every one ('driftwatch drift history ${result.modelName} --json')`);
    }
    ctx.say();
  }
  if (result.outcome === 'checked') {
    ctx.say(`Drift: ${verdictText(result.verdict, result.datasetDrift)} (${percent(result.driftedShare)} of the measured features drifted, `
      + `${percent(result.measuredShare)} measured${result.window?.lateRows ? `; ${result.window.lateRows} late rows` : ''}`
      + `${result.performance ? `; champion's performance: ${performanceText(result.performance)}` : ''})`);
  }
  for (const reason of result.reasons) ctx.say(`  - ${reason}`);
  // Without a champion or data the reasons above already say why no retrain started.
  if (result.outcome === 'no_champion' || result.outcome === 'no_data') return;
  ctx.say(retrainLine(result.retrain));
}

// ---------------------------------------------------------------------------------------------
// retrain
// ---------------------------------------------------------------------------------------------

export async function retrain(ctx: CliContext, model: string, flags: { by?: string; reason?: string; wait: boolean }): Promise<void> {
  const { handle, workflowId, runId, trigger, requestedBy, championVersion: champion } = await operations.startRetrain(ctx, model, {
    requestedBy: flags.by ?? currentUser(), ...(flags.reason === undefined ? {} : { reason: flags.reason }),
  });
  const started = { workflowId, runId, trigger, requestedBy, url: workflowUrl(ctx, workflowId, runId) };
  ctx.say(`Started ${workflowId} (${trigger}${champion === null ? ': no champion yet' : `, champion v${champion}`}), requested by ${requestedBy}`);
  ctx.say(`  ${started.url}`);
  if (!flags.wait) {
    ctx.json(started);
    ctx.say(`Follow it with 'driftwatch status ${model}', or start it with --wait.`);
    return;
  }

  const followed = await followRetrain(ctx, model, { handle, runId });
  ctx.json({ ...started, result: followed.result, ...(followed.interrupted ? { interrupted: true } : {}), alerts: followed.alerts });
  if (!followed.result) return;
  ctx.say();
  printRetrainResult(ctx, followed.result, followed.alerts);
  // A skipped retrain did not do what was asked (another one holds the model).
  if (followed.result.outcome === 'skipped') process.exitCode = 1;
}

interface FollowedRetrain {
  /** null when the user stopped waiting (Ctrl-C): the retrain goes on. */
  result: RetrainResult | null;
  interrupted: boolean;
  /** The alerts the run sent (or tried to), read once it ended: the last stage of every retrain. */
  alerts: DeliveryRecord[];
}

/**
 * Follows a running retrain until it ends, printing each new stage once with the time since the wait
 * began, and what the run waits on while an activity retries: after the decision a failing alert route
 * is retried for about 15 s. Ctrl-C stops the waiting, never the retrain: it says so, how to follow or
 * cancel it, and the command exits 130.
 */
async function followRetrain(
  ctx: CliContext, model: string, { handle, runId }: { handle: WorkflowHandle<typeof retrainWorkflow>; runId: string },
): Promise<FollowedRetrain> {
  const client = await ctx.client();
  const { workflowId } = handle;
  const outcome = handle.result().then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  const interruption = awaitInterruption();
  const startedAt = Date.now();
  const show = (line: string) => {
    const text = `[+${Math.round((Date.now() - startedAt) / 1000)}s] ${line}`;
    // stdout stays the JSON result in --json mode.
    if (ctx.jsonOutput) ctx.note(text);
    else ctx.say(text);
  };
  let lastStage = '';
  let lastWait: string | null = null;
  try {
    for (;;) {
      const [progress, description] = await Promise.all([
        queryQuietly(client, () => handle.query(retrainProgressQuery)),
        queryQuietly(client, () => handle.describe()),
      ]);
      const stage = progress ? progressLine(progress) : lastStage;
      if (stage !== lastStage) show(stage);
      lastStage = stage;
      const waitingOn: string | null = description ? pendingWorkLine(description.raw.pendingActivities ?? []) : lastWait;
      if (waitingOn !== null && waitingOn !== lastWait) show(waitingOn);
      lastWait = waitingOn;
      const settled = await Promise.race([outcome, interruption.interrupted, sleep(FOLLOW_POLL_MS)]);
      if (settled === 'interrupted') {
        sayRetrainGoesOn(ctx, model, workflowId, runId);
        process.exitCode = INTERRUPTED_EXIT_CODE;
        return { result: null, interrupted: true, alerts: [] };
      }
      if (settled) break;
    }
  } finally {
    interruption.dispose();
  }
  const settled = await outcome;
  // The last stages may have passed between two polls: the ended run still answers the query (a worker replays it).
  const final = await queryQuietly(client, () => handle.query(retrainProgressQuery));
  if (final && progressLine(final) !== lastStage) show(progressLine(final));
  if ('error' in settled) {
    const error = settled.error;
    if (error instanceof WorkflowFailedError) throw new CliError(`retrain ${workflowId} failed: ${errorText(error.cause ?? error)}`);
    throw error;
  }
  const alertKeyPrefix = `${workflowId}/${runId}/`;
  const alerts = (await listDeliveries(await ctx.db(), model, ALERTS_READ)).filter((d) => d.alertKey.startsWith(alertKeyPrefix));
  return { result: settled.result, interrupted: false, alerts };
}

/** Retrying activities, as a line: above all the alert delivery a run awaits after its decision. Null when none retries. */
function pendingWorkLine(pending: readonly PendingActivity[]): string | null {
  const lines = pending.flatMap((activity) => {
    const name = activity.activityType?.name ?? 'an activity';
    const attempt = activity.attempt ?? 1;
    const lastFailure = activity.lastFailure?.message ? `, after: ${activity.lastFailure.message}` : '';
    if (name === 'deliverAlert') {
      return attempt <= 1 ? ['alerting: delivering the alert to its routes'] : [`alerting: attempt ${attempt} of ${ALERT_SINK_ATTEMPTS}${lastFailure}`];
    }
    return attempt <= 1 ? [] : [`retrying ${name}: attempt ${attempt}${lastFailure}`];
  });
  return lines.length === 0 ? null : lines.join('; ');
}

/** Said on Ctrl-C (on stderr, stdout may be a JSON reader's): nothing was cancelled, and where the run can be followed. */
function sayRetrainGoesOn(ctx: CliContext, model: string, workflowId: string, runId: string): void {
  const { settings } = ctx;
  const page = `${settings.publicUrl ?? serviceUrl(settings.serviceHost, settings.servicePort)}${retrainPath(runId)}`;
  // After the terminal's ^C.
  ctx.note('');
  ctx.note(`Stopped waiting. The retrain goes on: ${workflowId} (run ${runId}) was not cancelled.`);
  ctx.note(`  follow it:    driftwatch status ${model}`);
  ctx.note(`  cancel it:    driftwatch retrain cancel ${model}`);
  ctx.note(`  Temporal UI:  ${workflowUrl(ctx, workflowId, runId)}`);
  ctx.note(`  retrain page: ${page} (served by 'driftwatch serve')`);
}

/**
 * Resolves to 'interrupted' on Ctrl-C. While it listens, SIGINT no longer ends the process; dispose()
 * gives it back, so a second Ctrl-C during the shutdown still ends it at once.
 */
function awaitInterruption(): { interrupted: Promise<'interrupted'>; dispose(): void } {
  let onInterrupt = (): void => undefined;
  const interrupted = new Promise<'interrupted'>((resolve) => {
    onInterrupt = () => resolve('interrupted');
  });
  process.once('SIGINT', onInterrupt);
  return { interrupted, dispose: () => process.removeListener('SIGINT', onInterrupt) };
}

/**
 * Asks the running retrain to stop. The retrain's own cleanup releases its claim, withdraws its
 * candidates and sends retrain_cancelled; a retrain past its decision finishes that first.
 */
export async function retrainCancel(ctx: CliContext, model: string, flags: { reason?: string }): Promise<void> {
  await loadStoredConfig(await ctx.db(), model);
  const client = await ctx.client();
  const workflowId = retrainWorkflowId(model);
  const running = await client.workflow.getHandle(workflowId).describe().catch((err: unknown) => {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  });
  if (running?.status.name !== 'RUNNING') {
    throw new CliError(`no retrain of ${model} is running` + (running ? ` (${workflowId} is ${running.status.name.toLowerCase()})` : ''));
  }
  const requestedBy = currentUser();
  const reason = flags.reason?.trim() || 'no reason given';
  // The handle's cancel() sends no reason; the service request carries one into the workflow's history.
  await client.workflowService.requestCancelWorkflowExecution({
    namespace: ctx.settings.namespace,
    workflowExecution: { workflowId, runId: running.runId },
    identity: `driftwatch cli (${requestedBy})`,
    reason: `${reason} (by ${requestedBy})`,
  });
  ctx.json({ model, workflowId, cancelRequested: true, requestedBy, reason });
  ctx.say(`Cancellation of ${workflowId} requested (${reason}). The retrain stops at its next step, releases its claim `
    + `and sends retrain_cancelled; follow it with 'driftwatch status ${model}'.`);
  ctx.say(`  ${workflowUrl(ctx, workflowId, running.runId)}`);
}

function progressLine(p: RetrainProgress): string {
  switch (p.stage) {
    case 'claiming':
      return 'claiming the model (one retrain at a time)';
    case 'planning':
      return 'planning the training/holdout split';
    case 'tuning':
      return `tuning: ${p.trialsDone}/${p.trialsTotal} trials done` +
        (p.trialsFailed > 0 ? ` (${p.trialsFailed} failed)` : '') + (p.trialsPruned > 0 ? ` (${p.trialsPruned} pruned)` : '') +
        (p.bestScore === null ? '' : `, best validation loss ${num(p.bestScore)}`);
    case 'training':
      return p.fallback
        ? `fitting the linear baseline in place of challenger v${p.fallback.from}, which scored below it`
        : 'training the challenger with the best parameters';
    case 'evaluating':
      return `evaluating ${p.fallback ? 'linear baseline' : 'challenger'} v${p.challengerVersion ?? '?'} (${p.backend ?? '?'})` +
        (p.championVersion === null ? '' : ` against champion v${p.championVersion}`) + ' on the holdout';
    case 'deciding':
      return `deciding on ${p.fallback ? 'linear baseline' : 'challenger'} v${p.challengerVersion ?? '?'}: quality gate and promotion rule`;
    case 'promoting':
      return `promoting v${p.challengerVersion ?? '?'} to champion`;
    case 'awaiting_approval':
      return `challenger v${p.challengerVersion ?? '?'} awaits approval until ${time(p.approval?.deadline)} ` +
        `(then ${p.approval?.onTimeout ?? '?'}): 'driftwatch approve|reject ${p.modelName} --version ${p.challengerVersion ?? '?'}'`;
    case 'done':
    case 'skipped':
    case 'failed':
    case 'cancelled':
      return `${p.stage}${p.outcome && p.outcome !== p.stage ? `: ${p.outcome}` : ''}${p.message ? ` (${p.message})` : ''}`;
    default:
      return p.stage;
  }
}

function printRetrainResult(ctx: CliContext, r: RetrainResult, alerts: readonly DeliveryRecord[]): void {
  const champion = r.championVersion === null ? 'none' : `v${r.championVersion}`;
  ctx.say(`Outcome:    ${r.outcome}`);
  if (r.challengerVersion !== null) {
    const candidate = r.fallback
      ? `linear baseline v${r.challengerVersion} in place of the tuned challenger v${r.fallback.from}`
      : `challenger v${r.challengerVersion}`;
    ctx.say(`Versions:   ${candidate} (${r.backend ?? 'unknown backend'}), champion before: ${champion}`);
  }
  const d = r.decision;
  if (d) {
    ctx.say(`Metric:     ${d.metric} on the holdout: challenger ${num(d.challengerScore)}, champion ${num(d.championScore)}` +
      (d.improvement === null ? '' : `, improvement ${num(d.improvement)} (required ${d.minImprovement})`));
  }
  if (d?.bootstrap) {
    ctx.say(`Interval:   ${Math.round(d.bootstrap.confidence * 100)}% paired bootstrap of the improvement ` +
      `[${num(d.bootstrap.lower)}, ${num(d.bootstrap.upper)}]`);
  }
  if (d?.guardrail) ctx.say(`Guardrail:  ${d.guardrail.status} on ${d.guardrail.rows} reference-period rows`);
  if (r.trials.length > 0) {
    const count = (status: string) => r.trials.filter((t) => t.status === status).length;
    ctx.say(`Trials:     ${count('completed')} completed, ${count('pruned')} pruned, ${count('failed')} failed ('driftwatch trials ${r.modelName}')`);
  }
  if (r.training?.resumedFromEpoch != null) ctx.say(`Training:   resumed from the checkpoint of epoch ${r.training.resumedFromEpoch}`);
  ctx.say(`Reason:     ${r.reason}`);
  for (const alert of alerts) ctx.say(`Alert:      ${alertText(alert)}`);
}

function alertText(d: DeliveryRecord): string {
  const attempts = d.attempts > 1 ? ` after ${count(d.attempts, 'attempt')}` : '';
  return `${d.event} to ${d.target}: ${d.status}${attempts}${d.status === 'failing' && d.lastError ? ` (${d.lastError})` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// approve / reject
// ---------------------------------------------------------------------------------------------

export async function decideApproval(
  ctx: CliContext, model: string, verdict: 'approve' | 'reject', flags: { version: number; by?: string; reason?: string },
): Promise<void> {
  const answer = await operations.decideApproval(ctx, model, verdict, {
    version: flags.version, approver: flags.by ?? currentUser(), ...(flags.reason === undefined ? {} : { reason: flags.reason }),
  });
  ctx.json(answer);
  ctx.say(`${model} v${answer.version} ${answer.verdict} by ${answer.by}; follow the retrain with 'driftwatch status ${model}'.`);
}

// ---------------------------------------------------------------------------------------------
// rollback
// ---------------------------------------------------------------------------------------------

export async function rollback(ctx: CliContext, model: string, flags: { to?: number; by?: string; reason?: string; force: boolean }): Promise<void> {
  const requestedBy = flags.by ?? currentUser();
  const result = await operations.rollback(ctx, model, {
    requestedBy,
    ...(flags.to === undefined ? {} : { toVersion: flags.to }),
    ...(flags.reason === undefined ? {} : { reason: flags.reason }),
    ...(flags.force ? { force: true } : {}),
  });
  ctx.json(result);
  if (result.outcome === 'already_champion') {
    ctx.say(`v${result.to} is already the champion of ${model}: nothing to do.`);
    return;
  }
  ctx.say(`Champion of ${model}: v${result.from} -> v${result.to} (requested by ${requestedBy}). The next drift check uses v${result.to}'s reference.`);
  if (result.forcedOver !== null) ctx.say(`Forced: v${result.to} ${result.forcedOver}. Recorded in 'driftwatch models history ${model}'.`);
}

// ---------------------------------------------------------------------------------------------
// status
// ---------------------------------------------------------------------------------------------

export async function status(ctx: CliContext, model: string): Promise<void> {
  const db = await ctx.db();
  await loadStoredConfig(db, model);
  const champion = await getChampionVersion(db, model);
  const client = await ctx.client();

  let schedule: { scheduleId: string; paused: boolean; spec: string; nextActionTime: string | null; recentActions: number } | null = null;
  try {
    const description = await client.schedule.getHandle(scheduleId(model)).describe();
    schedule = {
      scheduleId: scheduleId(model), paused: description.state.paused, spec: specText(description),
      nextActionTime: description.info.nextActionTimes[0]?.toISOString() ?? null, recentActions: description.info.recentActions.length,
    };
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }

  const monitorId = monitorWorkflowId(model);
  const monitorState = await workflowStatus(client, monitorId);
  const monitorStatus = monitorState === 'RUNNING'
    ? await queryQuietly(client, () => client.workflow.getHandle(monitorId).query(monitorStatusQuery))
    : null;

  const retrainId = retrainWorkflowId(model);
  const retrainState = await workflowStatus(client, retrainId);
  let progress: RetrainProgress | null = null;
  let result: RetrainResult | null = null;
  let failure: string | null = null;
  if (retrainState === 'RUNNING') {
    progress = await queryQuietly(client, () => client.workflow.getHandle(retrainId).query(retrainProgressQuery));
  } else if (retrainState !== null) {
    try {
      result = await client.workflow.getHandle(retrainId).result();
    } catch (err) {
      failure = errorText(err instanceof WorkflowFailedError ? err.cause ?? err : err);
    }
  }

  ctx.json({
    model, champion, schedule,
    monitor: monitorState === null ? null : { workflowId: monitorId, status: monitorState, state: monitorStatus },
    retrain: retrainState === null ? null : { workflowId: retrainId, status: retrainState, progress, result, failure },
  });

  ctx.say(`Model '${model}': champion ${champion === null ? 'none yet' : `v${champion}`}`);
  ctx.say(schedule
    ? `Schedule:  ${schedule.scheduleId}, ${schedule.spec}, ${schedule.paused ? 'PAUSED' : `next tick ${time(schedule.nextActionTime)}`}`
    : `Schedule:  none (create one with 'driftwatch schedule create ${model}')`);
  if (monitorState !== 'RUNNING') {
    ctx.say(`Monitor:   ${monitorId} ${monitorState === null ? 'not started yet' : monitorState.toLowerCase()}`);
  } else if (!monitorStatus) {
    ctx.say(`Monitor:   ${monitorId} running (its status query did not answer: is a worker running?)`);
  } else {
    ctx.say(`Monitor:   ${monitorId} running, ${monitorStatus.checks} check(s)`);
    printLastCheck(ctx, monitorStatus);
  }
  if (retrainState === null) {
    ctx.say(`Retrain:   none yet (start one with 'driftwatch retrain ${model}')`);
  } else if (progress) {
    ctx.say(`Retrain:   ${retrainId} running (${progress.trigger}): ${progressLine(progress)}`);
  } else if (retrainState === 'RUNNING') {
    ctx.say(`Retrain:   ${retrainId} running (its progress query did not answer: is a worker running?)`);
  } else if (result) {
    ctx.say(`Retrain:   ${retrainId} ${retrainState.toLowerCase()}: ${result.outcome}` +
      (result.challengerVersion === null ? '' : ` v${result.challengerVersion}`) + ` (${result.reason})`);
  } else {
    ctx.say(`Retrain:   ${retrainId} ${retrainState.toLowerCase()}${failure ? `: ${failure}` : ''}`);
  }
}

function printLastCheck(ctx: CliContext, status: MonitorStatus): void {
  const last = status.lastCheck;
  if (last) {
    const performance = last.performance ? `, performance ${performanceText(last.performance)}` : '';
    const drift = last.outcome === 'checked' ? `, drift ${verdictText(last.verdict, last.datasetDrift)} (${percent(last.driftedShare)} of the features${performance})` : '';
    ctx.say(`  last check ${time(last.checkedAt)}: ${last.outcome}${drift}; retrain ${last.retrain.started ? 'started' : `not started: ${last.retrain.reason}`}`);
  }
  if (status.lastRetrain) {
    ctx.say(`  last retrain started by the monitor: ${status.lastRetrain.workflowId} (${status.lastRetrain.trigger}) at ${time(status.lastRetrain.startedAt)}`);
  }
  if (status.blindness && status.blindness.notMeasuredChecks > 0) {
    ctx.say(`  BLIND: ${status.blindness.notMeasuredChecks} checks in a row could not measure drift (since ${time(status.blindness.since!)})`
      + `${status.blindness.blind ? '; monitor_blind sent' : ''}`);
  }
  const incident = status.incident;
  if (incident) {
    const rejected = incident.retrains.rejected.length;
    ctx.say(`  drift incident open since ${time(incident.openedAt)}: ${incident.driftedChecks} drifted checks, ${rejected} challenger${rejected === 1 ? '' : 's'} `
      + `not promoted${incident.retrains.askedPerson ? '; retraining_not_helping sent: retrains back off, a retrain by hand re-arms them' : ''}`);
  }
}

function specText(description: ScheduleDescription): string {
  const intervals = description.spec.intervals ?? [];
  if (intervals.length > 0) return intervals.map((i) => `every ${duration(i.every)}`).join(', ');
  if ((description.spec.calendars ?? []).length > 0) return 'cron (calendar)';
  return 'no spec';
}

// ---------------------------------------------------------------------------------------------

/** A query that gives up (null) rather than failing the command: the workflow may have no worker yet. */
async function queryQuietly<T>(client: Client, query: () => Promise<T>): Promise<T | null> {
  try {
    return await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, query);
  } catch {
    return null;
  }
}

function workflowUrl(ctx: CliContext, workflowId: string, runId: string): string {
  return workflowPageUrl(ctx.settings.temporalUiUrl, ctx.settings.namespace, workflowId, runId);
}

type PendingActivity = NonNullable<WorkflowExecutionDescription['raw']['pendingActivities']>[number];

/** Resolves to null after `ms`, without keeping the process alive. */
function sleep(ms: number): Promise<null> {
  return new Promise((resolve) => setTimeout(() => resolve(null), ms).unref());
}
