/**
 * The hostile-input corpus of issue 10, fed end to end: through the `driftwatch` CLI to a real
 * `driftwatch worker` process on the fault cluster and server, whose output is captured. A
 * `__proto__` feature name is refused at register; a 999999 multiclass label, a 1e308 regression
 * label, 1e999 and 400-digit numbers are refused at ingest, each named by row and field, the valid
 * rows stored; a 999999 label already in the database (written before ingest checked labels) fails
 * its retrain with a clear error, and the same worker then trains and promotes; a `<!channel>` feature
 * name reaches Slack escaped; and the Slack URL, which the receiver echoes back in its error answers,
 * appears in no database dump, worker log, workflow history or CLI output, nor does any of its path
 * segments.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listAliases, listVersions } from '../../src/store/registry';
import { listRetrains } from '../../src/store/retrains';
import { monitorWorkflowId, retrainWorkflowId, type RetrainResult } from '../../workflows/definitions';
import { LOCAL_RECEIVER_POLICY } from '../integration/harness';
import { syntheticMulticlassRows, syntheticRows } from '../integration/synthetic';
import { onProcessExit, ownedTempDir } from './cleanup';
import { QUICK_TUNING, startFaultEnvironment, type FaultEnvironment } from './environment';
import { alertsOf, expectSound, until } from './invariants';

const ROOT = path.join(__dirname, '..', '..');
const CLASSES_MODEL = 'hostile-classes';
const REGRESSION_MODEL = 'hostile-regression';
const CHANNEL = '<!channel>';
// The Slack webhook URL is a credential, and each segment of its path a secret.
const SLACK_SEGMENTS = [`T${randomUUID().slice(0, 8)}`, `B${randomUUID().slice(0, 10)}`, `xox${randomUUID().replaceAll('-', '')}`];

let env: FaultEnvironment;
let echo: EchoReceiver;
let slackUrl: string;
let inputDir: string;
let removeInputs: () => void;
let worker: ChildProcess;
let workerLog = '';

interface EchoReceiver { origin: string; received: Array<{ path: string; body: string }>; close(): Promise<void> }

/** A careless receiver: answers every request 403 with its path, headers and body echoed back. */
async function startEchoReceiver(): Promise<EchoReceiver> {
  const received: EchoReceiver['received'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body });
      res.writeHead(403).end(JSON.stringify({ path: req.url, headers: req.headers, body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Runs the CLI as a user would, against this file's cluster, server and queue; never throws on a failed command. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env: env.processEnv(), timeout: 180_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

function inputFile(name: string, text: string): string {
  const file = path.join(inputDir, name);
  writeFileSync(file, text);
  return file;
}

const csv = (columns: string[], rows: Array<Record<string, unknown>>) =>
  `${columns.join(',')}\n${rows.map((row) => columns.map((c) => String(row[c])).join(',')).join('\n')}\n`;

const storedRows = async (model: string) =>
  Number((await env.db.query<{ n: string }>('SELECT count(*) AS n FROM feature_rows WHERE model_name = $1', [model])).rows[0]!.n);

async function registered(model: string, yaml: string): Promise<void> {
  const { code, stderr } = await cli('models', 'register', inputFile(`${model}.yaml`, yaml));
  expect(code, stderr).toBe(0);
}

/** Multiclass rows with a fourth feature named `<!channel>` (x1 again, so it drifts with x1). */
const channelRows = (start: string, rows: number, seed: number, shift = 0): Array<Record<string, unknown>> =>
  syntheticMulticlassRows({ start, rows, seed, shift }).map(({ segment: _segment, ...row }) => ({ ...row, [CHANNEL]: row.x1 }));

beforeAll(async () => {
  env = await startFaultEnvironment('hostile', { workers: false });
  inputDir = ownedTempDir('inputs', () => undefined);
  removeInputs = onProcessExit(() => rmSync(inputDir, { recursive: true, force: true }));
  echo = await startEchoReceiver();
  slackUrl = `${echo.origin}/services/${SLACK_SEGMENTS.join('/')}`;
  // node --import tsx (not the tsx command, which would run the worker in a child process of its own).
  worker = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'worker'], {
    cwd: ROOT, env: env.processEnv({ DW_FAULTS_SLACK_URL: slackUrl }), stdio: ['ignore', 'pipe', 'pipe'],
  });
  onProcessExit(() => worker.kill('SIGKILL'));
  worker.stdout!.on('data', (chunk) => (workerLog += chunk));
  worker.stderr!.on('data', (chunk) => (workerLog += chunk));
  await until('the worker to start', () => workerLog.includes('worker running') || worker.exitCode !== null, 120_000);
  expect(worker.exitCode, workerLog).toBeNull();
}, 180_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    if (worker.exitCode === null) worker.kill('SIGKILL');
  }
  await env?.close();
  await echo?.close();
  removeInputs?.();
});

it('refuses a config with a feature named __proto__ at register, naming the feature', async () => {
  const { code, stderr } = await cli('models', 'register', inputFile('proto.yaml', `
model: hostile-proto
task: binary_classification
label: label
features:
  - { name: x1, kind: numeric }
  - { name: __proto__, kind: numeric }
`));
  expect(code).toBe(1);
  expect(stderr).toMatch(/^driftwatch: invalid model config .*proto\.yaml:\n {2}- features\[1\]\.name: "__proto__" cannot be a feature name: every JavaScript object has a member of that name/);
  expect((await env.db.query(`SELECT name FROM models WHERE name = 'hostile-proto'`)).rows).toEqual([]);
});

it('refuses a 999999 class, a 1e308 or 1e999 label, and numbers of 1e999 or 400 digits at ingest, by row and field, and stores every valid row', async () => {
  await registered(CLASSES_MODEL, `
model: ${CLASSES_MODEL}
task: multiclass_classification
label: label
features:
  - { name: x1, kind: numeric }
  - { name: x2, kind: numeric }
  - { name: x3, kind: numeric }
  - { name: "${CHANNEL}", kind: numeric }
monitoring: { window: 30d, minRows: 30 }
drift: { rule: { driftedShare: 0.3 } }
retrain: { cooldown: 0s, trainingWindow: 30d, holdoutFraction: 0.25, minTrainingRows: 100 }
tuning:${QUICK_TUNING}
alerts:
  - { type: webhook, url: ${env.webhook.url}, ${LOCAL_RECEIVER_POLICY} }
  - { type: slack, urlEnv: DW_FAULTS_SLACK_URL, events: [drift_detected], ${LOCAL_RECEIVER_POLICY} }
`);
  const classes = channelRows('2026-01-01T00:00:00Z', 720, 51);
  classes[9] = { ...classes[9], label: 999999 };
  classes[19] = { ...classes[19], x2: '1e999' };
  classes[29] = { ...classes[29], x3: '9'.repeat(400) };
  const classesIngest = await cli('ingest', CLASSES_MODEL, inputFile('classes.csv', csv(['event_time', 'x1', 'x2', 'x3', CHANNEL, 'label'], classes)));
  expect(classesIngest.code, classesIngest.stderr).toBe(3); // rows rejected, the valid ones stored
  expect(classesIngest.stdout).toContain('accepted: 717 rows');
  expect(classesIngest.stdout).toContain('rejected: 3 rows');
  expect(classesIngest.stdout).toMatch(/^row 10, field label: .*999/m);
  expect(classesIngest.stdout).toMatch(/^row 20, field x2: number out of range/m);
  expect(classesIngest.stdout).toMatch(/^row 30, field x3: number out of range/m);
  expect(await storedRows(CLASSES_MODEL)).toBe(717);

  await registered(REGRESSION_MODEL, `
model: ${REGRESSION_MODEL}
task: regression
label: y
features:
  - { name: x1, kind: numeric }
  - { name: x2, kind: numeric }
  - { name: x3, kind: numeric }
monitoring: { window: 30d, minRows: 30 }
retrain: { cooldown: 0s, trainingWindow: 30d, holdoutFraction: 0.25, minTrainingRows: 100 }
tuning:${QUICK_TUNING}
alerts:
  - { type: webhook, url: ${env.webhook.url}, ${LOCAL_RECEIVER_POLICY} }
`);
  const lines = syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 500, seed: 52 })
    .map(({ event_time, x1, x2, x3 }) => JSON.stringify({ event_time, x1, x2, x3, y: 3 * (x1 as number) - (x2 as number) }));
  // Written as text: JSON.stringify would turn 1e999 into null, and a 400-digit number into 1e+400.
  lines[4] = lines[4]!.replace(/"y":[^,}]+/, '"y":1e308');
  lines[5] = lines[5]!.replace(/"y":[^,}]+/, '"y":1e999');
  lines[6] = lines[6]!.replace(/"x1":[^,}]+/, `"x1":${'9'.repeat(400)}`);
  const regressionIngest = await cli('ingest', REGRESSION_MODEL, inputFile('regression.jsonl', `${lines.join('\n')}\n`));
  expect(regressionIngest.code, regressionIngest.stderr).toBe(3); // rows rejected, the valid ones stored
  expect(regressionIngest.stdout).toContain('accepted: 497 rows');
  expect(regressionIngest.stdout).toMatch(/^row 5, field y: .*1e\+?38/m);
  expect(regressionIngest.stdout).toMatch(/^row 6, field y: /m);
  expect(regressionIngest.stdout).toMatch(/^row 7, field x1: /m);
  expect(await storedRows(REGRESSION_MODEL)).toBe(497);
});

it('fails a retrain on a 999999 label that reached the database before ingest checked labels, clearly, and the same worker then trains', async () => {
  const workerPid = worker.pid;
  const [batch] = (await env.db.query<{ id: string }>('SELECT id FROM ingest_batches WHERE model_name = $1', [CLASSES_MODEL])).rows;
  const planted = (await env.db.query<{ id: string }>(
    `INSERT INTO feature_rows (model_name, event_time, numeric_values, label, batch_id)
     SELECT $1, '2026-01-10T00:30:00Z', array_fill(0::float8, ARRAY[cardinality(numeric_features)]), 999999, id
     FROM ingest_batches WHERE id = $2 RETURNING id`, [CLASSES_MODEL, batch!.id],
  )).rows[0]!.id;
  const refusedBy = async (stage: RegExp) => {
    const { code, stderr } = await cli('retrain', CLASSES_MODEL, '--wait');
    expect(code).toBe(1);
    expect(stderr).toMatch(stage);
  };
  // Among the training rows: every tuning trial refuses it.
  await refusedBy(/all 1 tuning trials failed; first error: multiclass labels must be below 1000 .*got 999999 .*event time 2026-01-10T00:30:00\.000Z/);
  // The newest row, so in the holdout: training never sees it, the evaluation refuses it.
  await env.db.query(`UPDATE feature_rows SET event_time = '2026-01-30T23:30:00Z' WHERE id = $1`, [planted]);
  await refusedBy(/holdout: multiclass labels must be below 1000 .*got 999999 .*event time 2026-01-30T23:30:00\.000Z/);
  await until('both retrain_failed alerts', () => alertsOf(env, CLASSES_MODEL).filter((a) => a.event === 'retrain_failed').length === 2);

  await env.db.query('DELETE FROM feature_rows WHERE id = $1', [planted]);
  for (const model of [CLASSES_MODEL, REGRESSION_MODEL]) {
    const trained = await cli('retrain', model, '--wait', '--json');
    expect(trained.code, trained.stderr).toBe(0);
    const { result } = JSON.parse(trained.stdout) as { result: RetrainResult };
    expect(result.outcome, result.reason).toBe('promoted');
    await expectSound(env, model, { champion: result.challengerVersion });
  }
  expect(worker.pid).toBe(workerPid);
  expect(worker.exitCode).toBeNull();
  // The regression champion predicts: its holdout error is a number, in the labels' units.
  const [regressionChampion] = (await listVersions(env.db, REGRESSION_MODEL)).filter((v) => v.status === 'champion');
  expect((regressionChampion!.metrics as { holdout: { rmse: number } }).holdout.rmse).toBeLessThan(10);
}, 300_000);

it('escapes a feature named <!channel> in Slack, and keeps the Slack URL its receiver echoes back out of the dump, logs, histories and CLI', async () => {
  const championBefore = (await listAliases(env.db, CLASSES_MODEL)).champion!;
  await env.ingest(CLASSES_MODEL, channelRows('2026-01-31T00:00:00Z', 720, 53, 2.5));
  const checked = await cli('check', CLASSES_MODEL, '--json');
  expect(checked.code, checked.stderr).toBe(0);
  expect(JSON.parse(checked.stdout)).toMatchObject({ verdict: 'drift', retrain: { started: true } });

  // The receiver got the drift alert at the secret path and echoed it back, each of the 5 attempts.
  const slackTarget = 'slack:$DW_FAULTS_SLACK_URL';
  await until('the Slack route given up as failing', async () => (await env.db.query(
    `SELECT 1 FROM alert_deliveries WHERE target = $1 AND status = 'failing' AND attempts = 5`, [slackTarget],
  )).rows.length === 1);
  expect(echo.received.every((request) => request.path === `/services/${SLACK_SEGMENTS.join('/')}`)).toBe(true);
  const slackBody = echo.received[0]!.body;
  expect(slackBody).toContain(`&lt;!channel&gt;`);
  expect(slackBody).not.toContain(CHANNEL);
  const [delivery] = (await env.db.query<{ last_error: string }>('SELECT last_error FROM alert_deliveries WHERE target = $1', [slackTarget])).rows;
  expect(delivery!.last_error).toMatch(/^HTTP 403, \d+ bytes: \{"path":"\*\*\*"/);

  const retrain: RetrainResult = await env.client.workflow.getHandle(retrainWorkflowId(CLASSES_MODEL)).result();
  expect(['promoted', 'rejected']).toContain(retrain.outcome);
  await expectSound(env, CLASSES_MODEL, { champion: retrain.outcome === 'promoted' ? retrain.challengerVersion : championBefore });

  const secrets = [slackUrl, ...SLACK_SEGMENTS];
  const leaked = (where: string, text: string) => secrets.filter((secret) => text.includes(secret)).map((secret) => `${secret} in ${where}`);
  const histories = await Promise.all([
    env.client.workflow.getHandle(monitorWorkflowId(CLASSES_MODEL)),
    ...(await listRetrains(env.db, CLASSES_MODEL)).map((r) => env.client.workflow.getHandle(r.workflowId, r.id)),
  ].map(async (handle) => JSON.stringify(await handle.fetchHistory())));
  const alertsCli = await cli('alerts', CLASSES_MODEL, '--json');
  expect(alertsCli.stdout).toContain(slackTarget);
  expect(workerLog).toContain('alert delivery failed');
  expect([
    ...leaked('the database dump', await env.cluster.dump('driftwatch')),
    ...leaked("the worker's log", workerLog),
    ...leaked('a workflow history', histories.join('\n')),
    ...leaked('`driftwatch alerts`', alertsCli.stdout + alertsCli.stderr),
  ]).toEqual([]);
}, 300_000);
