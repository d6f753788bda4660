/**
 * The real monitor and retrain workflows on a Temporal dev server, with fake activities: scripted
 * drift checks, retrains that always end rejected, recorded alerts. Covers the blind monitor, the
 * drift incident's retrain back-off, and what the Temporal UI shows (memo, search attributes,
 * current details, handler descriptions, a refused update) without PostgreSQL or training.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { workflowMetadataQuery } from '@temporalio/workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { createOrchestrationActivities } from '../../activities/orchestration';
import type { modelMonitorWorkflow } from '../../workflows';
import {
  INCIDENT_SEARCH_ATTRIBUTE,
  LAST_CHECK_SEARCH_ATTRIBUTE,
  MODEL_SEARCH_ATTRIBUTE,
  RETRAIN_REFUSED_FAILURE,
  VERDICT_SEARCH_ATTRIBUTE,
  checkDriftUpdate,
  forceRetrainUpdate,
  monitorStatusQuery,
  monitorWorkflowId,
  retrainWorkflowId,
  type DriftCheckRequest,
} from '../../workflows/definitions';
import type { MonitorState } from '../../workflows/monitor';
import { startWorkflowEnvironment, type WorkflowTestEnvironment } from './environment';
import { checksOf, createFakeWorld, day, type Check } from './fake-activities';

const TASK_QUEUE = 'monitor-workflow-tests';
const DAY_MS = 24 * 60 * 60 * 1000;
const world = createFakeWorld();
/** Models whose retrains stay at stage 'planning' until the test lets them go on. */
const planningHeld = new Map<string, Promise<void>>();
let environment: WorkflowTestEnvironment;

beforeAll(async () => {
  const orchestration = {
    ...world.orchestration,
    async planRetrain(input) {
      await planningHeld.get(input.modelName);
      return world.orchestration.planRetrain!(input);
    },
  } satisfies Partial<ReturnType<typeof createOrchestrationActivities>>;
  environment = await startWorkflowEnvironment(TASK_QUEUE, { orchestration, training: world.training });
});

afterAll(async () => {
  await environment?.close();
});

type Monitor = WorkflowHandle<typeof modelMonitorWorkflow>;

async function startMonitor(modelName: string, ...checks: Check[]): Promise<Monitor> {
  world.script(modelName, ...checks);
  return environment.env.client.workflow.start<typeof modelMonitorWorkflow>('modelMonitorWorkflow', {
    workflowId: monitorWorkflowId(modelName), taskQueue: TASK_QUEUE, args: [{ modelName }],
  });
}

const check = (monitor: Monitor, request: DriftCheckRequest = {}) => monitor.executeUpdate(checkDriftUpdate, { args: [{ source: 'test', ...request }] });
const status = async (monitor: Monitor) => (await monitor.query(monitorStatusQuery)) as MonitorState;

async function eventually<T>(read: () => Promise<T> | T, accept: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the monitor has recorded the rejection of the model's latest retrain in its incident. */
async function rejectionRecorded(monitor: Monitor, modelName: string): Promise<void> {
  const retrain = environment.env.client.workflow.getHandle(retrainWorkflowId(modelName));
  expect((await retrain.result()).outcome).toBe('rejected');
  const { runId } = await retrain.describe();
  await eventually(() => status(monitor), (s) => s.incident?.retrains.rejected.some((r) => r.runId === runId) ?? false, `rejection of ${runId}`);
}

const alertsOf = (modelName: string, event: string) => world.alerts(modelName).filter((a) => a.event === event);

describe('monitor workflow with stubbed activities', () => {
  it('alerts monitor_blind once after blindAlertAfter not_measured checks, and resolves it when the monitor sees again', async () => {
    const model = 'blind';
    const checks = checksOf(model, { blindAlertAfter: 3 });
    const monitor = await startMonitor(model, ...[1, 2, 3, 4].map((d) => checks.notMeasured(day(d))), checks.clean(day(5)));
    const first = await check(monitor);
    expect(first.retrain).toMatchObject({ started: false, reason: 'drift not measured: too few features could be tested' });
    await check(monitor);
    expect((await status(monitor)).blindness).toMatchObject({ notMeasuredChecks: 2, blind: false });
    await check(monitor);
    expect((await status(monitor)).blindness).toMatchObject({ notMeasuredChecks: 3, blind: true, since: first.checkedAt });
    await check(monitor);
    expect((await status(monitor)).blindness).toMatchObject({ notMeasuredChecks: 4, blind: true });
    await check(monitor);
    expect((await status(monitor)).blindness).toEqual({ notMeasuredChecks: 0, blind: false, since: null, dedupKey: null });

    // Alerts go out in order, so once the resolve is there a repeated trigger would be too.
    const blindAlerts = await eventually(() => alertsOf(model, 'monitor_blind'), (a) => a.some((x) => x.incident?.action === 'resolve'), 'the resolve');
    const dedupKey = `driftwatch/blind/blind/${first.reportId}`;
    expect(blindAlerts.map((a) => a.incident)).toEqual([{ dedupKey, action: 'trigger' }, { dedupKey, action: 'resolve' }]);
    const [trigger] = blindAlerts;
    expect(trigger).toMatchObject({ severity: 'warning', details: { notMeasuredChecks: 3 } });
    expect(trigger!.summary).toContain('3 consecutive checks');
    expect(trigger!.summary).toContain('insufficient_data');
    expect(trigger!.summary).toContain('suggested window: 30d');
    expect(alertsOf(model, 'drift_resolved')).toEqual([]);
  });

  it('opens an incident and retrains when only the champion\'s performance degraded, and a newly degraded signal re-arms the back-off', async () => {
    const model = 'performance';
    const checks = checksOf(model);
    const monitor = await startMonitor(model, checks.performanceDegraded(day(0)), checks.performanceDegraded(day(2)),
      checks.performanceDegraded(day(3), ['loss', 'calibration']));
    const first = await check(monitor);
    expect(first).toMatchObject({ verdict: 'drift', datasetDrift: false });
    expect(first.retrain).toMatchObject({ started: true, reason: "drift: the champion's log_loss degraded" });
    const opened = await eventually(() => alertsOf(model, 'drift_detected'), (a) => a.length > 0, 'drift_detected');
    expect(opened[0]!.summary).toContain('performance degraded (loss)');
    await rejectionRecorded(monitor, model);

    expect((await check(monitor)).retrain.reason).toMatch(/^backing off until 2026-01-08T00:00:00\.000Z after 1 rejected challenger/);
    expect((await check(monitor)).retrain).toMatchObject({
      started: true, reason: "drift: the champion's log_loss and calibration degraded; re-armed by a changed drift pattern: performance:calibration now drifts",
    });
    await rejectionRecorded(monitor, model);
  });

  it('backs a drift-triggered retrain off after a rejected challenger, in the data\'s event time', async () => {
    const model = 'backoff';
    const checks = checksOf(model);
    const monitor = await startMonitor(model, checks.drifted(day(0)), checks.drifted(day(3)), checks.drifted(day(7)), checks.drifted(day(10)));
    expect((await check(monitor)).retrain).toMatchObject({ started: true, reason: 'drift: 67% of the measured features' });
    await rejectionRecorded(monitor, model);

    const inside = await check(monitor);
    expect(inside.retrain.started).toBe(false);
    expect(inside.retrain.reason).toMatch(/^backing off until 2026-01-08T00:00:00\.000Z after 1 rejected challenger; re-armed by a manual retrain/);
    expect((await check(monitor)).retrain).toMatchObject({ started: true, reason: 'drift: 67% of the measured features' });
    await rejectionRecorded(monitor, model);

    const doubled = await check(monitor);
    expect(doubled.retrain.reason).toMatch(/^backing off until 2026-01-22T00:00:00\.000Z after 2 rejected challengers;/);
    expect(world.retrainsStarted(model)).toBe(2);
    expect(alertsOf(model, 'drift_detected')).toHaveLength(1);
    expect(alertsOf(model, 'retraining_not_helping')).toEqual([]);
  });

  it('after askAfterRejections rejections asks a person once, with the evidence, and goes on backing off', async () => {
    const model = 'not-helping';
    const checks = checksOf(model, { backoff: { initialMs: DAY_MS, askAfterRejections: 2 } });
    const monitor = await startMonitor(model, checks.drifted(day(0)), checks.drifted(day(1)), checks.drifted(day(2)), checks.drifted(day(400)));
    for (let n = 0; n < 2; n += 1) {
      expect((await check(monitor)).retrain.started).toBe(true);
      await rejectionRecorded(monitor, model);
    }
    const [ask] = await eventually(() => alertsOf(model, 'retraining_not_helping'), (a) => a.length > 0, 'retraining_not_helping');
    expect(ask).toMatchObject({ severity: 'warning', details: { driftedFeatures: ['x1', 'x2'], rearm: { labelledRowsAtLastRejection: 1000, rearmLabelledRows: 200 } } });
    expect((ask!.details.rejected as unknown[])).toHaveLength(2);
    expect(ask!.summary).toMatch(/^Retraining is not helping not-helping: 2 challengers in a row did not replace champion v1 \(2 rejected, 0 failed the quality gate\)/);
    expect(ask!.summary).toContain('forceRetrain');
    expect(ask!.summary).toContain('log_loss');

    const waiting = await check(monitor);
    expect(waiting.retrain.started).toBe(false);
    expect(waiting.retrain.reason).toMatch(/^backing off until 2026-01-04T00:00:00\.000Z after 2 rejected challengers \(a person was asked: retraining_not_helping\);/);
    // Long after the back-off, the monitor tries again; the person is not asked twice for one run of rejections.
    expect((await check(monitor)).retrain.started).toBe(true);
    await rejectionRecorded(monitor, model);
    expect(world.retrainsStarted(model)).toBe(3);
    expect(alertsOf(model, 'retraining_not_helping')).toHaveLength(1);
  });

  it('re-arms on enough new labelled rows', async () => {
    const model = 'rearm-labels';
    const checks = checksOf(model, { backoff: { askAfterRejections: 1 } });
    const monitor = await startMonitor(model,
      checks.drifted(day(0), { labelledRows: 1000 }), checks.drifted(day(3), { labelledRows: 1150 }), checks.drifted(day(4), { labelledRows: 1200 }));
    await check(monitor);
    await rejectionRecorded(monitor, model);
    expect((await check(monitor)).retrain.reason).toContain('(at 1200 labelled rows; 1150 now)');
    expect((await check(monitor)).retrain).toMatchObject({
      started: true, reason: 'drift: 67% of the measured features; re-armed by 200 new labelled rows since the last rejected challenger',
    });
    await rejectionRecorded(monitor, model);
    // A new run of rejections asks again.
    await eventually(() => alertsOf(model, 'retraining_not_helping'), (a) => a.length === 2, 'a second retraining_not_helping');
  });

  it('re-arms when a feature drifts that had not drifted in the incident', async () => {
    const model = 'rearm-pattern';
    const checks = checksOf(model, { backoff: { askAfterRejections: 1 } });
    const monitor = await startMonitor(model,
      checks.drifted(day(0), { features: ['x1'] }), checks.drifted(day(3), { features: ['x1'] }), checks.drifted(day(4), { features: ['x1', 'x3'] }));
    await check(monitor);
    await rejectionRecorded(monitor, model);
    expect((await check(monitor)).retrain.started).toBe(false);
    expect((await check(monitor)).retrain).toMatchObject({ started: true, reason: 'drift: 67% of the measured features; re-armed by a changed drift pattern: x3 now drifts' });
    await eventually(() => world.retrainsStarted(model), (n) => n === 2, 'the second retrain');
  });

  it('re-arms on a manual request', async () => {
    const model = 'rearm-manual';
    const checks = checksOf(model, { backoff: { initialMs: DAY_MS, askAfterRejections: 2 } });
    const monitor = await startMonitor(model, ...[0, 1, 2, 2].map((d) => checks.drifted(day(d))));
    for (let n = 0; n < 2; n += 1) {
      await check(monitor);
      await rejectionRecorded(monitor, model);
    }
    expect((await check(monitor)).retrain.reason).toMatch(/^backing off until 2026-01-04T00:00:00\.000Z after 2 rejected challengers \(a person was asked/);

    expect(await monitor.executeUpdate(forceRetrainUpdate, { args: [{ requestedBy: 'alice' }] })).toMatchObject({ started: true, reason: 'requested by alice' });
    await rejectionRecorded(monitor, model);
    // The manual retrain's rejection starts a new run: one rejection, backing off from the latest check's window end.
    expect((await check(monitor)).retrain.reason).toMatch(/^backing off until 2026-01-04T00:00:00\.000Z after 1 rejected challenger;/);
    expect(world.retrainsStarted(model)).toBe(3);
  });

  it('carries the incident and its back-off across continue-as-new', async () => {
    const model = 'carried';
    const checks = checksOf(model);
    const unchanged = (): Check => ({ ...checks.clean(day(0)), outcome: 'unchanged', verdict: null, reasons: ['window already reported'] });
    // 200 handled requests end a run (REQUESTS_PER_RUN).
    const monitor = await startMonitor(model, checks.drifted(day(0)), ...Array.from({ length: 199 }, unchanged), checks.drifted(day(3)));
    const { runId: firstRun } = await monitor.describe();
    await check(monitor);
    await rejectionRecorded(monitor, model);
    for (let n = 0; n < 199; n += 1) await check(monitor);
    await eventually(() => monitor.describe(), (d) => d.runId !== firstRun && d.status.name === 'RUNNING', 'the next run');

    const carried = await status(monitor);
    expect(carried).toMatchObject({ checks: 200, incident: { driftedChecks: 1, retrains: { rejected: [{ outcome: 'rejected' }] } } });
    expect((await check(monitor)).retrain.reason).toMatch(/^backing off until 2026-01-08T00:00:00\.000Z after 1 rejected challenger;/);
  }, 120_000);
});

/** A workflow's own handlers ("update checkDrift") and their descriptions, as the Temporal UI's dropdowns show them. */
async function handlerDescriptions(handle: WorkflowHandle): Promise<Record<string, string>> {
  const { definition } = await handle.query(workflowMetadataQuery);
  const kinds = { query: definition?.queryDefinitions, update: definition?.updateDefinitions, signal: definition?.signalDefinitions };
  return Object.fromEntries(Object.entries(kinds).flatMap(([kind, handlers]) => (handlers ?? [])
    .filter((h) => !h.name?.startsWith('__'))
    .map((h) => [`${kind} ${h.name}`, h.description ?? ''])));
}

const currentDetails = async (handle: WorkflowHandle): Promise<string> => (await handle.query(workflowMetadataQuery)).currentDetails ?? '';

describe('the monitor in the Temporal UI', () => {
  it('after a check carries the verdict, features, report link and incident in its memo and search attributes, and the drift table in its details', async () => {
    const model = 'panel';
    const checks = checksOf(model);
    const reportUrl = 'http://pages.test/reports/7';
    const monitor = await startMonitor(model, { ...checks.drifted(day(0)), reportUrl });
    const result = await check(monitor);
    expect(result.retrain.started).toBe(true);
    await rejectionRecorded(monitor, model);

    const description = await eventually(() => monitor.describe(),
      (d) => d.typedSearchAttributes.get(INCIDENT_SEARCH_ATTRIBUTE) === 'backing_off', 'the incident backing off');
    expect(description.typedSearchAttributes.get(MODEL_SEARCH_ATTRIBUTE)).toBe(model);
    expect(description.typedSearchAttributes.get(VERDICT_SEARCH_ATTRIBUTE)).toBe('drift');
    expect(description.typedSearchAttributes.get(LAST_CHECK_SEARCH_ATTRIBUTE)).toEqual(new Date(result.checkedAt));
    expect(description.memo).toMatchObject({
      model, verdict: 'drift', reportUrl,
      features: ['x1: ks p-value 0.001 < 0.05 (drifted)', 'x2: ks p-value 0.001 < 0.05 (drifted)', 'x3: ks p-value 0.5 ≥ 0.05 (ok)'],
      lastCheck: expect.stringContaining(`drift report #${result.reportId}`),
      incident: expect.stringContaining('1 challenger did not help: automatic retrains back off until 2026-01-08T00:00:00.000Z'),
      next: expect.stringContaining('update forceRetrain'),
    });

    // The README's List Filter examples find it.
    const listed = async (query: string) => {
      const ids: string[] = [];
      for await (const workflow of environment.env.client.workflow.list({ query })) ids.push(workflow.workflowId);
      return ids;
    };
    await eventually(() => listed(`DriftwatchModel = "${model}" AND DriftwatchIncident IN ("backing_off", "asked_person")`),
      (ids) => ids.includes(monitorWorkflowId(model)), 'the monitor listed by its incident');
    expect(await listed(`WorkflowType = "modelMonitorWorkflow" AND DriftwatchModel = "${model}" AND DriftwatchLastCheck < "${result.checkedAt}"`)).toEqual([]);

    const details = await currentDetails(monitor);
    expect(details).toContain(`Drift report [#${result.reportId}](${reportUrl})`);
    expect(details).toContain('| x1 | ks | p 0.001 | < 0.05 (default) | **drifted** |');
    expect(details).toContain('update forceRetrain. Input: `{"requestedBy":"your-name","reason":"why"}`');

    // The retrain it started says what drift caused it, and where the report is.
    const retrain = await environment.env.client.workflow.getHandle(retrainWorkflowId(model)).describe();
    expect(retrain.memo).toMatchObject({
      model, trigger: 'drift', reportUrl, drift: expect.stringContaining(`drift report #${result.reportId}`),
      features: expect.arrayContaining(['x1: ks p-value 0.001 < 0.05 (drifted)']),
    });
  });

  it('fails a forceRetrain update that cannot start a retrain, saying why and what to do', async () => {
    const model = 'refused';
    let letPlanningGo!: () => void;
    planningHeld.set(model, new Promise((resolve) => { letPlanningGo = resolve; }));
    const monitor = await startMonitor(model);
    const retrain = environment.env.client.workflow.getHandle(retrainWorkflowId(model));
    try {
      await refusedWhileRunning(monitor, retrain, model);
    } finally {
      letPlanningGo();
    }
    expect((await retrain.result()).outcome).toBe('rejected');
    expect(await currentDetails(retrain)).toContain('**Outcome: rejected**');
  });

  async function refusedWhileRunning(monitor: Monitor, retrain: WorkflowHandle, model: string): Promise<void> {
    expect(await monitor.executeUpdate(forceRetrainUpdate, { args: [{ requestedBy: 'alice' }] }))
      .toEqual({ started: true, workflowId: retrainWorkflowId(model), reason: 'requested by alice' });

    const refusal = await monitor.executeUpdate(forceRetrainUpdate, { args: [{ requestedBy: 'bob' }] }).then(() => null, (err: unknown) => err);
    expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (refusal as WorkflowUpdateFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe(RETRAIN_REFUSED_FAILURE);
    expect(cause!.message).toBe(`no retrain started: retrain ${retrainWorkflowId(model)} is already running. Follow it on ${retrainWorkflowId(model)} `
      + '(its current details, or the retrainProgress query), or cancel it there, then send forceRetrain again.');
    // The refusal failed the update, not the monitor.
    expect((await monitor.describe()).status.name).toBe('RUNNING');
    expect(await currentDetails(monitor)).toContain(`Follow ${retrainWorkflowId(model)}`);

    const details = await eventually(() => currentDetails(retrain), (d) => d.includes(': planning'), 'the retrain at planning');
    expect(details).toContain('## Retrain of refused: planning');
    expect(details).toContain('Trigger: manual.');
    expect(details).toContain('To stop it: Cancel this workflow');
  }

  it('describes every query, update and signal with its input', async () => {
    const model = 'described';
    let letPlanningGo!: () => void;
    planningHeld.set(model, new Promise((resolve) => { letPlanningGo = resolve; }));
    const monitor = await startMonitor(model);
    await monitor.executeUpdate(forceRetrainUpdate, { args: [{ requestedBy: 'alice' }] });
    const retrain = environment.env.client.workflow.getHandle(retrainWorkflowId(model));
    try {
      const monitorHandlers = await handlerDescriptions(monitor);
      expect(Object.keys(monitorHandlers).sort()).toEqual(['query monitorStatus', 'signal forceRetrain', 'update checkDrift', 'update forceRetrain']);
      expect(monitorHandlers['update checkDrift']).toContain('Input (every field optional): {"source":"ui"}');
      expect(monitorHandlers['update forceRetrain']).toContain('fails, saying why, when none can start');
      expect(monitorHandlers['update forceRetrain']).toContain('{"requestedBy":"your-name","reason":"why"}');
      expect(monitorHandlers['signal forceRetrain']).toContain('for clients that can only signal');
      expect(monitorHandlers['query monitorStatus']).toContain('No input.');

      const retrainHandlers = await handlerDescriptions(retrain);
      expect(Object.keys(retrainHandlers).sort()).toEqual(['query retrainProgress', 'update approve', 'update reject']);
      expect(retrainHandlers['update approve']).toContain('{"version":3,"approver":"your-name","reason":"why"}');
      expect(retrainHandlers['update reject']).toContain('{"version":3,"approver":"your-name","reason":"why"}');
      expect(retrainHandlers['query retrainProgress']).toContain('No input.');
    } finally {
      letPlanningGo();
    }
    await retrain.result();
  });
});
