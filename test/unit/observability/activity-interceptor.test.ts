import type { Context } from '@temporalio/activity';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { observeActivities } from '../../../src/observability/activity-interceptor';
import { createDriftwatchMetrics } from '../../../src/observability/metrics';

function intercept(activityType: string) {
  const metrics = createDriftwatchMetrics(new Registry());
  const interceptors = observeActivities(metrics)({ info: { activityType } } as Context);
  const run = (args: unknown[], work: () => Promise<unknown> = async () => 'done') =>
    interceptors.inbound!.execute!({ args, headers: {} }, work);
  const logAttributes = () => interceptors.outbound!.getLogAttributes!({ activityId: '1' }, (attributes) => attributes);
  const timedStages = async () => (await metrics.registry.metrics()).split('\n').filter((line) => line.startsWith('driftwatch_retrain_stage_seconds_count'));
  return { run, logAttributes, timedStages };
}

describe('observeActivities', () => {
  it('times a retrain stage\'s activity for its model and puts the model on its log entries', async () => {
    const { run, logAttributes, timedStages } = intercept('trainChallenger');
    expect(await run([{ modelName: 'rain', retrainId: 'r1' }])).toBe('done');
    expect(logAttributes()).toEqual({ activityId: '1', model: 'rain' });
    expect(await timedStages()).toEqual(['driftwatch_retrain_stage_seconds_count{model="rain",stage="training"} 1']);
  });

  it('does not time a failed attempt, nor an activity that is no stage', async () => {
    const failing = intercept('evaluateChallenger');
    await expect(failing.run([{ modelName: 'rain' }], () => Promise.reject(new Error('database away')))).rejects.toThrow('database away');
    expect(await failing.timedStages()).toEqual([]);

    const check = intercept('computeDrift');
    await check.run([{ modelName: 'rain', source: 'schedule' }]);
    expect(await check.timedStages()).toEqual([]);
    expect(check.logAttributes()).toEqual({ activityId: '1', model: 'rain' });
  });

  it('adds no model when the input names none', async () => {
    const { run, logAttributes } = intercept('proposeTrials');
    await run([{ space: {} }]);
    expect(logAttributes()).toEqual({ activityId: '1' });
  });
});
