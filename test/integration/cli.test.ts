/**
 * The `driftwatch` command line as a user runs it: a child process (tsx src/cli.ts) against this
 * file's own database, the shared Temporal dev server and the harness's workers on their own queue.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('ingests a CSV, reporting its two bad rows by row number and field, and stores the good rows', async () => {
    const rows = syntheticRows({ start: '2026-01-01T00:00:00Z', rows: ROWS, seed: 7 });
    rows[4]!.x1 = 'abc';
    rows[9]!.event_time = 'not-a-date';
    const file = path.join(dir, 'rows.csv');
    await writeFile(file, toCsv(rows));

    const run = await cli('ingest', MODEL, file);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`accepted: ${ROWS - 2} rows`);
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

  it('answers usage errors with exit code 2 and the usage text', async () => {
    const run = await cli('schedule', 'create', MODEL, '--every', '1h', '--cron', '0 * * * *');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('driftwatch: give either --every or --cron, not both');
    expect(run.stderr).toContain('Usage: driftwatch');
  });
});
