/**
 * Commands that only need PostgreSQL: models, ingestion, stored drift reports and tuning trials.
 */
import { routeTarget } from '../alerts/routes';
import { readModelSource, type ModelConfig } from '../config';
import { checkConfigFileSize } from '../config-size-limit';
import { ingestFile, type FileFormat, type IngestProgress, type IngestResult } from '../ingest/ingest';
import { monitoringWindowWarnings } from '../monitoring/window-warnings';
import { listDeliveries } from '../store/alert-deliveries';
import { reportPath } from '../pages/paths';
import { serviceUrl } from '../settings';
import { getDriftReport, listDriftReports } from '../store/drift-reports';
import { scheduleText } from '../schedules';
import { listModelNames, loadStoredConfig, saveModelSource } from '../store/models';
import { getChampionVersion, getVersionLineage, listAliasHistory, listAliases, listVersions, setUserAlias } from '../store/registry';
import { listRetrains } from '../store/retrains';
import { listTrials } from '../store/trials';
import { CliError, currentUser, type CliContext } from './context';
import { count, duration, featureDriftTable, indent, num, percent, table, time, performanceText, verdictText, windowText } from './format';
import { IngestProgressBar } from './progress-bar';

/** Shown after ingest; the rest are in ingest_rejections. */
const MAX_REJECTIONS_SHOWN = 20;
const PROGRESS_AFTER_MS = 3_000;
/** `ingest`'s exit code when it stored the valid rows but rejected some (documented in the usage text). */
export const ROWS_REJECTED_EXIT_CODE = 3;
const PROGRESS_EVERY_MS = 5_000;

export async function modelsRegister(ctx: CliContext, configPath: string): Promise<void> {
  await checkConfigFileSize(configPath, ctx.settings.configMaxBytes);
  const source = await readModelSource(configPath);
  const { config } = source;
  const db = await ctx.db();
  const existed = (await listModelNames(db)).includes(config.model);
  await saveModelSource(db, source);
  const warnings = await monitoringWindowWarnings(db, config);
  ctx.json({ model: config.model, created: !existed, config, warnings });
  ctx.say(`${existed ? 'Updated' : 'Registered'} model '${config.model}' (${config.task}, label '${config.label}', event time '${config.eventTime}')`);
  for (const warning of warnings) ctx.say(`warning: ${warning}`);
  ctx.say();
  ctx.say(featuresTable(config));
  ctx.say();
  ctx.say('Next steps:');
  const steps: Array<[string, string]> = [
    [`driftwatch ingest ${config.model} <rows.csv>`, `load labelled history (columns ${config.eventTime}, ${config.label} and the features)`],
    ['driftwatch worker', 'in another terminal: runs the workflows and the training'],
    [`driftwatch retrain ${config.model} --wait`, 'trains the first version and makes it champion (bootstrap)'],
    [`driftwatch schedule create ${config.model}`, `drift checks, ${scheduleText(config.monitoring.schedule)}`],
  ];
  const width = Math.max(...steps.map(([command]) => command.length));
  ctx.say(indent(steps.map(([command, what]) => `${command.padEnd(width)}   # ${what}`).join('\n')));
}

export async function modelsList(ctx: CliContext): Promise<void> {
  const db = await ctx.db();
  const models = [];
  for (const name of await listModelNames(db)) {
    const config = await loadStoredConfig(db, name);
    models.push({ model: name, task: config.task, features: config.features.length, champion: await getChampionVersion(db, name) });
  }
  ctx.json(models);
  if (models.length === 0) {
    ctx.say("No models registered yet: register one with 'driftwatch models register <config.yaml>'.");
    return;
  }
  ctx.say(table(['model', 'task', 'features', 'champion'], models.map((m) => [
    m.model, m.task, m.features, m.champion === null ? 'none' : `v${m.champion}`,
  ])));
}

export async function modelsShow(ctx: CliContext, model: string): Promise<void> {
  const db = await ctx.db();
  const config = await loadStoredConfig(db, model);
  const versions = await listVersions(db, model);
  const champion = versions.find((v) => v.status === 'champion')?.version ?? null;
  const aliases = await listAliases(db, model);
  const metric = config.promotion.metric;
  ctx.json({
    model,
    champion,
    aliases,
    config,
    versions: versions.map((v) => ({ ...v, holdoutMetric: holdoutMetric(v.metrics, metric) })),
  });
  const { monitoring, driftRule, retrain, tuning, promotion } = config;
  ctx.say(`Model '${model}': ${config.task}, label '${config.label}', event time '${config.eventTime}'`);
  ctx.say(`Champion: ${champion === null ? 'none yet' : `v${champion}`}`);
  const aliasNames = Object.keys(aliases);
  if (aliasNames.length > 0) ctx.say(`Aliases: ${aliasNames.map((alias) => `${alias} -> v${aliases[alias]}`).join(', ')}`);
  ctx.say();
  ctx.say(featuresTable(config));
  ctx.say();
  ctx.say(`Monitoring: window ${windowText(monitoring.window)}, at least ${monitoring.minRows} rows, schedule ${scheduleText(monitoring.schedule)}, `
    + `reference ${config.reference.mode}, monitor_blind after ${monitoring.blindAlertAfter} unmeasured checks`);
  ctx.say(`Dataset drift: at least ${percent(driftRule.minDriftedShare)} of features drifted` +
    (driftRule.anyPsiAtLeast === null ? '' : `, or any PSI >= ${driftRule.anyPsiAtLeast}`));
  ctx.say(`Performance: ${config.performance === null ? 'off' : `the champion's ${config.task === 'regression' ? 'RMSE' : 'log loss'}`
    + `${config.task === 'binary_classification' && config.performance.calibration ? ' and calibration' : ''} on the newest labelled rows, `
    + `within mean ± ${config.performance.k}·std of its window-sized reference chunks`}`);
  ctx.say(`Retrain: cooldown ${duration(retrain.cooldownMs)}, training window ${duration(retrain.trainingWindowMs)}, ` +
    `holdout ${percent(retrain.holdoutFraction)}, at least ${retrain.minTrainingRows} training rows, seed ${retrain.seed}`);
  ctx.say(`Tuning: ${tuning.trials} trials, ${tuning.parallelism} at a time, over ${Object.keys(tuning.space).join(', ')}`);
  ctx.say(`Promotion: on ${promotion.metric}, minimum improvement ${promotion.minImprovement}`
    + `${promotion.requireConfidentImprovement ? ` (the ${percent(promotion.confidence)} interval's lower bound)` : ' (point estimate)'}, `
    + `holdout at least ${promotion.minHoldoutRows} rows${promotion.secondary.length > 0 ? `, not worse on ${promotion.secondary.map((s) => `${s.metric} (±${s.tolerance})`).join(', ')}` : ''}`);
  ctx.say(`Quality gate: ${config.qualityGate === null ? 'off' : `beat the class prior and the linear baseline (tolerance ${percent(config.qualityGate.baselineTolerance)})`
    + `${config.qualityGate.linearFallback ? '; a challenger below the linear baseline gives way to it' : ''}`}`);
  // routeTarget names a route without its credentials (a Slack webhook URL is one).
  ctx.say(`Alerts: ${config.alerts.length === 0 ? 'none' : config.alerts.map((a) => `${routeTarget(a)} (${a.events.join(', ')})`).join('; ')}`);
  ctx.say();
  if (versions.length === 0) {
    ctx.say(`No versions yet: train the first with 'driftwatch retrain ${model}'.`);
    return;
  }
  ctx.say(table(['version', 'status', 'backend', `${metric} (holdout)`, 'created', 'promoted'], versions.map((v) => [
    `v${v.version}`, v.status, v.backend, num(holdoutMetric(v.metrics, metric)), time(v.createdAt), time(v.promotedAt),
  ])));
}

export async function versionShow(ctx: CliContext, model: string, version: number): Promise<void> {
  const db = await ctx.db();
  await loadStoredConfig(db, model);
  const lineage = await getVersionLineage(db, model, version);
  if (!lineage) throw new CliError(`model '${model}' has no version ${version} ('driftwatch models show ${model}' lists them)`);
  ctx.json(lineage);
  const { trainingWindow: w, retrain, driftReport, artifact } = lineage;
  ctx.say(`${model} v${version}: ${lineage.status}${lineage.aliases.length > 0 ? ` (aliases: ${lineage.aliases.join(', ')})` : ''}, ` +
    `${lineage.task}, trained on ${lineage.backend}, created ${time(lineage.createdAt)}` +
    (lineage.promotedAt ? `, promoted ${time(lineage.promotedAt)}` : ''));
  ctx.say(`Data:       ${time(w.from)} -> ${time(w.to)}: ${w.trainingRows} training rows, ${w.holdoutRows} holdout rows (rows up to id ${w.asOfRowId})`);
  ctx.say(`Retrain:    ${retrain.workflowId} (run ${retrain.id}), ${retrain.trigger}` +
    (retrain.requestedBy ? ` by ${retrain.requestedBy}` : '') + (retrain.reason ? `: ${retrain.reason}` : ''));
  ctx.say(`Cause:      ${driftReport
    ? `drift report ${driftReport.id} (${time(driftReport.windowStart)} -> ${time(driftReport.windowEnd)}, ${percent(driftReport.driftedShare)} of features drifted)`
    : 'no drift report (bootstrap or manual retrain)'}`);
  ctx.say(`Parameters: ${parametersText(lineage.hyperparameters)}`);
  const holdout = (lineage.metrics as { holdout?: Record<string, number> } | null)?.holdout;
  ctx.say(`Holdout:    ${holdout ? Object.entries(holdout).map(([name, value]) => `${name} ${num(value)}`).join(', ') : 'not evaluated'}`);
  const reasons = (lineage.decision as { reasons?: string[] } | null)?.reasons;
  if (reasons) ctx.say(`Decision:   ${reasons.join('; ')}`);
  ctx.say(`Artifact:   ${artifact.uri ?? '(in the database row)'} sha256 ${artifact.sha256}`);
}

export async function modelsAlias(
  ctx: CliContext, model: string, alias: string, flags: { version: number | null; by?: string; reason?: string },
): Promise<void> {
  const db = await ctx.db();
  await loadStoredConfig(db, model);
  const actor = flags.by ?? currentUser();
  try {
    await setUserAlias(db, { modelName: model, alias, version: flags.version, move: { actor, reason: flags.reason ?? null, workflowId: null } });
  } catch (err) {
    if (err instanceof RangeError) throw new CliError(err.message);
    throw err;
  }
  ctx.json({ model, alias, version: flags.version });
  ctx.say(flags.version === null ? `Removed alias '${alias}' of ${model}.` : `${model} '${alias}' -> v${flags.version} (by ${actor}).`);
}

export async function modelsHistory(ctx: CliContext, model: string): Promise<void> {
  const db = await ctx.db();
  await loadStoredConfig(db, model);
  const retrains = await listRetrains(db, model);
  const aliasHistory = await listAliasHistory(db, model);
  ctx.json({ retrains, aliasHistory });
  if (retrains.length === 0) {
    ctx.say(`No retrains of '${model}' yet.`);
    return;
  }
  ctx.say('Retrains');
  ctx.say(table(['trigger', 'status', 'started', 'finished', 'outcome'], retrains.map((r) => [
    r.trigger, r.status, time(r.startedAt), time(r.finishedAt), r.closedReason ?? outcomeText(r.result),
  ])));
  ctx.say();
  ctx.say('Alias moves');
  ctx.say(table(['when', 'alias', 'from', 'to', 'by', 'reason', 'workflow'], aliasHistory.map((h) => [
    time(h.at), h.alias, h.fromVersion === null ? '' : `v${h.fromVersion}`, h.toVersion === null ? '(removed)' : `v${h.toVersion}`,
    h.actor, h.forcedOver === null ? h.reason : `${h.reason ?? ''} (forced: the version ${h.forcedOver})`, h.workflowId,
  ])));
}

export async function trials(ctx: CliContext, model: string, options: { retrainId?: string; limitRuns: number }): Promise<void> {
  const db = await ctx.db();
  await loadStoredConfig(db, model);
  const stored = await listTrials(db, model, options);
  ctx.json(stored);
  if (stored.length === 0) {
    throw new CliError(options.retrainId === undefined
      ? `no tuning trials of '${model}' yet: start one with 'driftwatch retrain ${model}'`
      : `no tuning trials of '${model}' in retrain run ${options.retrainId} (run IDs: 'driftwatch models history ${model} --json')`);
  }
  const runs = [...new Set(stored.map((t) => t.retrainId))];
  for (const run of runs) {
    const ofRun = stored.filter((t) => t.retrainId === run);
    const best = ofRun.filter((t) => t.status === 'completed').reduce<typeof ofRun[number] | undefined>(
      (a, b) => (a === undefined || b.score! < a.score! ? b : a), undefined);
    ctx.say(`Retrain ${ofRun[0]!.workflowId} (run ${run}): ${count(ofRun.length, 'trial')}, best validation loss ${num(best?.score)}`);
    ctx.say(table(['#', 'source', 'status', 'val loss', 'epochs', 'duration', 'parameters', 'note'], ofRun.map((t) => [
      `${t.trialNumber}${t === best ? '*' : ''}`, t.source, t.status, num(t.score), t.epochs, duration(t.durationMs),
      parametersText(t.parameters), t.error ?? '',
    ])));
    ctx.say();
  }
}

function parametersText(parameters: Record<string, unknown>): string {
  return Object.entries(parameters)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${typeof value === 'number' && !Number.isInteger(value) ? value.toPrecision(3) : String(value)}`)
    .join(' ');
}

export async function ingest(ctx: CliContext, model: string, file: string, format?: FileFormat): Promise<void> {
  const db = await ctx.db();
  // A bar for a person at a terminal; a log or a --json caller gets the sparse notes, which a redrawn line would garble.
  const bar = !ctx.jsonOutput && process.stderr.isTTY ? new IngestProgressBar(process.stderr) : undefined;
  let result: IngestResult;
  try {
    result = await ingestFile(db, model, file, {
      ...(format === undefined ? {} : { format }),
      onProgress: bar ? (progress) => bar.update(progress) : progressNotes(ctx),
    });
  } finally {
    bar?.clear();
  }
  ctx.json({ model, file, ...result });
  const { problems } = result;
  ctx.say(`Ingested ${file} into '${model}' (batch ${result.batchId})`);
  ctx.say(`  accepted: ${count(result.accepted, 'row')}`);
  ctx.say(`  rejected: ${count(result.rejected, 'row')}${problems > result.rejected ? ` (${count(problems, 'problem')})` : ''}`);
  for (const warning of result.warnings) ctx.say(`warning: ${warning}`);
  if (problems === 0) return;
  // Scripts and pipelines must notice lost rows even when the batch as a whole went in.
  process.exitCode = ROWS_REJECTED_EXIT_CODE;
  ctx.say();
  for (const r of result.rejections.slice(0, MAX_REJECTIONS_SHOWN)) {
    ctx.say(`row ${r.rowNumber}, field ${r.field}: ${r.reason}${r.value === undefined ? '' : ` ('${r.value}')`}`);
  }
  if (problems > MAX_REJECTIONS_SHOWN) {
    ctx.say(`... and ${problems - MAX_REJECTIONS_SHOWN} more (all stored in ingest_rejections, batch ${result.batchId})`);
  }
}

/** Progress lines on stderr, only for an ingest that has already taken a few seconds. */
function progressNotes(ctx: CliContext): (progress: IngestProgress) => void {
  const started = Date.now();
  let nextNoteAt = started + PROGRESS_AFTER_MS;
  return ({ rowsRead, rejected, bytesRead, totalBytes }) => {
    const now = Date.now();
    if (now < nextNoteAt) return;
    nextNoteAt = now + PROGRESS_EVERY_MS;
    const share = bytesRead !== undefined && totalBytes ? ` (${percent(bytesRead / totalBytes)} of the file)` : '';
    const rate = Math.round(rowsRead / ((now - started) / 1000));
    ctx.note(`ingest: ${count(rowsRead, 'row')} read${share}, ${rejected} rejected, ${rate} rows/s`);
  };
}

export async function alertDeliveries(ctx: CliContext, model: string, limit: number): Promise<void> {
  const db = await ctx.db();
  await loadStoredConfig(db, model);
  const deliveries = await listDeliveries(db, model, limit);
  ctx.json(deliveries);
  if (deliveries.length === 0) {
    ctx.say(`No alerts sent for '${model}' yet.`);
    return;
  }
  ctx.say(table(['when', 'event', 'route', 'status', 'attempts', 'last error'], deliveries.map((d) => [
    time(d.updatedAt), d.event, d.target, d.status, d.attempts, d.lastError,
  ])));
}

export async function driftHistory(ctx: CliContext, model: string, limit: number): Promise<void> {
  const db = await ctx.db();
  await loadStoredConfig(db, model);
  const reports = await listDriftReports(db, model, limit);
  ctx.json(reports);
  if (reports.length === 0) {
    ctx.say(`No drift reports for '${model}' yet: run 'driftwatch check ${model}' or create a schedule.`);
    return;
  }
  ctx.say(table(['id', 'window', 'rows', 'late', 'reference', 'measured', 'drifted share', 'performance', 'drift', 'champion'], reports.map((r) => [
    r.id, `${time(r.windowStart)} -> ${time(r.windowEnd)}`, r.rowCount, r.lateRows, r.reference?.mode ?? 'training',
    r.measuredShare === null ? '' : percent(r.measuredShare), percent(r.driftedShare), performanceText(r.performance),
    verdictText(r.verdict, r.datasetDrift), `v${r.championVersion}`,
  ])));
}

export async function driftShow(ctx: CliContext, reportId: number): Promise<void> {
  const report = await getDriftReport(await ctx.db(), reportId);
  if (!report) throw new CliError(`there is no drift report ${reportId} ('driftwatch drift history <model>' lists a model's reports)`);
  const { settings } = ctx;
  const url = `${settings.publicUrl ?? serviceUrl(settings.serviceHost, settings.servicePort)}${reportPath(report.id)}`;
  ctx.json({ ...report, url });
  ctx.say(`Drift report ${report.id} of '${report.modelName}' (champion v${report.championVersion}), ${report.source}, ${time(report.createdAt)}`);
  ctx.say(`Window:  ${time(report.windowStart)} -> ${time(report.windowEnd)}, ${count(report.rowCount, 'row')}`
    + `${report.lateRows > 0 ? ` (${report.lateRows} late)` : ''}, reference ${report.reference?.mode ?? 'training'}`);
  ctx.say(`Drift:   ${verdictText(report.verdict, report.datasetDrift)} (${percent(report.driftedShare)} of the measured features drifted`
    + `${report.measuredShare === null ? '' : `, ${percent(report.measuredShare)} measured`})`);
  if (report.performance) ctx.say(`Performance: ${performanceText(report.performance)}`);
  for (const reason of report.reasons) ctx.say(`  - ${reason}`);
  ctx.say();
  ctx.say(featureDriftTable(report.features));
  ctx.say();
  ctx.say(`Page: ${url} (served by 'driftwatch serve')`);
}

function featuresTable(config: ModelConfig): string {
  return table(['feature', 'kind', 'drift test', 'threshold'], config.features.map((f) => [f.name, f.kind, f.drift.test, f.drift.threshold]));
}

function holdoutMetric(metrics: Record<string, unknown> | null, metric: string): number | null {
  const holdout = metrics?.holdout as Record<string, unknown> | undefined;
  const value = holdout?.[metric];
  return typeof value === 'number' ? value : null;
}

function outcomeText(result: Record<string, unknown> | null): string {
  if (!result) return '-';
  const reason = typeof result.reason === 'string' ? result.reason : '';
  const outcome = typeof result.outcome === 'string' ? result.outcome : '';
  const version = typeof result.challengerVersion === 'number' ? ` v${result.challengerVersion}` : '';
  return [outcome && `${outcome}${version}`, reason].filter(Boolean).join(': ') || '-';
}
