import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRetrains } from '../../src/store/retrains';
import { RETRAIN_REFUSED_FAILURE, forceRetrainUpdate, monitorWorkflowId, retrainWorkflowId, type RetrainResult } from '../../workflows/definitions';
import type { retrainWorkflow } from '../../workflows';
import { startHarness, startWebhookReceiver, testModelConfig, type Harness, type WebhookReceiver } from './harness';
import { syntheticRows } from './synthetic';

let harness: Harness;
let webhook: WebhookReceiver;

beforeAll(async () => {
  harness = await startHarness('concurrency');
  webhook = await startWebhookReceiver();
});

afterAll(async () => {
  await harness?.close();
  await webhook?.close();
});

/** A model with a champion and a freshly drifted window, ready for a retrain. */
async function driftedModel(model: string, cooldown?: string): Promise<void> {
  await harness.registerModel(testModelConfig(model, webhook.url, { cooldown }));
  await harness.ingest(model, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 960, seed: 21 }));
  expect((await harness.bootstrap(model)).outcome).toBe('promoted');
  await harness.ingest(model, syntheticRows({ start: '2026-03-01T00:00:00Z', rows: 720, seed: 22, shift: 2.5, weights: [-2, 1.5, 2] }));
}

async function retrainsAfterBootstrap(model: string) {
  await harness.client.workflow.getHandle(retrainWorkflowId(model)).result();
  return (await listRetrains(harness.db, model)).filter((r) => r.trigger !== 'bootstrap');
}

describe('one retrain per model, whatever races', () => {
  it('two monitor ticks at once start one retrain', async () => {
    await driftedModel('race-ticks');
    const [a, b] = await Promise.all([harness.checkDrift('race-ticks'), harness.checkDrift('race-ticks')]);
    expect([a, b].filter((r) => r.retrain.started)).toHaveLength(1);
    // The second tick saw the same window already reported: no second report, no second retrain.
    expect([a.outcome, b.outcome].sort()).toEqual(['checked', 'unchanged']);
    expect(await retrainsAfterBootstrap('race-ticks')).toHaveLength(1);
  });

  it('a tick racing a manual trigger starts one retrain', async () => {
    // No cooldown, so only the one-at-a-time rule can stop the second start.
    await driftedModel('race-manual', '0s');
    const monitor = harness.client.workflow.getHandle(monitorWorkflowId('race-manual'));
    const [tick, manual] = await Promise.all([
      harness.checkDrift('race-manual'),
      // The update needs the monitor running; the tick's update-with-start may create it first.
      (async () => {
        for (;;) {
          try {
            return await monitor.executeUpdate(forceRetrainUpdate, { args: [{ requestedBy: 'alice' }] });
          } catch (err) {
            // Second to the tick's retrain: the update fails, saying the retrain is already running.
            if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === RETRAIN_REFUSED_FAILURE) {
              expect(err.cause.message).toContain('is already running');
              return { started: false };
            }
            if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
      })(),
    ]);
    expect([tick.retrain.started, manual.started].filter(Boolean)).toHaveLength(1);
    expect(await retrainsAfterBootstrap('race-manual')).toHaveLength(1);
  });

  it('two retrain workflows started directly under different IDs: the database claim lets one through', async () => {
    await driftedModel('race-direct', '0s');
    const start = (suffix: string) =>
      harness.client.workflow.execute<typeof retrainWorkflow>('retrainWorkflow', {
        workflowId: `${retrainWorkflowId('race-direct')}-${suffix}`, taskQueue: harness.taskQueue,
        args: [{ modelName: 'race-direct', trigger: 'manual', requestedBy: suffix }],
      });
    const results: RetrainResult[] = await Promise.all([start('a'), start('b')]);
    expect(results.map((r) => r.outcome).filter((o) => o === 'skipped')).toHaveLength(1);
    expect(results.find((r) => r.outcome === 'skipped')?.reason).toMatch(/already running/);
    const retrains = (await listRetrains(harness.db, 'race-direct')).filter((r) => r.trigger !== 'bootstrap');
    expect(retrains).toHaveLength(1);
  });
});
