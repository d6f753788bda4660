/**
 * `npm run bench:check [-- --runs N] [--fresh]`: a drift check end to end, PostgreSQL read → verdict, on a
 * 1 M-row window of 10 numeric features, against the same computation in Python (psycopg + numpy + scipy)
 * reading the same table, in the same run. See bench/README.md ("Check benchmark").
 *
 * The orchestrator (no --child) prepares the database once, then runs each measurement in a process of its
 * own, one after the other, so each peak RSS belongs to one side and the two never share the cores:
 *   1. bench/drift_peers.py generate       scenario B's columns (1 M reference, 1 M current, 10 features),
 *                                          the data bench:drift uses
 *   2. database driftwatch_bench_check     migrated; the reference period and the window ingested through
 *                                          writeIngestBatch (what `driftwatch ingest` writes with); a champion
 *                                          whose reference profile is the reference columns, registered and
 *                                          promoted as a retrain leaves it. Kept for the next run (--fresh rebuilds it)
 *   3. --child check                       the computeDrift activity itself (under MockActivityEnvironment, so
 *                                          it heartbeats as in a worker), --runs times; the report each writes is
 *                                          deleted before the next, so each run checks the rows again
 *   4. bench/check_peers.py check          the same window and reference read with psycopg, KS (ks_2samp) and
 *                                          PSI (numpy) per feature, --runs times
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Client as PgClient } from 'pg';
import type { DriftComputation } from '../activities/orchestration';
import { parseModelConfig, type ModelConfig } from '../src/config';
import { buildReferenceProfile, type FeatureTable } from '../src/drift';
import type { RowOutcome } from '../src/ingest/validate-rows';
import { createLocalArtifactStore } from '../src/store/artifacts';
import { createPool, databaseUrl, migrate, type Db } from '../src/store/db';
import { writeIngestBatch } from '../src/store/feature-store';
import { saveModelConfig } from '../src/store/models';
import { promoteCandidate, registerCandidate } from '../src/store/registry';
import { sourceState } from './source-state';

const ROOT = path.resolve(__dirname, '..');
const PYTHON = path.join(ROOT, '.tools', 'py', 'bin', 'python');
const DRIFT_PEERS = path.join(__dirname, 'drift_peers.py');
const CHECK_PEERS = path.join(__dirname, 'check_peers.py');
const DATA_DIR = path.join(ROOT, '.tools', 'bench-data', 'B');
const RESULTS_DIR = path.join(ROOT, '.tools', 'bench-data', 'check');
const DATABASE = 'driftwatch_bench_check';
const MODEL = 'bench-check';
const ROWS = 1_000_000;
const FEATURES = 10;
/** The data's version: a database built for another one is rebuilt. */
const DATA_VERSION = `scenario-B/${ROWS}x${FEATURES}/v1`;
const MIB = 1024 * 1024;
const TARGET_SECONDS = 1.5;
const TARGET_RATIO = 0.5;
const TARGET_PEAK_MIB = 300;

const USAGE = `usage: npm run bench:check -- [--runs N] [--fresh]
  --runs N   checks per side, each timed (default 3); the first driftwatch run is a cold process
  --fresh    rebuild the database ${DATABASE} even if it holds this benchmark's data`;

interface Meta { nRef: number; nCur: number; nFeatures: number; features: { name: string; drifted: boolean }[] }

interface SideResult {
  seconds: number[];
  /** CPU time of the checking process per run (user + system), PostgreSQL's own work not included: steadier than wall time on a busy machine. */
  cpuSeconds: number[];
  peakRssBytes: number;
  /** RSS once everything is imported and connected, before the first check. */
  baselineRssBytes?: number;
  /** Longest the event loop was blocked during a check (driftwatch only): heartbeats wait at most this long. */
  maxEventLoopDelayMs?: number;
  verdict: string;
  pValues: number[];
  psi: number[];
  versions?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Setup: data, database, champion.

function modelConfig(names: string[]): ModelConfig {
  // KS on every feature (the default for a reference this large is a distance): PSI comes with every result.
  return parseModelConfig(JSON.stringify({
    model: MODEL,
    task: 'binary_classification',
    label: 'label',
    performance: null,
    monitoring: { window: 'auto', windowRows: ROWS },
    features: names.map((name) => ({ name, kind: 'numeric', drift: { test: 'ks' } })),
  }), '<bench:check>');
}

function readMeta(): Meta {
  return JSON.parse(fs.readFileSync(path.join(DATA_DIR, 'meta.json'), 'utf8')) as Meta;
}

function readColumns(side: 'ref' | 'cur', meta: Meta): Float64Array[] {
  const rows = side === 'ref' ? meta.nRef : meta.nCur;
  const bytes = fs.readFileSync(path.join(DATA_DIR, `${side}.f64`));
  if (bytes.length !== rows * meta.nFeatures * 8) throw new Error(`${side}.f64 holds ${bytes.length} bytes, expected ${rows * meta.nFeatures * 8}`);
  const all = new Float64Array(new Uint8Array(bytes).buffer);
  return Array.from({ length: meta.nFeatures }, (_, k) => all.subarray(k * rows, (k + 1) * rows));
}

/** One row a second from `start`: the columns as ingest's validated rows, in chunks. */
async function* rowsOf(columns: Float64Array[], names: string[], start: number): AsyncGenerator<RowOutcome[]> {
  const rows = columns[0]!.length;
  for (let first = 0; first < rows; first += 10_000) {
    const chunk: RowOutcome[] = [];
    for (let i = first; i < Math.min(rows, first + 10_000); i++) {
      const features: Record<string, number> = {};
      names.forEach((name, k) => { features[name] = columns[k]![i]!; });
      chunk.push({ row: { eventTime: new Date(start + i * 1000).toISOString(), features, label: null } });
    }
    yield chunk;
  }
}

async function databaseHoldsData(db: Db): Promise<boolean> {
  const table = await db.query<{ name: string | null }>(`SELECT to_regclass('bench_check_data')::text AS name`);
  if (!table.rows[0]?.name) return false;
  const marker = await db.query<{ version: string }>('SELECT version FROM bench_check_data');
  return marker.rows[0]?.version === DATA_VERSION;
}

async function prepareDatabase(url: string, meta: Meta, fresh: boolean): Promise<void> {
  const admin = new PgClient({ connectionString: adminUrl() });
  await admin.connect();
  try {
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE])).rowCount === 1;
    if (exists && !fresh) {
      const db = createPool(url);
      try {
        if (await databaseHoldsData(db)) {
          // The schema the code expects (an index added since the rows were loaded, say), as a worker's start gives it.
          const applied = await migrate(db);
          console.log(`database ${DATABASE}: reusing its rows and champion (--fresh rebuilds it)${applied.length > 0 ? `; migrated: ${applied.join(', ')}` : ''}`);
          return;
        }
      } finally {
        await db.end();
      }
    }
    if (exists) await admin.query(`DROP DATABASE ${DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  console.log(`database ${DATABASE}: loading ${meta.nRef.toLocaleString('en')} reference-period rows and a ${meta.nCur.toLocaleString('en')}-row window ...`);
  const db = createPool(url);
  try {
    await migrate(db);
    const names = meta.features.map((feature) => feature.name);
    const config = modelConfig(names);
    await saveModelConfig(db, config);
    const reference = readColumns('ref', meta);
    const layout = { numeric: names, categorical: [] };
    const began = performance.now();
    // The reference period first, then the window: a table with history, as a monitored model's is.
    const referenceStart = Date.UTC(2025, 0, 1);
    await writeIngestBatch(db, MODEL, layout, 'bench:check reference', rowsOf(reference, names, referenceStart));
    await writeIngestBatch(db, MODEL, layout, 'bench:check window', rowsOf(readColumns('cur', meta), names, referenceStart + meta.nRef * 1000));
    await db.query('VACUUM ANALYZE feature_rows');
    console.log(`  ingested in ${((performance.now() - began) / 1000).toFixed(1)} s`);
    await registerChampion(db, config, { rowCount: meta.nRef, columns: Object.fromEntries(names.map((name, k) => [name, reference[k]!])) });
    await db.query('CREATE TABLE bench_check_data (version text NOT NULL)');
    await db.query('INSERT INTO bench_check_data VALUES ($1)', [DATA_VERSION]);
  } finally {
    await db.end();
  }
}

/** A champion whose drift reference is the reference columns, registered and promoted as a retrain leaves it. */
async function registerChampion(db: Db, config: ModelConfig, reference: FeatureTable): Promise<void> {
  // Loaded here only: the checks never score the champion (performance: null), they need its reference profile.
  const { trainModel } = await import('../src/training');
  const rows = Array.from({ length: 40 }, (_, i) => Object.fromEntries(config.features.map((f, k) => [f.name, (i * (k + 1)) % 7])));
  const { artifact } = await trainModel({
    task: 'binary_classification', features: config.features, rows, labels: rows.map((_, i) => i % 2), seed: 1,
    hyperparameters: { hiddenLayers: 1, hiddenUnits: 4, learningRate: 0.01, epochs: 1, batchSize: 16, dropout: 0, l2: 0 },
  });
  const retrainId = '00000000-0000-4000-8000-00000000c4ec';
  const workflowId = `retrain-${MODEL}`;
  await db.query(`INSERT INTO retrains (id, workflow_id, model_name, trigger, status) VALUES ($1, $2, $3, 'bootstrap', 'promoted')`,
    [retrainId, workflowId, MODEL]);
  const began = performance.now();
  const referenceProfile = buildReferenceProfile(config.features, reference);
  console.log(`  reference profile built in ${((performance.now() - began) / 1000).toFixed(1)} s`);
  const version = await registerCandidate(db, createLocalArtifactStore(artifactDir()), {
    modelName: MODEL, retrainId, kind: 'tuned', workflowId, task: 'binary_classification', backend: artifact.backend.name,
    hyperparameters: artifact.hyperparameters,
    trainingWindow: { asOfRowId: '0', from: '2025-01-01T00:00:00.000Z', to: '2025-01-13T00:00:00.000Z', holdoutStart: null, trainingRows: 0, holdoutRows: 0 },
    referenceProfile, artifact,
  });
  await promoteCandidate(db, { modelName: MODEL, version, retrainId, expectedChampion: null, decision: {}, workflowId });
}

function adminUrl(): string {
  const url = new URL(databaseUrl());
  url.pathname = '/postgres';
  return url.toString();
}

function benchUrl(): string {
  const url = new URL(databaseUrl());
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

function artifactDir(): string {
  return path.join(RESULTS_DIR, 'artifacts');
}

// ---------------------------------------------------------------------------------------------
// The driftwatch side: the computeDrift activity, in a process of its own.

async function childCheck(out: string, runs: number): Promise<void> {
  const { MockActivityEnvironment } = await import('@temporalio/testing');
  const { Client } = await import('@temporalio/client');
  const { createOrchestrationActivities } = await import('../activities/orchestration');
  const db = createPool(benchUrl());
  await db.query('SELECT 1');
  // A lazy client: computeDrift never calls Temporal, and this one connects only when used.
  const activities = createOrchestrationActivities({ db, artifacts: createLocalArtifactStore(artifactDir()), client: new Client(), temporalUiUrl: '' });
  const baselineRssBytes = process.memoryUsage.rss();
  const seconds: number[] = [];
  const cpuSeconds: number[] = [];
  let maxDelayMs = 0;
  const results: DriftComputation[] = [];
  for (let run = 0; run < runs; run++) {
    // Each run checks the rows anew: the report of the previous one would make them 'unchanged'.
    await db.query('DELETE FROM drift_reports WHERE model_name = $1', [MODEL]);
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const began = performance.now();
    const cpu = process.cpuUsage();
    const result = await new MockActivityEnvironment({ activityId: `bench-${run}` })
      .run<[{ modelName: string; source: string }], DriftComputation, typeof activities.computeDrift>(activities.computeDrift, { modelName: MODEL, source: 'bench:check' });
    seconds.push((performance.now() - began) / 1000);
    const used = process.cpuUsage(cpu);
    cpuSeconds.push((used.user + used.system) / 1e6);
    delay.disable();
    maxDelayMs = Math.max(maxDelayMs, delay.max / 1e6);
    if (result.outcome !== 'checked') throw new Error(`the check did not run: ${result.outcome} (${result.reasons.join('; ')})`);
    results.push(result);
  }
  const result = results.at(-1)!;
  const report = await db.query<{ features: Array<{ score: number; psi: number }> }>(
    'SELECT features FROM drift_reports WHERE id = $1', [result.reportId],
  );
  await db.end();
  const features = report.rows[0]!.features;
  const side: SideResult = {
    seconds, cpuSeconds, peakRssBytes: process.resourceUsage().maxRSS * 1024, baselineRssBytes, maxEventLoopDelayMs: maxDelayMs,
    verdict: `${result.verdict} (${Math.round(result.driftedShare * 100)}% of features drifted)`,
    pValues: features.map((f) => f.score), psi: features.map((f) => f.psi),
  };
  fs.writeFileSync(out, JSON.stringify(side));
}

// ---------------------------------------------------------------------------------------------
// Orchestrator.

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${path.basename(command)} ${args[1] ?? ''} failed (${signal ?? `exit ${code}`})`))));
  });
}

/** Python peers run without the OpenBLAS overrides this environment may set (they slow a current numpy). */
function pythonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

function readResult(file: string): SideResult {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SideResult;
}

function parseOptions(argv: string[]): { runs: number; fresh: boolean } {
  const options = { runs: 3, fresh: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--fresh') options.fresh = true;
    else if (arg === '--runs') {
      options.runs = Number(argv[++i]);
      if (!Number.isInteger(options.runs) || options.runs < 1) throw new Error(`--runs needs a positive integer\n${USAGE}`);
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument '${arg}'\n${USAGE}`);
  }
  return options;
}

const fmtSeconds = (seconds: number) => `${seconds.toFixed(2)} s`;
const fmtMib = (bytes: number) => `${(bytes / MIB).toFixed(0)} MiB`;
const load = () => os.loadavg().map((value) => value.toFixed(2)).join(' / ');

function maxAbsDiff(a: number[], b: number[]): number {
  return Math.max(...a.map((value, k) => Math.abs(value - b[k]!)));
}

async function orchestrate(options: { runs: number; fresh: boolean }): Promise<void> {
  if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run bash scripts/setup-python-peers.sh`);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  console.log(`driftwatch check benchmark: ${os.cpus().length} cores, Node ${process.version}, load average (1/5/15 min) ${load()}`);
  console.log(`src/store at ${sourceState('src/store')}, src/drift at ${sourceState('src/drift')}`);
  await run(PYTHON, [DRIFT_PEERS, 'generate', DATA_DIR, '--ref', String(ROWS), '--cur', String(ROWS), '--features', String(FEATURES)], pythonEnv());
  const meta = readMeta();
  await prepareDatabase(benchUrl(), meta, options.fresh);

  const driftwatchOut = path.join(RESULTS_DIR, 'driftwatch.json');
  const pythonOut = path.join(RESULTS_DIR, 'python.json');
  fs.rmSync(driftwatchOut, { force: true });
  fs.rmSync(pythonOut, { force: true });
  // process.execArgv carries tsx's loader, so the child runs this same TypeScript file.
  await run(process.execPath, [...process.execArgv, __filename, '--child', driftwatchOut, String(options.runs)]);
  await run(PYTHON, [CHECK_PEERS, 'check', benchUrl(), MODEL, pythonOut, '--window-rows', String(ROWS), '--runs', String(options.runs)], pythonEnv());
  report(readResult(driftwatchOut), readResult(pythonOut), meta, options.runs);
}

function report(driftwatch: SideResult, python: SideResult, meta: Meta, runs: number): void {
  const best = (side: SideResult) => Math.min(...side.seconds);
  const ratio = best(driftwatch) / best(python);
  const rows = [
    ['', 'driftwatch (computeDrift)', 'Python (psycopg + numpy + scipy)'],
    ['check time, best of runs', fmtSeconds(best(driftwatch)), fmtSeconds(best(python))],
    ['all runs (s)', driftwatch.seconds.map((s) => s.toFixed(2)).join(' '), python.seconds.map((s) => s.toFixed(2)).join(' ')],
    ['CPU time of the process per run (s)', driftwatch.cpuSeconds.map((s) => s.toFixed(2)).join(' '), python.cpuSeconds.map((s) => s.toFixed(2)).join(' ')],
    ['peak RSS of the process', fmtMib(driftwatch.peakRssBytes), fmtMib(python.peakRssBytes)],
    ['RSS before the first check', fmtMib(driftwatch.baselineRssBytes ?? 0), python.baselineRssBytes === undefined ? '' : fmtMib(python.baselineRssBytes)],
    ['verdict', driftwatch.verdict, python.verdict],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  console.log(`\n== Drift check, PostgreSQL read → verdict: ${meta.nCur.toLocaleString('en')}-row window × ${meta.nFeatures} numeric features `
    + `(KS + PSI each) against a ${meta.nRef.toLocaleString('en')}-row reference; ${runs} runs per side, each side in its own process`);
  for (const row of rows) console.log('  ' + row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
  console.log(`\n  ratio driftwatch / Python: ${ratio.toFixed(3)} (target ≤ ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'}); `
    + `driftwatch ${fmtSeconds(best(driftwatch))} (target ≤ ${TARGET_SECONDS} s: ${best(driftwatch) <= TARGET_SECONDS ? 'met' : 'NOT met'}); `
    + `peak RSS ${fmtMib(driftwatch.peakRssBytes)} (target < ${TARGET_PEAK_MIB} MiB: ${driftwatch.peakRssBytes < TARGET_PEAK_MIB * MIB ? 'met' : 'NOT met'})`);
  const cpuRatio = Math.min(...driftwatch.cpuSeconds) / Math.min(...python.cpuSeconds);
  console.log(`  ratio of the processes' own CPU time (PostgreSQL's excluded on both sides), best runs: ${cpuRatio.toFixed(3)}`);
  console.log(`  longest event-loop block during a driftwatch check: ${driftwatch.maxEventLoopDelayMs?.toFixed(0)} ms (heartbeats every 200 ms)`);
  console.log(`  agreement: max |p − p_python| ${maxAbsDiff(driftwatch.pValues, python.pValues).toExponential(1)}, `
    + `max |PSI − PSI_python| ${maxAbsDiff(driftwatch.psi, python.psi).toExponential(1)}`);
  if (python.versions) console.log(`  Python: ${Object.entries(python.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  // Other processes on the cores skew every timing here: the load average says whether there were any.
  console.log(`  load average now ${load()}${(os.loadavg()[0] ?? 0) > 1.5 ? ' — the machine is busy, timings are skewed' : ''}`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return childCheck(argv[1]!, Number(argv[2]));
  await orchestrate(parseOptions(argv));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
