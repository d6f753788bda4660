import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseModelConfig } from '../../src/config';
import { listVersions } from '../../src/store/registry';
import { retrainProgressQuery, retrainWorkflowId, type RetrainResult } from '../../workflows/definitions';
import { startHarness, startWebhookReceiver, testModelYaml, type Harness, type WebhookReceiver } from './harness';
import { syntheticRows } from './synthetic';

const MODEL = 'guardrail';
let harness: Harness;
let webhook: WebhookReceiver;

beforeAll(async () => {
  harness = await startHarness('guardrail');
  webhook = await startWebhookReceiver();
  const yaml = `${testModelYaml(MODEL, { webhooks: [webhook.url] })}
promotion:
  requireConfidentImprovement: true
  bootstrapResamples: 500
  guardrail: { tolerance: 0.05, referenceRows: 200 }
`;
  await harness.registerModel(parseModelConfig(yaml, '<guardrail test>'));
});

afterAll(async () => {
  await harness?.close();
  await webhook?.close();
});

it('refuses a challenger that wins on the fresh holdout but breaks the reference period, and says why everywhere', async () => {
  await harness.ingest(MODEL, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 960, seed: 51 }));
  expect((await harness.bootstrap(MODEL)).outcome).toBe('promoted');

  // A new concept from March: the challenger learns it, which the champion cannot match on the
  // fresh holdout, but it no longer knows the reference period's concept.
  await harness.ingest(MODEL, syntheticRows({ start: '2026-03-01T00:00:00Z', rows: 720, seed: 52, weights: [-2, 1.5, 2] }));
  const handle = await harness.client.workflow.start('retrainWorkflow', {
    taskQueue: harness.taskQueue, workflowId: retrainWorkflowId(MODEL), args: [{ modelName: MODEL, trigger: 'manual' }],
  });
  const result: RetrainResult = await handle.result();
  expect(result.outcome).toBe('rejected');
  const decision = result.decision!;
  // Confidently better on the holdout...
  expect(decision.bootstrap!.lower).toBeGreaterThan(0);
  expect(decision.bootstrap!.resamples + decision.bootstrap!.skippedResamples).toBe(500);
  // ...but breached on the champion's own holdout rows, which neither model trained on.
  expect(decision.guardrail).toMatchObject({ status: 'breached', metric: 'log_loss', tolerance: 0.05, rows: 200 });
  expect(decision.reasons.join(' ')).toMatch(/guardrail/i);

  expect((await handle.query(retrainProgressQuery)).decision).toEqual(decision);
  const [, challenger] = await listVersions(harness.db, MODEL);
  expect(challenger?.decision).toMatchObject({ promote: false, guardrail: { status: 'breached' } });
  const alert = webhook.received.find((a) => a.event === 'model_rejected');
  expect(alert?.summary).toMatch(/guardrail/i);
});
