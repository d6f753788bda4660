/**
 * The `driftwatch` command line as a user runs it: a child process (tsx src/cli.ts) against this
 * file's own database, the shared Temporal dev server and the harness's workers on their own queue.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { FeatureDriftResult } from '../../src/drift';
import { insertDriftReport } from '../../src/store/drift-reports';
import { monitorStatusQuery, monitorWorkflowId, scheduleId, type MonitorStatus } from '../../workflows/definitions';
import { startHarness, testModelYaml, type Harness } from './harness';
import { syntheticRows } from './synthetic';

const execFileAsync = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const MODEL = 'cli';
const ROWS = 400;

let harness: Harness;
let dir: string;

interface CliRun { code: number; stdout: string; stderr: string }

async function cli(...args: string[]): Promise<CliRun> {
  return cliWithEnv({}, ...args);
}

async function cliWithEnv(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await execFileAsync(TSX, ['src/cli.ts', ...args], {
      cwd: ROOT,
      timeout: 170_000,
      env: { ...harness.processEnv(), DRIFTWATCH_HOME: path.join(dir, 'home'), ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw err;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function toCsv(rows: Record<string, unknown>[]): string {
  const columns = Object.keys(rows[0]!);
  return [columns.join(','), ...rows.map((row) => columns.map((c) => String(row[c])).join(','))].join('\n') + '\n';
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

beforeAll(async () => {
  harness = await startHarness('cli');
  dir = await mkdtemp(path.join(os.tmpdir(), 'driftwatch-cli-'));
});

afterAll(async () => {
  await harness?.client.workflow.getHandle(monitorWorkflowId(MODEL)).terminate('test over').catch(() => undefined);
  await harness?.client.schedule.getHandle(scheduleId(MODEL)).delete().catch(() => undefined);
  await harness?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the driftwatch command line', () => {
  it('refuses a config with a misspelt key, naming the key and the likely intended one', async () => {
    const file = path.join(dir, 'typo.yaml');
    await writeFile(file, testModelYaml(MODEL).replace('  window: 30d', '  windw: 30d'));
    const run = await cli('models', 'register', file);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`driftwatch: invalid model config ${file}`);
    expect(run.stderr).toContain("monitoring.windw: unknown key 'windw'; did you mean 'window'?");
    expect(run.stdout).toBe('');
  });

  it('refuses a config file over the size limit before parsing it, naming the file and the limit', async () => {
    const file = path.join(dir, 'large.yaml');
    const yaml = testModelYaml(MODEL);
    await writeFile(file, yaml);
    const run = await cliWithEnv({ DRIFTWATCH_CONFIG_MAX_BYTES: String(yaml.length - 1) }, 'models', 'register', file);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`driftwatch: invalid model config ${file}`);
    expect(run.stderr).toContain(`the file has ${Buffer.byteLength(yaml)} bytes, over the ${yaml.length - 1}-byte limit for config files (DRIFTWATCH_CONFIG_MAX_BYTES raises it)`);
  });

  it('registers a good config', async () => {
    const file = path.join(dir, 'model.yaml');
    await writeFile(file, testModelYaml(MODEL));
    const run = await cli('models', 'register', file);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Registered model '${MODEL}'`);
    for (const feature of ['x1', 'x2', 'x3', 'segment']) expect(run.stdout).toContain(feature);
    expect(run.stdout).toContain(`driftwatch retrain ${MODEL}`);
  });

  it('ingests CSVs: exit 0 when every row is valid; exit 3 naming the two bad rows by row number and field, the good rows stored', async () => {
    const rows = syntheticRows({ start: '2026-01-01T00:00:00Z', rows: ROWS, seed: 7 });
    const half = ROWS / 2;
    rows[half + 4]!.x1 = 'abc';
    rows[half + 9]!.event_time = 'not-a-date';
    const clean = path.join(dir, 'rows-clean.csv');
    const file = path.join(dir, 'rows.csv');
    await writeFile(clean, toCsv(rows.slice(0, half)));
    await writeFile(file, toCsv(rows.slice(half)));

    const cleanRun = await cli('ingest', MODEL, clean);
    expect(cleanRun.code, cleanRun.stderr).toBe(0);
    expect(cleanRun.stdout).toContain(`accepted: ${half} rows`);
    expect(cleanRun.stdout).toContain('rejected: 0 rows');

    const run = await cli('ingest', MODEL, file);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout).toContain(`accepted: ${half - 2} rows`);
    expect(run.stdout).toContain('rejected: 2 rows');
    expect(run.stdout).toContain("row 5, field x1: expected a number ('abc')");
    expect(run.stdout).toMatch(/row 10, field event_time: .*\('not-a-date'\)/);

    const stored = await harness.db.query<{ n: string }>('SELECT count(*)::text AS n FROM feature_rows WHERE model_name = $1', [MODEL]);
    expect(Number(stored.rows[0]?.n)).toBe(ROWS - 2);
  });

  it('creates a schedule whose trigger makes the monitor run a check (no champion yet)', async () => {
    const created = await cli('schedule', 'create', MODEL, '--every', '1h');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(scheduleId(MODEL));
    expect(created.stdout).toContain('every 1h');
    expect(created.stdout).toContain('SKIP');

    const triggered = await cli('schedule', 'trigger', MODEL);
    expect(triggered.code, triggered.stderr).toBe(0);

    const status = await waitFor<MonitorStatus>('the monitor to run a check', 60_000, async () => {
      const s = await harness.client.workflow.getHandle(monitorWorkflowId(MODEL)).query(monitorStatusQuery);
      return s.checks >= 1 ? s : null;
    });
    expect(status.lastCheck?.outcome).toBe('no_champion');
    expect(status.lastCheck?.retrain.started).toBe(false);
  });

  it('runs a drift check now through the monitor', async () => {
    const run = await cli('check', MODEL, '--json');
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { outcome: string; retrain: { started: boolean } };
    expect(result.outcome).toBe('no_champion');
    expect(result.retrain.started).toBe(false);
  });

  it('bootstraps v1 with retrain --wait', async () => {
    const run = await cli('retrain', MODEL, '--by', 'cli-test', '--reason', 'first version', '--wait');
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('bootstrap');
    expect(run.stdout).toMatch(/Outcome:\s+promoted/);
    expect(run.stdout).toContain('challenger v1');
  });

  it('shows v1 as champion', async () => {
    const run = await cli('models', 'show', MODEL, '--json');
    expect(run.code, run.stderr).toBe(0);
    const shown = JSON.parse(run.stdout) as { champion: number | null; versions: Array<{ version: number; status: string; holdoutMetric: number | null }> };
    expect(shown.champion).toBe(1);
    expect(shown.versions.map((v) => [v.version, v.status])).toEqual([[1, 'champion']]);
    expect(shown.versions[0]?.holdoutMetric).toEqual(expect.any(Number));

    const history = await cli('models', 'history', MODEL, '--json');
    expect(history.code, history.stderr).toBe(0);
    const parsed = JSON.parse(history.stdout) as {
      retrains: Array<{ trigger: string; status: string }>;
      aliasHistory: Array<{ alias: string; fromVersion: number | null; toVersion: number | null; actor: string; workflowId: string }>;
    };
    expect(parsed.retrains.map((r) => [r.trigger, r.status])).toEqual([['bootstrap', 'promoted']]);
    expect(parsed.aliasHistory.map((h) => [h.alias, h.fromVersion, h.toVersion, h.workflowId])).toEqual([
      ['challenger', null, 1, 'retrain-cli'], ['champion', null, 1, 'retrain-cli'], ['challenger', 1, null, 'retrain-cli'],
    ]);
  });

  it('shows a stored drift report: header, a table per feature with tiny p-values in scientific notation, and its page link', async () => {
    const feature = (name: string, test: 'ks' | 'psi', score: number, drifted: boolean): FeatureDriftResult => ({
      feature: name, kind: 'numeric', test, scoreKind: test === 'ks' ? 'p_value' : 'distance', measured: true, score, threshold: test === 'ks' ? 0.05 : 0.2,
      thresholdSource: 'default', drifted, status: 'ok', psi: test === 'ks' ? 1.8 : score, details: {}, currentCount: 100,
      referenceNullRate: 0, currentNullRate: 0, nullRateDrifted: false,
    });
    const report = await insertDriftReport(harness.db, {
      modelName: MODEL, championVersion: 1, windowStart: '2026-01-10T00:00:00.000Z', windowEnd: '2026-01-17T00:00:00.000Z', rowCount: 100,
      features: [feature('x1', 'ks', 3.4e-7, true), feature('x2', 'psi', 0.0123, false)], driftedShare: 0.5, datasetDrift: true,
      reasons: ['x1 drifted (ks p = 3.4e-7 < 0.05)'], source: 'test', asOfRowId: '1', lateRows: 0, verdict: 'drift', measuredShare: 1,
      reference: { mode: 'training', rows: 300 }, performance: null, checkId: null,
    });
    const publicUrl = 'https://driftwatch.example.com';
    // Removed afterwards: later checks of this model read the newest report's row horizon.
    onTestFinished(async () => {
      await harness.db.query('DELETE FROM drift_reports WHERE id = $1', [report.id]);
    });

    const run = await cliWithEnv({ DRIFTWATCH_PUBLIC_URL: publicUrl }, 'drift', 'show', String(report.id));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Drift report ${report.id} of 'cli' (champion v1)`);
    expect(run.stdout).toContain('2026-01-10 00:00:00Z -> 2026-01-17 00:00:00Z, 100 rows');
    expect(run.stdout).toMatch(/^Drift: +yes \(50% of the measured features drifted, 100% measured\)$/m);
    expect(run.stdout).toContain('  - x1 drifted (ks p = 3.4e-7 < 0.05)');
    expect(run.stdout).toMatch(/^feature +test +score +threshold +PSI +drifted +status$/m);
    expect(run.stdout).toMatch(/^x1 +ks +3\.4e-7 +0\.05 +1\.8000 +yes +ok$/m);
    expect(run.stdout).toMatch(/^x2 +psi +0\.0123 +0\.2 +0\.0123 +no +ok$/m);
    expect(run.stdout).not.toContain('0.0000');
    expect(run.stdout).toContain(`Page: ${publicUrl}/reports/${report.id}`);

    const json = await cliWithEnv({ DRIFTWATCH_PUBLIC_URL: publicUrl }, 'drift', 'show', String(report.id), '--json');
    expect(json.code, json.stderr).toBe(0);
    const shown = JSON.parse(json.stdout) as { id: number; modelName: string; features: FeatureDriftResult[]; url: string };
    expect([shown.id, shown.modelName, shown.features.length, shown.url]).toEqual([report.id, MODEL, 2, `${publicUrl}/reports/${report.id}`]);

    const unknown = await cli('drift', 'show', String(report.id + 1000));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe(`driftwatch: there is no drift report ${report.id + 1000} ('driftwatch drift history <model>' lists a model's reports)`);
  });

  it('shows a version\'s lineage, and refuses a rollback with no earlier champion', async () => {
    const lineage = await cli('models', 'show', MODEL, '--version', '1');
    expect(lineage.code, lineage.stderr).toBe(0);
    expect(lineage.stdout).toMatch(/^cli v1: champion \(aliases: champion\), binary_classification, trained on (wasm|cpu|tensorflow)/m);
    expect(lineage.stdout).toMatch(/^Retrain: +retrain-cli \(run [0-9a-f-]+\), bootstrap by cli-test: first version$/m);
    expect(lineage.stdout).toMatch(/^Artifact: +file:\/\/\S+\/cli\/v1 sha256 [0-9a-f]{64}$/m);
    const json = JSON.parse((await cli('models', 'show', MODEL, '--version', '1', '--json')).stdout) as { trainingWindow: { trainingRows: number } };
    expect(json.trainingWindow.trainingRows).toBeGreaterThan(0);
    expect((await cli('models', 'show', MODEL, '--version', '7')).stderr).toContain("model 'cli' has no version 7");

    const rollback = await cli('models', 'rollback', MODEL, '--by', 'cli-test');
    expect(rollback.code).toBe(1);
    expect(rollback.stderr).toContain("'cli' v1 has no earlier champion to roll back to; give a version");
  });

  it('lists the tuning trials of the last retrain', async () => {
    const table = await cli('trials', MODEL);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/Retrain retrain-cli \(run [0-9a-f-]+\): 2 trials, best validation loss \d/);
    expect(table.stdout).toMatch(/^ *1\*? +proposed +completed /m);

    const json = await cli('trials', MODEL, '--json');
    const trials = JSON.parse(json.stdout) as Array<{ trialNumber: number; status: string; score: number; parameters: Record<string, number> }>;
    expect(trials.map((t) => [t.trialNumber, t.status])).toEqual([[1, 'completed'], [2, 'completed']]);
    expect(Object.keys(trials[0]!.parameters).sort()).toEqual(['hiddenUnits', 'learningRate']);

    const alerts = await cli('alerts', MODEL);
    expect(alerts.code, alerts.stderr).toBe(0);
    expect(alerts.stdout).toContain("No alerts sent for 'cli' yet.");

    const unknownRun = await cli('trials', MODEL, '--retrain', 'no-such-run');
    expect(unknownRun.code).toBe(1);
    expect(unknownRun.stderr).toContain("no tuning trials of 'cli' in retrain run no-such-run");
  });

  it('reports status, and refuses a second retrain while one is running', async () => {
    const status = await cli('status', MODEL, '--json');
    expect(status.code, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout) as {
      champion: number; schedule: { scheduleId: string } | null; monitor: { status: string; state: MonitorStatus | null } | null;
      retrain: { status: string; result: { outcome: string } | null } | null;
    };
    expect(parsed.champion).toBe(1);
    expect(parsed.schedule?.scheduleId).toBe(scheduleId(MODEL));
    expect(parsed.monitor?.status).toBe('RUNNING');
    expect(parsed.monitor?.state?.checks).toBeGreaterThanOrEqual(2);
    expect(parsed.retrain?.status).toBe('COMPLETED');
    expect(parsed.retrain?.result?.outcome).toBe('promoted');

    // A retrain that stays running: started on a queue no worker polls.
    const blocker = await harness.client.workflow.start('retrainWorkflow', {
      workflowId: `retrain-${MODEL}`, taskQueue: `${harness.taskQueue}-nobody`, args: [{ modelName: MODEL, requestedBy: 'test' }],
    });
    try {
      const second = await cli('retrain', MODEL, '--by', 'cli-test');
      expect(second.code).toBe(1);
      expect(second.stderr.trim()).toBe(`driftwatch: a retrain of ${MODEL} is already running: retrain-${MODEL}`);
    } finally {
      await blocker.terminate('test over');
    }
  });

  it('cancels the running retrain with retrain cancel, and says so when none is running', async () => {
    // A retrain that stays running until cancelled: started on a queue no worker polls.
    const running = await harness.client.workflow.start('retrainWorkflow', {
      workflowId: `retrain-${MODEL}`, taskQueue: `${harness.taskQueue}-nobody`, args: [{ modelName: MODEL, requestedBy: 'test' }],
    });
    try {
      const run = await cli('retrain', 'cancel', MODEL, '--reason', 'wrong data window');
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`Cancellation of retrain-${MODEL} requested (wrong data window).`);
      const history = await running.fetchHistory();
      const requested = history.events?.find((e) => e.workflowExecutionCancelRequestedEventAttributes)?.workflowExecutionCancelRequestedEventAttributes;
      expect(requested?.cause).toMatch(/^wrong data window \(by .+\)$/);
      expect(requested?.identity).toMatch(/^driftwatch cli \(.+\)$/);
    } finally {
      await running.terminate('test over');
    }

    const none = await cli('retrain', 'cancel', MODEL);
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe(`driftwatch: no retrain of ${MODEL} is running (retrain-${MODEL} is terminated)`);
  });

  it('answers an unknown command with exit code 2 and the closest known one', async () => {
    const run = await cli('retrian', MODEL);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("driftwatch: unknown command 'retrian'\n(Did you mean retrain?)");
  });

  it('answers usage errors with exit code 2 and a pointer to the help', async () => {
    const run = await cli('schedule', 'create', MODEL, '--every', '1h', '--cron', '0 * * * *');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("driftwatch: option '--every <interval>' cannot be used with option '--cron <expression>'");
    expect(run.stderr).toContain("(add --help for the command's usage and examples)");
  });
});
