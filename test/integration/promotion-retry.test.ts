import { Context } from '@temporalio/activity';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listVersions } from '../../src/store/registry';
import { retrainWorkflowId, type RetrainResult } from '../../workflows/definitions';
import type { retrainWorkflow } from '../../workflows';
import type { PromotionRequest } from '../../src/store/registry';
import { startHarness, startWebhookReceiver, testModelConfig, type Harness, type WebhookReceiver } from './harness';
import { syntheticRows } from './synthetic';

const MODEL = 'promotion-retry';
let harness: Harness;
let webhook: WebhookReceiver;
const promotionAttempts: number[] = [];
let lastRequest: PromotionRequest | null = null;

beforeAll(async () => {
  harness = await startHarness('promotion', {
    // The promotion commits, then the worker "loses" the response: Temporal retries the activity.
    overrideActivities: (real) => ({
      async promoteChallenger(request) {
        const { attempt } = Context.current().info;
        promotionAttempts.push(attempt);
        lastRequest = request;
        const outcome = await real.promoteChallenger(request);
        if (attempt === 1) throw new Error('simulated: response lost after the promotion committed');
        return outcome;
      },
    }),
  });
  webhook = await startWebhookReceiver();
  await harness.registerModel(testModelConfig(MODEL, webhook.url, { cooldown: '0s' }));
});

afterAll(async () => {
  await harness?.close();
  await webhook?.close();
});

it('a retried promotion activity promotes once, and a late zombie attempt changes nothing', async () => {
  await harness.ingest(MODEL, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 960, seed: 31 }));
  expect((await harness.bootstrap(MODEL)).outcome).toBe('promoted');
  await harness.ingest(MODEL, syntheticRows({ start: '2026-03-01T00:00:00Z', rows: 720, seed: 32, shift: 2.5, weights: [-2, 1.5, 2] }));
  promotionAttempts.length = 0;

  const result: RetrainResult = await harness.client.workflow.execute<typeof retrainWorkflow>('retrainWorkflow', {
    workflowId: retrainWorkflowId(MODEL), taskQueue: harness.taskQueue, args: [{ modelName: MODEL, requestedBy: 'test' }],
  });
  expect(result.outcome).toBe('promoted');
  expect(promotionAttempts).toEqual([1, 2]);

  // A zombie attempt (an earlier attempt finishing late) replays the same request.
  const { createOrchestrationActivities } = await import('../../activities/orchestration');
  const zombie = createOrchestrationActivities({ db: harness.db, artifacts: harness.artifacts, client: harness.client, temporalUiUrl: '' });
  expect(await zombie.promoteChallenger(lastRequest!)).toBe('already_promoted');

  const versions = await listVersions(harness.db, MODEL);
  expect(versions.map((v) => [v.version, v.status])).toEqual([[1, 'archived'], [2, 'champion']]);
  const events = await harness.db.query<{ version: number; event: string }>(
    `SELECT version, event FROM model_events WHERE model_name = $1 ORDER BY id`,
    [MODEL],
  );
  expect(events.rows.map((e) => [e.version, e.event])).toEqual([[1, 'promoted'], [1, 'archived'], [2, 'promoted']]);
  expect(webhook.received.filter((a) => a.event === 'model_promoted')).toHaveLength(2);
});
