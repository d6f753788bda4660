/**
 * Decisions of the monitor that must hold on seasonal data and a live feed: a seasonal reference
 * does not alarm on a repeated season (while a whole-year reference with constant thresholds does),
 * a unit change is still caught, and late rows make the next check run again.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseModelConfig } from '../../src/config';
import { ingestRows } from '../../src/ingest/ingest';
import { runDriftCheck } from '../../src/monitoring/drift-check';
import { createDriftCheckStore } from '../../src/store/drift-check-store';
import type { RetrainResult } from '../../workflows/definitions';
import { LOCAL_RECEIVER_POLICY, startHarness, startWebhookReceiver, testModelConfig, testModelYaml, type Harness, type WebhookReceiver } from './harness';
import { seasonalDailyRows, syntheticRows } from './synthetic';

let harness: Harness;
let receiver: WebhookReceiver;

beforeAll(async () => {
  harness = await startHarness('monitor_trust');
  receiver = await startWebhookReceiver();
});

afterAll(async () => {
  await harness?.close();
  await receiver?.close();
});

function seasonalYaml(model: string, extra: string): string {
  return `
model: ${model}
task: binary_classification
label: rain
features:
  - { name: temp, kind: numeric }
  - { name: temp_min, kind: numeric }
  - { name: wind, kind: numeric }
monitoring:
  window: 30d
retrain:
  cooldown: 0s
  trainingWindow: 730d
  minTrainingRows: 100
tuning:
  trials: 2
  parallelism: 2
  space:
    learningRate: { type: float, min: 0.01, max: 0.05, log: true }
    hiddenUnits: { type: int, min: 8, max: 16 }
${extra}`;
}

const monthStarts = (year: number) => Array.from({ length: 12 }, (_, m) => new Date(Date.UTC(year, m, 1)).toISOString());

it('a seasonal reference does not alarm on a repeated season; a whole-year reference with constant thresholds does', async () => {
  const seasonal = parseModelConfig(seasonalYaml('seasonal', 'reference: { mode: seasonal, period: 365d }'), '<seasonal>');
  const control = parseModelConfig(seasonalYaml('seasonal-control', 'drift: { thresholds: { strategy: constant } }'), '<control>');
  await harness.registerModel(seasonal);
  await harness.registerModel(control);
  const history = seasonalDailyRows({ start: '2021-01-01T12:00:00Z', days: 730, seed: 7 });
  const thirdYear = seasonalDailyRows({ start: '2023-01-01T12:00:00Z', days: 365, seed: 8 });
  for (const model of [seasonal.model, control.model]) {
    await harness.ingest(model, history);
    expect((await harness.bootstrap(model)).outcome).toBe('promoted');
  }

  const seasonalVerdicts: string[] = [];
  const controlVerdicts: string[] = [];
  const controlStore = createDriftCheckStore(harness.db, harness.artifacts, control.model, control.monitoring.window);
  for (const [index, monthStart] of monthStarts(2023).entries()) {
    const next = index === 11 ? '2024-01-01T00:00:00Z' : monthStarts(2023)[index + 1]!;
    const month = thirdYear.filter((row) => (row.event_time as string) >= monthStart && (row.event_time as string) < next);
    await harness.ingest(seasonal.model, month);
    await harness.ingest(control.model, month);
    const check = await harness.checkDrift(seasonal.model);
    expect(check.outcome).toBe('checked');
    // The training activity scored the two-year training window year over year; the check learned its thresholds from that.
    expect(check.reasons.join('\n')).toMatch(/thresholds learned year over year: \d+ window-sized chunks of champion v\d+'s training window/);
    seasonalVerdicts.push(check.verdict!);
    // The control only needs the statistics: run its check directly, so that no retrain starts.
    const controlCheck = await runDriftCheck(controlStore, control, { source: 'test', checkedAt: new Date().toISOString() });
    controlVerdicts.push(controlCheck.verdict!);
  }
  const alarms = (verdicts: string[]) => verdicts.filter((verdict) => verdict === 'drift').length;
  expect(seasonalVerdicts.every((verdict) => verdict !== 'not_measured')).toBe(true);
  expect(alarms(seasonalVerdicts)).toBeLessThanOrEqual(1);
  expect(alarms(controlVerdicts)).toBeGreaterThanOrEqual(6);

  // The same months a year later, but reported in °F: the seasonal reference catches the unit change.
  const fahrenheit = seasonalDailyRows({ start: '2024-01-01T12:00:00Z', days: 31, seed: 9, fahrenheitFrom: '2024-01-01' });
  await harness.ingest(seasonal.model, fahrenheit);
  const shifted = await harness.checkDrift(seasonal.model);
  expect(shifted.verdict).toBe('drift');
  expect(shifted.features.filter((f) => f.drifted).map((f) => f.feature)).toEqual(expect.arrayContaining(['temp', 'temp_min']));
});

it('rows that arrive late inside an already-checked window make the next check run again, and the report counts them', async () => {
  const model = 'late-rows';
  await harness.registerModel(testModelConfig(model, 'http://127.0.0.1:9/unused'));
  await harness.ingest(model, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 960, seed: 21 }));
  expect((await harness.bootstrap(model)).outcome).toBe('promoted');

  const first = await harness.checkDrift(model);
  expect(first.outcome).toBe('checked');
  expect(first.window?.lateRows).toBe(0);
  expect((await harness.checkDrift(model)).outcome).toBe('unchanged');

  // 30 rows stamped inside the window that was just checked (a delayed upstream batch).
  const late = syntheticRows({ start: '2026-02-05T00:30:00Z', rows: 30, seed: 22 });
  await harness.ingest(model, late);
  const again = await harness.checkDrift(model);
  expect(again.outcome).toBe('checked');
  expect(again.reportId).not.toBe(first.reportId);
  expect(again.window).toMatchObject({ end: first.window!.end, rows: first.window!.rows + 30, lateRows: 30 });
  expect(again.reasons.join(' ')).toContain(`30 late rows`);

  // Back-dated to before the window: the next check reaches back to include them.
  await harness.ingest(model, syntheticRows({ start: '2026-01-02T00:30:00Z', rows: 5, seed: 23 }));
  const reachedBack = await harness.checkDrift(model);
  expect(reachedBack.outcome).toBe('checked');
  expect(reachedBack.window?.lateRows).toBe(5);
  expect(Date.parse(reachedBack.window!.start)).toBeLessThan(Date.parse('2026-01-02T00:30:00Z'));
  expect((await harness.checkDrift(model)).outcome).toBe('unchanged');
});

it('a monitor whose window cannot hold minRows says not_measured, warns at ingest, and alerts once after blindAlertAfter checks', async () => {
  const model = 'blind';
  await harness.registerModel(parseModelConfig(`${seasonalYaml(model, `alerts:\n  - { type: webhook, url: ${receiver.url}, ${LOCAL_RECEIVER_POLICY} }`)}`
    .replace('window: 30d', 'window: 7d\n  blindAlertAfter: 3'), '<blind>'));
  const days = seasonalDailyRows({ start: '2021-01-01T12:00:00Z', days: 420, seed: 41 });
  const ingested = await ingestRows(harness.db, model, days.slice(0, 400), { source: 'test' });
  expect(ingested.warnings).toHaveLength(1);
  expect(ingested.warnings[0]).toMatch(/^monitoring\.window 7d holds about 7 rows .* window: auto .* at least 45d/);
  expect((await harness.bootstrap(model)).outcome).toBe('promoted');

  const blindAlerts = () => receiver.received.filter((alert) => alert.model === model && alert.event === 'monitor_blind');
  for (const [index, day] of days.slice(400, 404).entries()) {
    await harness.ingest(model, [day]);
    const check = await harness.checkDrift(model);
    expect(check).toMatchObject({ outcome: 'checked', verdict: 'not_measured', datasetDrift: false });
    expect(check.retrain.reason).toMatch(/not measured/);
    expect(check.reasons.join('\n')).toContain('fix: monitoring.window 7d holds about 7 rows');
    if (index === 2) await waitFor(() => blindAlerts().length > 0);
  }
  // One alert for the blind episode, not one per check (a second one would have had time to arrive).
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(blindAlerts()).toHaveLength(1);
  expect(blindAlerts()[0]!.summary).toMatch(/3 consecutive checks/);
});

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the alert');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('backs off while challengers keep failing and asks a person after three', async () => {
  const model = 'backoff';
  await harness.registerModel(parseModelConfig(seasonalYaml(model, `alerts:\n  - { type: webhook, url: ${receiver.url}, ${LOCAL_RECEIVER_POLICY} }`), '<backoff>'));
  await harness.ingest(model, seasonalDailyRows({ start: '2021-01-01T12:00:00Z', days: 730, seed: 51 }));
  expect((await harness.bootstrap(model)).outcome).toBe('promoted');
  // From 2023 the feed reports °F: every month drifts, and the most recent 200 days (the holdout)
  // are °F while the rows before them are °C, so no challenger can learn the new unit for months.
  const fahrenheit = seasonalDailyRows({ start: '2023-01-01T12:00:00Z', days: 365, seed: 52, fahrenheitFrom: '2023-01-01' });
  const outcomes: string[] = [];
  const reasons: string[] = [];
  for (const [index, monthStart] of monthStarts(2023).entries()) {
    const next = index === 11 ? '2024-01-01T00:00:00Z' : monthStarts(2023)[index + 1]!;
    await harness.ingest(model, fahrenheit.filter((row) => (row.event_time as string) >= monthStart && (row.event_time as string) < next));
    const check = await harness.checkDrift(model);
    expect(check.verdict).toBe('drift');
    reasons.push(check.retrain.reason);
    if (check.retrain.started) {
      const result: RetrainResult = await harness.client.workflow.getHandle(check.retrain.workflowId!).result();
      outcomes.push(result.outcome);
      if (result.outcome === 'promoted') break;
    } else {
      outcomes.push('not started');
    }
  }
  // Losing challengers, each pushing the next retrain further back (one 30-day window of data,
  // then 60 and 90 days); after three a person is asked, and retrains go on at that pace.
  const isLosing = (outcome: string) => outcome === 'rejected' || outcome === 'failed_quality_gate';
  expect(outcomes.filter(isLosing).length).toBeGreaterThanOrEqual(3);
  expect(isLosing(outcomes[0]!)).toBe(true);
  // The month after a rejection holds a window of rows the last challenger mostly saw: no retrain.
  expect(outcomes[1]).toBe('not started');
  expect(reasons[1]).toMatch(/^backing off until \S+ after 1 rejected challenger;/);
  expect(reasons.some((reason) => /^backing off until \S+ after [3-9] rejected challengers \(a person was asked: retraining_not_helping\)/.test(reason))).toBe(true);
  expect(outcomes.filter((outcome) => outcome === 'not started').length).toBeGreaterThanOrEqual(2);
  await waitFor(() => receiver.received.some((alert) => alert.model === model && alert.event === 'retraining_not_helping'));
  expect(receiver.received.find((alert) => alert.model === model && alert.event === 'retraining_not_helping')?.summary)
    .toMatch(/did not replace champion v\d+ /);
});

it("a concept shift that moves no feature is caught by the champion's realized performance, and retrains", async () => {
  const model = 'concept-turn';
  const yaml = testModelYaml(model, { cooldown: '0s', webhooks: [receiver.url] })
    .replace('window: 30d', 'window: auto\n  windowRows: 90')
    .replace('drift:\n  rule: { driftedShare: 0.3, anyPsiAtLeast: 0.25 }\n', '');
  await harness.registerModel(parseModelConfig(yaml, '<concept-turn>'));
  await harness.ingest(model, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 960, seed: 31 }));
  expect((await harness.bootstrap(model)).outcome).toBe('promoted');

  await harness.ingest(model, syntheticRows({ start: '2026-02-10T00:00:00Z', rows: 100, seed: 32 }));
  const steady = await harness.checkDrift(model);
  expect(steady).toMatchObject({ verdict: 'no_drift', performance: { status: 'ok', metric: 'log_loss', labelledRows: 90 } });
  expect(steady.performance!.loss!).toBeLessThanOrEqual(steady.performance!.lossUpper!);

  // The same inputs, the opposite answers: P(y|x) turned, P(x) did not.
  await harness.ingest(model, syntheticRows({ start: '2026-02-15T00:00:00Z', rows: 120, seed: 33, weights: [-2, 1.5, -0.5] }));
  const turned = await harness.checkDrift(model);
  expect(turned).toMatchObject({ verdict: 'drift', datasetDrift: false, performance: { status: 'degraded' } });
  expect(turned.performance!.degraded).toContain('loss');
  expect(turned.reasons.join('\n')).toMatch(/performance degraded \(loss.*\): log_loss [0-9.]+ on 90 labelled rows/);
  expect(turned.retrain).toMatchObject({ started: true, reason: "drift: the champion's log_loss degraded" });
  await harness.client.workflow.getHandle(turned.retrain.workflowId!).result();
  await waitFor(() => receiver.received.some((alert) => alert.model === model && alert.event === 'drift_detected'));
  expect(receiver.received.find((alert) => alert.model === model && alert.event === 'drift_detected')?.summary).toMatch(/performance degraded/);
});
