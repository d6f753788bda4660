/**
 * `npm run demo`: the whole loop on real data, locally. Trains v1 on 2012-2013 Seattle weather,
 * then feeds 2014 and 2015 month by month through the same monitor tick the Temporal Schedule
 * runs; from October 2014 the (simulated) station feed reports °F instead of °C. The monitor
 * detects the drift in its first month and retrains; broken challengers fail the quality gate,
 * losing ones back off, and the demo stops when a challenger is promoted.
 */
import http from 'node:http';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import {
  monitorWorkflowId,
  retrainProgressQuery,
  retrainWorkflowId,
  scheduleId,
  type DriftCheckResult,
  type RetrainResult,
} from '../workflows/definitions';
import type { monitorTickWorkflow } from '../workflows';
import { windowText } from './cli/format';
import { loadModelConfig } from './config';
import { loadSeattleWeather, rowsBetween, withFahrenheitFeedFrom } from './demo/seattle-weather';
import { ingestRows } from './ingest/ingest';
import { loadObservabilitySettings } from './observability/settings';
import { upsertMonitorSchedule } from './schedules';
import { modelPath, reportPath } from './pages/paths';
import { startService, type RunningService } from './service/server';
import { loadSettings, type Settings } from './settings';
import { createApiKey, listApiKeys, revokeApiKey } from './store/api-keys';
import { createPool, type Db } from './store/db';
import { saveModelConfig } from './store/models';
import { listVersions } from './store/registry';
import { connectTemporal } from './temporal';
import { startWorkers } from './worker';

const CONFIG_PATH = path.join(__dirname, '..', 'examples', 'seattle-weather.yaml');
const FAHRENHEIT_FROM = '2014-10-01';
const ALERT_PORT = 9999;
const ALERTS_SENT_WITHIN_MS = 30_000;
const DEMO_KEY_NAME = 'demo';

async function main(): Promise<void> {
  const began = Date.now();
  const settings = loadSettings();
  // The worker's own INFO logs would bury the timeline.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  console.log('driftwatch demo: drift-triggered retraining on real Seattle weather (vega-datasets, 2012-2015)\n');
  // A worker already running on this machine holds the default metrics port: the demo serves metrics only when asked to.
  const observability = loadObservabilitySettings();
  const workers = await startWorkers(settings, ['orchestration', 'training'], process.env.DRIFTWATCH_METRICS_PORT ? observability : { ...observability, metricsPort: null });
  const db = createPool(settings.databaseUrl);
  const { connection, address } = await connectTemporal(settings);
  const client = new Client({ connection, namespace: settings.namespace });
  const alerts = await startAlertPrinter();
  const service = await startDemoService(db, client, settings);
  try {
    const config = await loadModelConfig(CONFIG_PATH);
    const model = config.model;
    console.log(`Temporal: ${address} (UI ${settings.temporalUiUrl}); PostgreSQL: ${redact(settings.databaseUrl)}`);
    console.log(`Model '${model}' from ${path.relative(process.cwd(), CONFIG_PATH)}: predicts rain from ${config.features.map((f) => f.name).join(', ')}\n`);
    await resetDemoModel(db, client, model);
    // Months pass in seconds here, so a wall-clock cooldown would block every retrain after the first.
    console.log(`(demo only: retrain cooldown ${config.retrain.cooldownMs / 3_600_000}h → 0, since simulated months pass in seconds)\n`);
    await saveModelConfig(db, { ...config, retrain: { ...config.retrain, cooldownMs: 0 } });
    await upsertMonitorSchedule(client, model, config.monitoring.schedule, settings.taskQueue);
    // The demo drives the ticks itself; unpause the schedule in the UI to monitor on the clock.
    await client.schedule.getHandle(scheduleId(model)).pause('demo: ticks are driven by npm run demo');

    const weather = withFahrenheitFeedFrom(loadSeattleWeather(), FAHRENHEIT_FROM);
    const reference = rowsBetween(weather, '2012-01-01', '2014-01-01');
    await ingest(db, model, reference);
    console.log(`2012-2013   ingested ${reference.length} labelled days; training v1 on them (bootstrap retrain)`);
    const bootstrap = await followRetrain(client, model, () =>
      client.workflow.start('retrainWorkflow', {
        workflowId: retrainWorkflowId(model), taskQueue: settings.taskQueue,
        args: [{ modelName: model, trigger: 'bootstrap', requestedBy: 'demo', trainingWindow: { from: '2012-01-01', to: '2013-12-31T23:59:59Z' } }],
      }));
    printRetrain(bootstrap);

    console.log(`\nMonthly monitor ticks (window ${windowText(config.monitoring.window)}; * = drifted (a feature, or the champion's loss against its learned upper bound); from ${FAHRENHEIT_FROM} the feed reports °F):`);
    // The drift the °F feed causes, as the report page shows it: the first drifted check of the °F months.
    let fahrenheitDriftReport: { month: string; reportId: number } | null = null;
    for (const month of monthsBetween('2014-01', '2015-12')) {
      const rows = rowsBetween(weather, `${month}-01`, nextMonth(month));
      await ingest(db, model, rows);
      const tick: DriftCheckResult = await client.workflow.execute<typeof monitorTickWorkflow>('monitorTickWorkflow', {
        workflowId: `demo-tick-${model}-${month}`, taskQueue: settings.taskQueue, args: [{ modelName: model }],
      });
      console.log(`${month}     ${formatTick(tick)}`);
      if (tick.verdict === 'drift' && tick.reportId !== null && month >= FAHRENHEIT_FROM.slice(0, 7)) fahrenheitDriftReport ??= { month, reportId: tick.reportId };
      if (tick.retrain.started) {
        const retrain = await followRetrain(client, model, null);
        printRetrain(retrain);
        // The new champion's reference is its own (shorter) training window: the story ends here.
        if (retrain.outcome === 'promoted') break;
      }
    }

    // The monitor sends its alerts after answering the tick: the receiver waits for the last one, so
    // no delivery is left failing (red in the Temporal UI) once the demo has gone.
    await monitorAlertsSent(client, model);
    // A person's "check now" after the demo must not retrain on the spot, as the demo's cooldown of 0 would.
    await saveModelConfig(db, config);
    console.log(`(retrain cooldown restored to ${config.retrain.cooldownMs / 3_600_000}h in the stored config)`);

    console.log('\nModel versions:');
    for (const v of await listVersions(db, model)) {
      const holdout = (v.metrics as { holdout?: Record<string, number> } | null)?.holdout ?? {};
      console.log(`  v${v.version}  ${v.status.padEnd(9)} backend ${v.backend.padEnd(5)} holdout ${formatMetrics(holdout)}`);
    }
    console.log(`\nAlerts received by the demo's webhook (http://127.0.0.1:${ALERT_PORT}/driftwatch): ${alerts.received.join(', ') || 'none'}`);
    console.log(`\nOpen the Temporal UI at ${settings.temporalUiUrl}: workflows ${monitorWorkflowId(model)} (query monitorStatus), ${retrainWorkflowId(model)}`);
    console.log(`(query retrainProgress), and the schedule ${scheduleId(model)} (paused). The dev server keeps running; stop it with 'driftwatch server stop'.`);
    console.log(`\nDemo finished in ${((Date.now() - began) / 1000).toFixed(0)} s.`);
    if (fahrenheitDriftReport) {
      console.log(`\nThe drift report of ${fahrenheitDriftReport.month} (°F feed), reference vs window per feature: `
        + `${service.url}${reportPath(fahrenheitDriftReport.reportId)}?key=${service.readKey}`);
      console.log(`(a read-only API key made for the demo; the model's page is ${service.url}${modelPath(model)})`);
    }
    await servePagesUntilInterrupted(service.url);
  } finally {
    await service.close();
    await alerts.close();
    await workers.shutdown();
    await connection.close();
    await db.end();
  }
}

async function ingest(db: Db, model: string, rows: Record<string, unknown>[]): Promise<void> {
  const result = await ingestRows(db, model, rows, { source: 'vega-datasets/seattle-weather.csv' });
  if (result.rejections.length > 0) throw new Error(`demo rows rejected: ${JSON.stringify(result.rejections.slice(0, 3))}`);
}

/**
 * The HTTP service with the pages, on DRIFTWATCH_SERVICE_PORT (8080) or a free port when that is taken,
 * and a read-only key for them: a rerun revokes the key of the run before.
 */
async function startDemoService(db: Db, client: Client, settings: Settings): Promise<RunningService & { readKey: string }> {
  for (const key of await listApiKeys(db)) if (key.name === DEMO_KEY_NAME && key.revokedAt === null) await revokeApiKey(db, key.id);
  const { key } = await createApiKey(db, { name: DEMO_KEY_NAME, role: 'read', createdBy: 'demo' });
  const service = await startService({ db, client, settings, logger: false }).catch((err: unknown) => {
    if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
    return startService({ db, client, settings, port: 0, logger: false });
  });
  return { ...service, readKey: key };
}

/** At a terminal the pages stay up until Ctrl-C; elsewhere (CI, scripts) the demo ends, and `driftwatch serve` serves them. */
async function servePagesUntilInterrupted(url: string): Promise<void> {
  if (!process.stdin.isTTY) {
    console.log(`(not at a terminal: the service stops with the demo; 'bin/driftwatch serve' serves these pages again)`);
    return;
  }
  console.log(`\nServing the pages at ${url}; press Ctrl-C to stop.`);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
}

/** The demo owns its model: a rerun starts from an empty history. */
async function resetDemoModel(db: Db, client: Client, model: string): Promise<void> {
  for (const workflowId of [monitorWorkflowId(model), retrainWorkflowId(model)]) {
    await client.workflow.getHandle(workflowId).terminate('demo restarted').catch(() => undefined);
  }
  await client.schedule.getHandle(scheduleId(model)).delete().catch(() => undefined);
  await db.query('DELETE FROM models WHERE name = $1', [model]);
}

/**
 * Waits until the monitor is idle (no child retrain, no workflow task to run, no activity such as an
 * alert delivery) on two polls in a row, for at most ALERTS_SENT_WITHIN_MS: a retrain's result reaches
 * the monitor as a workflow task, which may then schedule an alert.
 */
async function monitorAlertsSent(client: Client, model: string): Promise<void> {
  const monitor = client.workflow.getHandle(monitorWorkflowId(model));
  const deadline = Date.now() + ALERTS_SENT_WITHIN_MS;
  let idlePolls = 0;
  while (idlePolls < 2) {
    if (Date.now() > deadline) {
      console.log(`(the monitor's alerts were still being delivered after ${ALERTS_SENT_WITHIN_MS / 1000} s; see ${monitorWorkflowId(model)} in the Temporal UI)`);
      return;
    }
    const { raw } = await monitor.describe();
    const idle = !raw.pendingWorkflowTask && (raw.pendingChildren ?? []).length === 0 && (raw.pendingActivities ?? []).length === 0;
    idlePolls = idle ? idlePolls + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Prints each stage change of the retrain (from its progress query) and returns its result. */
async function followRetrain(
  client: Client,
  model: string,
  start: (() => Promise<unknown>) | null,
): Promise<RetrainResult> {
  if (start) await start();
  const handle = client.workflow.getHandle(retrainWorkflowId(model));
  const result = handle.result() as Promise<RetrainResult>;
  let done = false;
  void result.finally(() => (done = true));
  let lastStage = '';
  while (!done) {
    const progress = await handle.query(retrainProgressQuery).catch(() => null);
    if (progress && progress.stage !== lastStage) {
      lastStage = progress.stage;
      const trials = progress.stage === 'training' ? ` (${progress.trialsDone}/${progress.trialsTotal} trials, best validation loss ${progress.bestScore?.toFixed(4)})` : '';
      console.log(`              retrain stage: ${progress.stage}${trials}`);
    }
    await Promise.race([result.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 250))]);
  }
  return result;
}

function printRetrain(result: RetrainResult): void {
  const metrics = result.metrics
    ? `challenger ${formatMetrics(result.metrics.challenger)}${result.metrics.champion ? `; champion ${formatMetrics(result.metrics.champion)}` : ''}`
    : '';
  console.log(`            → ${result.outcome.toUpperCase()} v${result.challengerVersion} (trained on ${result.backend}): ${result.reason}`);
  if (metrics) console.log(`              holdout: ${metrics}`);
}

function formatTick(tick: DriftCheckResult): string {
  if (tick.outcome !== 'checked') return `${tick.outcome}: ${tick.reasons.join('; ')}`;
  const features = tick.features
    .map((f) => {
      const score = f.score === null ? f.status : f.scoreKind === 'p_value' ? `p=${f.score.toPrecision(2)}` : `${f.score.toFixed(3)}/${f.threshold.toFixed(3)}`;
      const effect = f.effectSize == null ? '' : ` D=${f.effectSize.toFixed(2)}/${f.effectSizeFloor?.toFixed(2)}`;
      const outside = f.outOfRangeShare ? ` out-of-range ${Math.round(f.outOfRangeShare * 100)}%` : '';
      return `${f.feature} ${f.test} ${score}${effect}${outside}${f.drifted ? '*' : ''}`;
    })
    .join('  ');
  const performance = tick.performance?.loss == null
    ? ''
    : `  champion ${tick.performance.metric} ${tick.performance.loss.toFixed(2)}/${tick.performance.lossUpper?.toFixed(2)}`
      + `${tick.performance.calibration === null ? '' : ` calibration ${tick.performance.calibration.toFixed(2)}`}${tick.performance.status === 'degraded' ? '*' : ''}`;
  const decision = tick.verdict === 'drift'
    ? `DRIFT → retrain ${tick.retrain.started ? 'started' : `not started (${tick.retrain.reason})`}`
    : tick.verdict === 'not_measured' ? 'NOT MEASURED' : 'no drift';
  return `${tick.window?.rows} rows  ${features}${performance}  ${decision}`;
}

function formatMetrics(metrics: Record<string, number | undefined>): string {
  return ['roc_auc', 'log_loss', 'accuracy'].filter((m) => metrics[m] !== undefined).map((m) => `${m} ${metrics[m]!.toFixed(3)}`).join(', ');
}

function monthsBetween(first: string, last: string): string[] {
  const months: string[] = [];
  for (let month = first; month <= last; month = nextMonth(month).slice(0, 7)) months.push(month);
  return months;
}

function nextMonth(month: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${year + 1}-01-01` : `${year}-${String(m + 1).padStart(2, '0')}-01`;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}

/** A local webhook receiver on the example config's alert URL, so the demo shows what on-call gets. */
async function startAlertPrinter(): Promise<{ received: string[]; close: () => Promise<void> }> {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const alert = JSON.parse(body) as { event: string; summary: string };
      received.push(alert.event);
      console.log(`              [alert ${alert.event}] ${alert.summary}`);
      res.writeHead(204).end();
    });
  });
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(ALERT_PORT, '127.0.0.1', () => resolve(true));
  });
  if (!listening) console.log(`(port ${ALERT_PORT} is taken: alerts go to whatever listens there)`);
  return { received, close: () => new Promise((resolve) => (listening ? server.close(() => resolve()) : resolve())) };
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`demo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  },
);
