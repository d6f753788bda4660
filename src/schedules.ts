/**
 * One Temporal Schedule per monitored model. Each tick starts `monitorTickWorkflow`, which hands the
 * tick to the model's monitor. Overlap policy SKIP: a tick never queues behind a slow one.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
  type ScheduleSpec,
} from '@temporalio/client';
import { scheduleId } from '../workflows/definitions';

export interface ScheduleTiming { every?: string; cron?: string }

export async function upsertMonitorSchedule(
  client: Client,
  modelName: string,
  timing: ScheduleTiming,
  taskQueue: string,
): Promise<'created' | 'updated'> {
  const spec: ScheduleSpec = timing.cron ? { cronExpressions: [timing.cron] } : { intervals: [{ every: (timing.every ?? '1h') as never }] };
  const options: ScheduleOptions = {
    scheduleId: scheduleId(modelName),
    spec,
    action: {
      type: 'startWorkflow',
      workflowType: 'monitorTickWorkflow',
      taskQueue,
      args: [{ modelName }],
      workflowId: `tick-${modelName}`,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
    memo: { model: modelName },
  };
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(options.scheduleId).update((previous) => ({ ...previous, spec, action: options.action }));
    return 'updated';
  }
}

/** A schedule's timing as people read it: `cron '0 * * * *'` or `every 1h`. */
export function scheduleText(schedule: { every?: string; cron?: string }): string {
  return schedule.cron ? `cron '${schedule.cron}'` : `every ${schedule.every ?? '1h'}`;
}
