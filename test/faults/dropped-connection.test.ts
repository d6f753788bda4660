/**
 * PostgreSQL crashes right after a drift check wrote its report, before the check's next statement:
 * the attempt fails, and its retry, once PostgreSQL is back, answers with the verdict of the report
 * already written (drift, and the retrain it asks for), not `unchanged` for rows it has seen.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { monitorWorkflowId, retrainWorkflowId, type RetrainResult } from '../../workflows/definitions';
import { testModelYaml } from '../integration/harness';
import { syntheticRows } from '../integration/synthetic';
import { QUICK_TUNING, startFaultEnvironment, type FaultEnvironment, type Outage } from './environment';
import { expectSound, finalAttempts } from './invariants';

const MODEL = 'dropped-connection';
// Long enough for the check's next statement and the first retry to fail; the verdict does not depend on it.
const OUTAGE_MS = 5_000;

let env: FaultEnvironment;

beforeAll(async () => {
  env = await startFaultEnvironment('dropped_connection');
}, 120_000);

afterAll(async () => {
  await env?.close();
});

it('the retried check returns the verdict of the report written before the connection dropped, and retrains on it', async () => {
  await env.registerModel(testModelYaml(MODEL, { webhooks: [env.webhook.url], tuning: QUICK_TUNING, cooldown: '0s' }));
  await env.ingest(MODEL, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 720, seed: 41 }));
  expect((await (await env.startRetrain(MODEL)).result()).outcome).toBe('promoted');
  await env.ingest(MODEL, syntheticRows({ start: '2026-01-31T00:00:00Z', rows: 720, seed: 42, shift: 2.5 }));

  let outage: Outage | undefined;
  const crashed = env.faults.afterStatement(/INSERT INTO drift_reports/, async () => {
    outage = await env.postgresOutage(OUTAGE_MS, 'immediate');
  });
  const check = await env.checkDrift(MODEL);
  await crashed;
  await outage!.over;

  // One check, answered by a later attempt than the one that wrote the report.
  const [attempt, ...others] = await finalAttempts(env.client.workflow.getHandle(monitorWorkflowId(MODEL)), 'computeDrift');
  expect(others).toEqual([]);
  expect(attempt).toBeGreaterThan(1);
  const reports = await env.db.query<{ id: string; verdict: string; check_id: string }>(
    'SELECT id, verdict, check_id FROM drift_reports WHERE model_name = $1', [MODEL],
  );
  expect(reports.rows).toEqual([{ id: String(check.reportId), verdict: 'drift', check_id: expect.stringMatching(new RegExp(`^${monitorWorkflowId(MODEL)}/`)) }]);
  expect(check).toMatchObject({ outcome: 'checked', verdict: 'drift', retrain: { started: true, workflowId: retrainWorkflowId(MODEL) } });

  const retrain: RetrainResult = await env.client.workflow.getHandle(retrainWorkflowId(MODEL)).result();
  expect(['promoted', 'rejected']).toContain(retrain.outcome);
  const { retrains } = await expectSound(env, MODEL, { champion: retrain.outcome === 'promoted' ? 2 : 1 });
  expect(retrains.map((r) => [r.trigger, r.status])).toEqual([['bootstrap', 'promoted'], ['drift', retrain.outcome]]);
}, 300_000);
