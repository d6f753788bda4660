/**
 * The Temporal server is killed with SIGKILL in the middle of a retrain and started again on its
 * database file: during tuning, during the challenger's training, as the evaluation starts, and inside
 * the promotion's transaction. Each retrain goes on where it was and promotes exactly one champion,
 * with no trial or version twice. The heartbeat timeout is shorter than the outage, so a training
 * attempt caught in the crash times out and is retried (from its checkpoint) while the old attempt
 * still runs on the worker until its next heartbeat is refused. The promotion's server stays down
 * longer than the worker retries the completion: the promotion commits, its completion is lost, and
 * the retry after the start-to-close timeout (2 min) must find it done. Down for the 60 s the retry
 * policies are sized for while the challenger trains, the server misses the whole rest of the training:
 * the attempt registers its version unheard, and the retry must return that version, not train another.
 * Down 60 s as a drift check starts, the check and its schedule tick lose their answers; their
 * heartbeat timeouts, not their start-to-close timeouts, bring the retries that answer.
 * Default run: the training crash; `npm run test:faults`: all six.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { msToNumber } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MONITOR_TICK_ACTIVITY, OUTAGES_RIDDEN_OUT_MS } from '../../src/policy/retries';
import { monitorWorkflowId, retrainWorkflowId, type RetrainResult } from '../../workflows/definitions';
import { testModelYaml } from '../integration/harness';
import { syntheticRows } from '../integration/synthetic';
import {
  FULL_RUN, NO_EARLY_STOPPING, QUICK_TUNING, slowTuning, startFaultEnvironment, type FaultEnvironment, type Outage,
} from './environment';
import { expectSound, finalAttempts, timeoutsBeforeFinalAttempt, until } from './invariants';

// A heartbeat timeout shorter than the outage: the training attempt caught in a crash times out and is retried.
const RETRAIN_SETTINGS = `\n  heartbeatTimeout: 2s${NO_EARLY_STOPPING}`;
// Longer than the worker retries an activity's completion (about 10 s).
const COMPLETION_LOST_DOWNTIME_MS = 20_000;

let env: FaultEnvironment;

beforeAll(async () => {
  env = await startFaultEnvironment('temporal_crash');
}, 120_000);

afterAll(async () => {
  await env?.close();
});

/**
 * Bootstraps a fresh model while `crashDuring` takes the server away, and checks the outcome: promoted,
 * v1 the one champion, the invariants of a sound registry.
 */
async function bootstrapThrough(
  model: string, tuning: string, crashDuring: (retrainId: string) => Promise<Outage>,
): Promise<RetrainResult> {
  await env.registerModel(testModelYaml(model, { webhooks: [env.webhook.url], tuning, retrain: RETRAIN_SETTINGS }));
  await env.ingest(model, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 720, seed: 11 }));
  const handle = await env.startRetrain(model);
  const crash = await crashDuring(handle.firstExecutionRunId);
  await crash.over;
  const result = await handle.result();
  expect(result.outcome, result.reason).toBe('promoted');
  const { versions } = await expectSound(env, model, { champion: 1 });
  expect(versions.map((v) => [v.version, v.status])).toEqual([[1, 'champion']]);
  return result;
}

const retrainHandle = (model: string) => env.client.workflow.getHandle(retrainWorkflowId(model));

async function checkpointEpochs(scope: string): Promise<number[]> {
  const entries = await readdir(path.join(env.artifactDir, '_checkpoints', scope)).catch(() => [] as string[]);
  return entries.flatMap((name) => (/^epoch-(\d+)$/.exec(name) ? [Number(name.slice('epoch-'.length))] : []));
}

/** Waits until the challenger has saved its second epoch's checkpoint: training is under way, most of it still ahead. Returns the newest epoch saved. */
async function challengerPastSecondEpoch(retrainId: string): Promise<number> {
  let newestEpoch = 0;
  await until('the challenger past its second epoch', async () => {
    newestEpoch = Math.max(0, ...(await checkpointEpochs(`${retrainId}.challenger`)));
    return newestEpoch >= 2;
  }, 120_000);
  return newestEpoch;
}

it.runIf(FULL_RUN)('killed while two tuning trials train: both are retried from their checkpoints, each recorded once', async () => {
  const result = await bootstrapThrough('crash-tuning', slowTuning(2), async (retrainId) => {
    await until('both trials past their second epoch', async () => {
      const epochs = await Promise.all([1, 2].map((trial) => checkpointEpochs(`${retrainId}.trial-${trial}`)));
      return epochs.every((saved) => Math.max(0, ...saved) >= 2);
    }, 120_000);
    return env.temporalCrash();
  });
  expect(result.trials.map((t) => [t.trialNumber, t.status])).toEqual([[1, 'completed'], [2, 'completed']]);
  expect(await finalAttempts(retrainHandle('crash-tuning'), 'runTuningTrial')).toEqual([2, 2]);
}, 300_000);

it('killed while the challenger trains: training resumes from its checkpoint, one version, one champion', async () => {
  let epochsBeforeCrash = 0;
  const result = await bootstrapThrough('crash-training', slowTuning(1), async (retrainId) => {
    epochsBeforeCrash = await challengerPastSecondEpoch(retrainId);
    return env.temporalCrash();
  });
  // Which path the server takes after the restart is a race, and each keeps one version and one champion
  // (bootstrapThrough): the attempt caught in the crash times out and its retry resumes from a checkpoint;
  // or it finished meanwhile, its completion was lost, and the retry returns the version it registered;
  // or the worker's retried heartbeat reached the server first, and the attempt simply went on.
  const attempts = await finalAttempts(retrainHandle('crash-training'), 'trainChallenger');
  expect([[1], [2]]).toContainEqual(attempts);
  if (attempts[0] === 2 && result.training?.resumedFromEpoch !== null) {
    expect(result.training?.resumedFromEpoch).toBeGreaterThanOrEqual(epochsBeforeCrash);
  } else if (attempts[0] === 2) {
    expect(result.training).toEqual({ epochsTrained: 0, resumedFromEpoch: null });
  }
}, 300_000);

it.runIf(FULL_RUN)(`killed for ${OUTAGES_RIDDEN_OUT_MS.temporal / 1000} s while the challenger trains: its completion is lost, the retry returns the version it registered, one champion`, async () => {
  const result = await bootstrapThrough('crash-training-long', slowTuning(1), async (retrainId) => {
    await challengerPastSecondEpoch(retrainId);
    return env.temporalCrash(OUTAGES_RIDDEN_OUT_MS.temporal);
  });
  // The rest of the training takes seconds, far less than the outage: the attempt caught in it trained to the
  // end and registered the version with the server away, and the worker gave up delivering its completion.
  // Once the server was back the attempt timed out, and its retry found the version instead of training a second.
  expect(await finalAttempts(retrainHandle('crash-training-long'), 'trainChallenger')).toEqual([2]);
  expect(result.training).toEqual({ epochsTrained: 0, resumedFromEpoch: null });
}, 400_000);

it.runIf(FULL_RUN)('killed as the evaluation starts: it completes once the server is back', async () => {
  await bootstrapThrough('crash-evaluation', QUICK_TUNING, async () => {
    let crash: Outage | undefined;
    await env.faults.atActivityStart('evaluateChallenger', async () => {
      crash = await env.temporalCrash();
    });
    return crash!;
  });
}, 300_000);

it.runIf(FULL_RUN)('killed inside the promotion\'s transaction: the promotion commits, its completion is lost, the retry finds it done', async () => {
  await bootstrapThrough('crash-promotion', QUICK_TUNING, async () => {
    let crash: Outage | undefined;
    await env.faults.afterStatement(/SET status = 'champion'/, async () => {
      crash = await env.temporalCrash(COMPLETION_LOST_DOWNTIME_MS);
    });
    return crash!;
  });
  expect(await finalAttempts(retrainHandle('crash-promotion'), 'promoteChallenger')).toEqual([2]);
  const promotions = await env.db.query(`SELECT version FROM model_events WHERE model_name = 'crash-promotion' AND event = 'promoted'`);
  expect(promotions.rows).toEqual([{ version: 1 }]);
}, 400_000);

it.runIf(FULL_RUN)(`killed for ${OUTAGES_RIDDEN_OUT_MS.temporal / 1000} s as a drift check starts: its lost answer is noticed by the heartbeat timeout, not minutes later, and keeps its verdict`, async () => {
  const model = 'crash-check';
  await env.registerModel(testModelYaml(model, { webhooks: [env.webhook.url], tuning: QUICK_TUNING, retrain: RETRAIN_SETTINGS }));
  await env.ingest(model, syntheticRows({ start: '2026-01-01T00:00:00Z', rows: 720, seed: 11 }));
  expect((await (await env.startRetrain(model)).result()).outcome).toBe('promoted');
  await env.ingest(model, syntheticRows({ start: '2026-01-31T00:00:00Z', rows: 720, seed: 22, shift: 2.5 }));

  let crash: Outage | undefined;
  const crashed = env.faults.atActivityStart('computeDrift', async () => {
    crash = await env.temporalCrash(OUTAGES_RIDDEN_OUT_MS.temporal);
  });
  const tick = await env.startCheck(model);
  await crashed;
  await crash!.over;
  const serverBackAt = Date.now();
  const check = await tick.result();
  const answeredAfterMs = Date.now() - serverBackAt;
  expect(check).toMatchObject({ outcome: 'checked', verdict: 'drift', retrain: { started: true } });
  // The check finished with the server away: both its activity and the tick's lost their answers. Each
  // was retried once the server was back and their heartbeats had stopped, not when the start-to-close
  // timeout (5 and 15 min) expired; the retried check answered with the report the first attempt wrote.
  // The tick's retry may itself fail once more while the server's frontend is still coming back (3 attempts
  // in one full run out of three), so its count is not pinned; the time to the answer is what users see.
  expect(answeredAfterMs).toBeLessThan(3 * msToNumber(MONITOR_TICK_ACTIVITY.heartbeatTimeout!));
  const monitor = env.client.workflow.getHandle(monitorWorkflowId(model));
  expect(await finalAttempts(monitor, 'computeDrift')).toEqual([2]);
  expect((await finalAttempts(tick, 'deliverMonitorTick'))[0]).toBeGreaterThanOrEqual(2);
  const heartbeat = temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT;
  expect(await timeoutsBeforeFinalAttempt(monitor, 'computeDrift')).toEqual([heartbeat]);
  expect(await timeoutsBeforeFinalAttempt(tick, 'deliverMonitorTick')).not.toContain(temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE);
  const reports = await env.db.query('SELECT id, verdict FROM drift_reports WHERE model_name = $1', [model]);
  expect(reports.rows).toEqual([{ id: String(check.reportId), verdict: 'drift' }]);
}, 400_000);

