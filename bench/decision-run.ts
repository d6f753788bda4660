/**
 * One run of the decision benchmark: a scenario's data fed month by month, under one policy and one
 * seed, through the real monitor and retrain workflows (real Temporal, real PostgreSQL). Each run has
 * its own database, task queue, model name and artifact directory, so runs cannot see each other.
 * Everything is read back through workflow results and the database.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, WithStartWorkflowOperation } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseModelConfig, type ModelConfig } from '../src/config';
import type { WeatherRow } from '../src/demo/seattle-weather';
import { ingestRows } from '../src/ingest/ingest';
import { higherIsBetter, scorePredictions } from '../src/metrics';
import { createLocalArtifactStore, type ArtifactStore } from '../src/store/artifacts';
import { createPool, migrate, type Db } from '../src/store/db';
import { readSplit } from '../src/store/feature-store';
import { saveModelConfig } from '../src/store/models';
import { getChampionVersion, getVersionArtifact, getVersionTrainingWindow } from '../src/store/registry';
import { fitBaseline, predict, predictBaseline, type ModelArtifact } from '../src/training';
import { createWorkers } from '../src/worker';
import type { modelMonitorWorkflow, retrainWorkflow } from '../workflows';
import {
  checkDriftUpdate,
  monitorWorkflowId,
  retrainWorkflowId,
  type DriftCheckResult,
  type RetrainResult,
} from '../workflows/definitions';
import { feedMonths, nextMonthStart, rowsBetween, TRAINING_SPAN, type Scenario } from './decision-scenarios';

export const POLICIES = ['default', 'never', 'monthly', 'training', 'seasonal', 'example'] as const;
export type Policy = (typeof POLICIES)[number];

export const EXAMPLE_CONFIG_PATH = path.join(__dirname, '..', 'examples', 'seattle-weather.yaml');

/** Small tuning, the same for every policy, so that a run of the whole benchmark stays within minutes. */
export const BENCH_TUNING = { trials: 3, parallelism: 2, initialRandomTrials: 2, epochs: 30 } as const;

/** What every run shares: one Temporal client and one workflow bundle; each run builds its own workers. */
export interface BenchContext {
  client: Client;
  nativeConnection: NativeConnection;
  namespace: string;
  temporalUiUrl: string;
  adminDatabaseUrl: string;
  workflowCode: string;
  alerts: AlertCounter;
}

export interface MonthRecord {
  month: string;
  rows: number;
  /** The champion that served this month, scored on its rows before they were ingested (prequential). */
  championVersion: number | null;
  logLoss: number | null;
  rocAuc: number | null;
  check: DriftCheckResult | null;
  /** Share of the check's window rows dated on or after the scenario's onset. */
  shiftedShareOfWindow: number | null;
}

export interface RetrainRecord {
  month: string;
  workflowId: string;
  /** Whatever the code reports: promoted, rejected, failed_quality_gate, superseded, skipped; 'failed' when the workflow failed. */
  outcome: string;
  reason: string;
  challengerVersion: number | null;
  promoted: boolean;
  metric: string | null;
  interval: { lower: number; upper: number } | null;
  /** The bench's logistic regression on the challenger's own training rows, scored with it on the challenger's holdout. */
  baseline: { metric: string; challenger: number | null; baseline: number | null; holdoutRows: number; belowBaseline: boolean } | null;
}

export interface RunResult {
  scenario: string;
  policy: Policy;
  seed: number;
  model: string;
  config: { window: WindowDefinition; minRows: number; cooldownMs: number; promotionMetric: string; requireConfidentImprovement: boolean; minImprovement: number };
  bootstrap: { outcome: string; version: number | null };
  months: MonthRecord[];
  retrains: RetrainRecord[];
  alerts: Record<string, number>;
  wallSeconds: number;
}

export async function runOnce(context: BenchContext, scenario: Scenario, policy: Policy, seed: number): Promise<RunResult> {
  const began = Date.now();
  const suffix = randomUUID().slice(0, 6);
  const model = `bench-${scenario.name}-${policy}-s${seed}-${suffix}`;
  const config = await benchModelConfig(model, policy, seed, context.alerts.url);
  const environment = await startRunEnvironment(context, model);
  const { db, artifacts, taskQueue } = environment;
  const { client } = context;
  try {
    await saveModelConfig(db, config);
    const rows = scenario.rows(seed);
    await ingest(db, model, rowsBetween(rows, TRAINING_SPAN.from, TRAINING_SPAN.toExclusive));
    const bootstrap = await client.workflow.execute<typeof retrainWorkflow>('retrainWorkflow', {
      workflowId: retrainWorkflowId(model), taskQueue,
      args: [{ modelName: model, trigger: 'bootstrap', requestedBy: 'bench', trainingWindow: { from: TRAINING_SPAN.from, to: '2013-12-31T23:59:59Z' } }],
    });

    const champion = championScorer(db, artifacts, model);
    const months: MonthRecord[] = [];
    const retrains: RetrainRecord[] = [];
    for (const month of feedMonths()) {
      const monthRows = rowsBetween(rows, `${month}-01`, nextMonthStart(month));
      const served = await champion.score(monthRows);
      await ingest(db, model, monthRows);
      let check: DriftCheckResult | null = null;
      if (policy !== 'never') {
        check = await client.workflow.executeUpdateWithStart(checkDriftUpdate, {
          args: [policy === 'monthly'
            ? { source: 'bench', forceRetrain: true, requestedBy: 'bench', reason: 'the monthly policy retrains every month' }
            : { source: 'bench' }],
          startWorkflowOperation: new WithStartWorkflowOperation<typeof modelMonitorWorkflow>('modelMonitorWorkflow', {
            workflowId: monitorWorkflowId(model), taskQueue, args: [{ modelName: model }], workflowIdConflictPolicy: 'USE_EXISTING',
          }),
        });
        if (check.retrain.started && check.retrain.workflowId) {
          retrains.push(await followRetrain(environment, config, month, check.retrain.workflowId));
        }
      }
      months.push({ month, rows: monthRows.length, ...served, check, shiftedShareOfWindow: shiftedShare(rows, scenario.onset, check) });
    }
    return {
      scenario: scenario.name, policy, seed, model,
      config: {
        window: windowDefinition(config), minRows: config.monitoring.minRows, cooldownMs: config.retrain.cooldownMs,
        promotionMetric: config.promotion.metric, requireConfidentImprovement: config.promotion.requireConfidentImprovement,
        minImprovement: config.promotion.minImprovement,
      },
      bootstrap: { outcome: bootstrap.outcome, version: bootstrap.challengerVersion },
      months, retrains, alerts: context.alerts.countsFor(model), wallSeconds: (Date.now() - began) / 1000,
    };
  } finally {
    await environment.close();
  }
}

/**
 * The example model config under a policy. `default` and the baselines keep the example's model
 * (features, label, retrain window) but drop its monitoring, drift, reference and promotion sections
 * and the per-feature tests, so what is measured is the code's defaults; `training` and `seasonal`
 * are `default` with that reference mode; `example` keeps the example as written.
 * Months pass in seconds here, so the cooldown is 0 everywhere.
 */
export async function benchModelConfig(model: string, policy: Policy, seed: number, alertUrl: string): Promise<ModelConfig> {
  const file = parseYaml(await readFile(EXAMPLE_CONFIG_PATH, 'utf8')) as Record<string, unknown> & {
    features: Array<Record<string, unknown>>;
    retrain?: Record<string, unknown>;
    tuning?: Record<string, unknown> & { space?: Record<string, unknown> };
  };
  if (policy !== 'example') {
    delete file.monitoring;
    delete file.drift;
    delete file.promotion;
    delete file.reference;
    for (const feature of file.features) delete feature.drift;
  }
  // The defaults with one reference mode forced (the default, auto, picks seasonal here: the example's
  // two-year training window lets it learn year-over-year thresholds).
  if (policy === 'training' || policy === 'seasonal') file.reference = { mode: policy, period: '365d' };
  file.model = model;
  file.retrain = { ...file.retrain, cooldown: '0s', seed };
  file.tuning = {
    trials: BENCH_TUNING.trials,
    parallelism: BENCH_TUNING.parallelism,
    initialRandomTrials: BENCH_TUNING.initialRandomTrials,
    space: { ...file.tuning?.space, epochs: { type: 'categorical', choices: [BENCH_TUNING.epochs] } },
  };
  delete file.approval;
  // No events listed: every event the code emits, including any added after this bench was written.
  // The bench's receiver is local: plain http to a loopback address, allowed for this route only.
  file.alerts = [{ type: 'webhook', url: alertUrl, allowInsecureHosts: ['127.0.0.1'], allowPrivateHosts: ['127.0.0.1'] }];
  return parseModelConfig(stringifyYaml(file), `${EXAMPLE_CONFIG_PATH} (bench policy ${policy})`);
}

interface RunEnvironment {
  db: Db;
  artifacts: ArtifactStore;
  taskQueue: string;
  client: Client;
  close(): Promise<void>;
}

async function startRunEnvironment(context: BenchContext, model: string): Promise<RunEnvironment> {
  const databaseName = `driftwatch_${model.replace(/-/g, '_')}`;
  const admin = new PgClient({ connectionString: context.adminDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(databaseName)}`);
  const url = new URL(context.adminDatabaseUrl);
  url.pathname = `/${databaseName}`;
  const db = createPool(url.toString());
  await migrate(db);
  const artifactDir = await mkdtemp(path.join(os.tmpdir(), 'driftwatch-bench-'));
  const artifacts = createLocalArtifactStore(artifactDir);
  const taskQueue = `bench-${model}`;
  const workers: Worker[] = await createWorkers(
    {
      db, artifacts, client: context.client, nativeConnection: context.nativeConnection, taskQueue,
      namespace: context.namespace, temporalUiUrl: context.temporalUiUrl, workflowBundle: { code: context.workflowCode },
      trainingConcurrency: BENCH_TUNING.parallelism,
    },
    ['orchestration', 'training'],
  );
  const running = workers.map((worker) => worker.run());
  return {
    db, artifacts, taskQueue, client: context.client,
    async close() {
      await context.client.workflow.getHandle(monitorWorkflowId(model)).terminate('bench run over').catch(() => undefined);
      await context.client.workflow.getHandle(retrainWorkflowId(model)).terminate('bench run over').catch(() => undefined);
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.allSettled(running);
      await db.end();
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(databaseName)} WITH (FORCE)`);
      await admin.end();
      await rm(artifactDir, { recursive: true, force: true });
    },
  };
}

async function ingest(db: Db, model: string, rows: WeatherRow[]): Promise<void> {
  const result = await ingestRows(db, model, rows, { source: 'bench/decisions' });
  if (result.rejections.length > 0) throw new Error(`bench rows rejected: ${JSON.stringify(result.rejections.slice(0, 3))}`);
}

/** Scores the serving champion on rows it has not seen; artifacts are loaded once per version. */
function championScorer(db: Db, artifacts: ArtifactStore, model: string) {
  const loaded = new Map<number, ModelArtifact>();
  return {
    async score(rows: WeatherRow[]): Promise<{ championVersion: number | null; logLoss: number | null; rocAuc: number | null }> {
      const version = await getChampionVersion(db, model);
      if (version === null || rows.length === 0) return { championVersion: version, logLoss: null, rocAuc: null };
      if (!loaded.has(version)) loaded.set(version, await getVersionArtifact(db, artifacts, model, version));
      const predictions = await predict(loaded.get(version)!, rows);
      const scores = scorePredictions('binary_classification', rows.map((row) => Number(row.rain)), predictions);
      return { championVersion: version, logLoss: scores.log_loss ?? null, rocAuc: scores.roc_auc ?? null };
    },
  };
}

async function followRetrain(environment: RunEnvironment, config: ModelConfig, month: string, workflowId: string): Promise<RetrainRecord> {
  let result: RetrainResult;
  try {
    result = await environment.client.workflow.getHandle<typeof retrainWorkflow>(workflowId).result();
  } catch (err) {
    const reason = err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : String(err);
    return { month, workflowId, outcome: 'failed', reason, challengerVersion: null, promoted: false, metric: null, interval: null, baseline: null };
  }
  const interval = result.decision?.bootstrap ?? (result.challengerVersion === null ? null : await storedInterval(environment.db, config.model, result.challengerVersion));
  return {
    month, workflowId,
    outcome: result.outcome,
    reason: result.reason,
    challengerVersion: result.challengerVersion,
    promoted: result.outcome === 'promoted',
    metric: result.decision?.metric ?? null,
    interval: interval ? { lower: interval.lower, upper: interval.upper } : null,
    baseline: result.challengerVersion === null ? null : await compareWithBaseline(environment, config, result.challengerVersion),
  };
}

async function storedInterval(db: Db, model: string, version: number): Promise<{ lower: number; upper: number } | null> {
  const stored = await db.query<{ decision: { bootstrap?: { lower: number; upper: number } | null } | null }>(
    'SELECT decision FROM model_versions WHERE model_name = $1 AND version = $2',
    [model, version],
  );
  return stored.rows[0]?.decision?.bootstrap ?? null;
}

/**
 * The challenger and a logistic regression fitted here on the challenger's own training rows (the
 * baseline code checked against scikit-learn's LogisticRegression(C=1), run by the bench itself rather
 * than read from what the retrain stored), both scored on the challenger's holdout with the promotion metric.
 */
async function compareWithBaseline(environment: RunEnvironment, config: ModelConfig, version: number): Promise<RetrainRecord['baseline']> {
  const { db, artifacts } = environment;
  const split = await getVersionTrainingWindow(db, config.model, version);
  if (!split) return null;
  const training = await readSplit(db, config.model, split, 'training');
  const holdout = await readSplit(db, config.model, split, 'holdout');
  const metric = config.promotion.metric;
  if (training.length === 0 || holdout.length === 0) return null;
  const baselineModel = await fitBaseline({
    task: config.task, features: config.features, rows: training.map((r) => r.features), labels: training.map((r) => Number(r.label)),
  });
  const holdoutFeatures = holdout.map((r) => r.features);
  const labels = holdout.map((r) => Number(r.label));
  const challengerPredictions = await predict(await getVersionArtifact(db, artifacts, config.model, version), holdoutFeatures);
  const challenger = scorePredictions(config.task, labels, challengerPredictions)[metric] ?? null;
  const baseline = scorePredictions(config.task, labels, predictBaseline(baselineModel, holdoutFeatures, 'linear'))[metric] ?? null;
  // A promoted linear baseline is this very regression served in float32: it differs from the float64 fit by ~1e-8.
  const margin = baseline === null ? 0 : SAME_MODEL_TOLERANCE * Math.abs(baseline);
  const belowBaseline = challenger !== null && baseline !== null
    && (higherIsBetter(metric) ? challenger < baseline - margin : challenger > baseline + margin);
  return { metric, challenger, baseline, holdoutRows: holdout.length, belowBaseline };
}

/** Relative difference within which a challenger and the bench's regression score the same (float32 serving of the same model). */
const SAME_MODEL_TOLERANCE = 1e-6;

/** Share of the rows in the check's window, as the check reported it, dated on or after the onset. */
function shiftedShare(rows: WeatherRow[], onset: string | null, check: DriftCheckResult | null): number | null {
  if (onset === null || !check?.window) return null;
  const start = new Date(check.window.start).getTime();
  const end = new Date(check.window.end).getTime();
  const inWindow = rows.filter((row) => {
    const time = new Date(String(row.date)).getTime();
    return time >= start && time <= end;
  });
  if (inWindow.length === 0) return null;
  return inWindow.filter((row) => String(row.date) >= onset).length / inWindow.length;
}

export type WindowDefinition = { kind: 'rows'; rows: number } | { kind: 'duration'; ms: number };

/** The monitoring window of the resolved config; read structurally, since its shape is being changed (a duration, or a row count). */
export function windowDefinition(config: ModelConfig): WindowDefinition {
  const monitoring = config.monitoring as unknown as { window?: WindowDefinition; windowMs?: number };
  if (typeof monitoring.window === 'object') return monitoring.window;
  if (typeof monitoring.windowMs === 'number') return { kind: 'duration', ms: monitoring.windowMs };
  throw new Error(`unrecognised monitoring window in the resolved config: ${JSON.stringify(config.monitoring)}`);
}

export interface AlertCounter {
  url: string;
  countsFor(model: string): Record<string, number>;
  close(): Promise<void>;
}

/** A local webhook receiver for every run's alerts, counted per model and event. */
export async function startAlertCounter(): Promise<AlertCounter> {
  const counts = new Map<string, Record<string, number>>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      try {
        const alert = JSON.parse(body) as { event: string; model: string };
        const perModel = counts.get(alert.model) ?? {};
        perModel[alert.event] = (perModel[alert.event] ?? 0) + 1;
        counts.set(alert.model, perModel);
      } finally {
        res.writeHead(204).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/driftwatch`,
    countsFor: (model) => ({ ...counts.get(model) }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
