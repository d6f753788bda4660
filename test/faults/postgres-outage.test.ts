/**
 * PostgreSQL goes away for POSTGRES_OUTAGE_MS (the issue's 60 s in the full run) while the workers
 * use it: as a drift check starts, while the challenger trains, and inside the promotion's
 * transaction (a crash: the transaction is lost and the activity fails at its next statement). The
 * activities' retries wait the outage out: the check answers with its verdict, the retrain completes
 * with one champion, and no claim is left running.
 * Default run: the promotion (20 s); `npm run test:faults`: all three, 60 s each.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { retrainWorkflowId, type RetrainResult } from '../../workflows/definitions';
import { testModelYaml } from '../integration/harness';
import { syntheticRows } from '../integration/synthetic';
import {
  FULL_RUN, NO_EARLY_STOPPING, POSTGRES_OUTAGE_MS, QUICK_TUNING, slowTuning, startFaultEnvironment, type FaultEnvironment, type Outage,
} from './environment';
import { expectSound, until } from './invariants';

let env: FaultEnvironment;

beforeAll(async () => {
  env = await startFaultEnvironment('postgres_outage');
}, 120_000);

afterAll(async () => {
  await env?.close();
});

async function registerWithRows(model: string, tuning: string): Promise<void> {
  await env.registerModel(testModelYaml(model, { webhooks: [env.webhook.url], tuning, retrain: NO_EARLY_STOPPING, cooldown: '0s' }));
  await env.ingest(model, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 720, seed: 21 }));
}

/** The outage a fault point started, once it is over. */
async function outageOver(started: Promise<void>, outage: () => Outage | undefined): Promise<void> {
  await started;
  await outage()!.over;
}

it.runIf(FULL_RUN)('stopped as a drift check starts: the check answers once PostgreSQL is back, keeps its verdict, and retrains', async () => {
  const model = 'outage-check';
  await registerWithRows(model, QUICK_TUNING);
  expect((await (await env.startRetrain(model)).result()).outcome).toBe('promoted');
  await env.ingest(model, syntheticRows({ start: '2026-01-31T00:00:00Z', rows: 720, seed: 22, shift: 2.5 }));

  let outage: Outage | undefined;
  const started = env.faults.atActivityStart('computeDrift', async () => {
    outage = await env.postgresOutage(POSTGRES_OUTAGE_MS);
  });
  const began = Date.now();
  const check = await env.checkDrift(model);
  await outageOver(started, () => outage);
  expect(Date.now() - began).toBeGreaterThanOrEqual(POSTGRES_OUTAGE_MS);
  expect(check).toMatchObject({ outcome: 'checked', verdict: 'drift', retrain: { started: true } });
  const reports = await env.db.query('SELECT id, verdict FROM drift_reports WHERE model_name = $1', [model]);
  expect(reports.rows).toEqual([{ id: String(check.reportId), verdict: 'drift' }]);

  const retrain: RetrainResult = await env.client.workflow.getHandle(retrainWorkflowId(model)).result();
  expect(['promoted', 'rejected']).toContain(retrain.outcome);
  await expectSound(env, model, { champion: retrain.outcome === 'promoted' ? 2 : 1 });
}, 400_000);

it.runIf(FULL_RUN)('stopped while the challenger trains: training goes on, its registration waits the outage out, one champion', async () => {
  const model = 'outage-training';
  await registerWithRows(model, slowTuning(1));
  const handle = await env.startRetrain(model);
  const scope = path.join(env.artifactDir, '_checkpoints', `${handle.firstExecutionRunId}.challenger`);
  await until('the challenger past its second epoch', async () => (await readdir(scope).catch(() => [])).length >= 2, 120_000);
  const outage = await env.postgresOutage(POSTGRES_OUTAGE_MS);
  await outage.over;
  const result = await handle.result();
  expect(result.outcome, result.reason).toBe('promoted');
  const { versions } = await expectSound(env, model, { champion: 1 });
  expect(versions.map((v) => [v.version, v.status])).toEqual([[1, 'champion']]);
}, 400_000);

it('crashed inside the promotion\'s transaction: the promotion is retried after the outage and commits once', async () => {
  const model = 'outage-promotion';
  await registerWithRows(model, QUICK_TUNING);
  let outage: Outage | undefined;
  const crashed = env.faults.afterStatement(/SET status = 'champion'/, async () => {
    outage = await env.postgresOutage(POSTGRES_OUTAGE_MS, 'immediate');
  });
  const handle = await env.startRetrain(model);
  await outageOver(crashed, () => outage);
  const result = await handle.result();
  expect(result.outcome, result.reason).toBe('promoted');
  const { versions } = await expectSound(env, model, { champion: 1 });
  expect(versions.map((v) => [v.version, v.status])).toEqual([[1, 'champion']]);
  const promotions = await env.db.query('SELECT version FROM model_events WHERE model_name = $1 AND event = $2', [model, 'promoted']);
  expect(promotions.rows).toEqual([{ version: 1 }]);
}, 400_000);
