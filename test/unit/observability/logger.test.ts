import { describe, expect, it } from 'vitest';
import { secretMask } from '../../../src/alerts/secret-mask';
import { createLogger, environmentSecrets, temporalLogger, type LoggerOptions } from '../../../src/observability/logger';

/** A logger writing into memory; returns its lines as written. */
function capture(options: Partial<LoggerOptions> = {}) {
  let written = '';
  const logger = createLogger({
    level: 'INFO', mask: (text) => text, ...options,
    destination: { write: (text: string) => { written += text; } },
  });
  const lines = () => written.split('\n').filter(Boolean);
  return { logger, lines, entries: () => lines().map((line) => JSON.parse(line) as Record<string, unknown>) };
}

function failure(): Error {
  const cause = new TypeError('socket hang up');
  const err = new Error('alert delivery failed:\n  http://hooks.test/a: 500', { cause });
  err.name = 'AlertDeliveryFailedError';
  return err;
}

describe('createLogger', () => {
  it('writes one JSON object per entry, with level, time, message and context', () => {
    const { logger, lines, entries } = capture();
    logger.info({ model: 'rain', workflowId: 'monitor-rain' }, 'drift checked');
    logger.warn('second');
    logger.debug('below the level');

    expect(lines()).toHaveLength(2);
    const [first, second] = entries();
    expect(first).toMatchObject({ level: 'info', msg: 'drift checked', model: 'rain', workflowId: 'monitor-rain' });
    expect(new Date(first!.time as string).toISOString()).toBe(first!.time);
    expect(second).toMatchObject({ level: 'warn', msg: 'second' });
  });

  it('keeps an error on its line: type, message and cause; no stack above debug level', () => {
    const { logger, lines, entries } = capture();
    logger.error({ err: failure() }, 'activity failed');

    expect(lines()).toHaveLength(1);
    expect(entries()[0]!.err).toEqual({
      type: 'AlertDeliveryFailedError',
      message: 'alert delivery failed: | http://hooks.test/a: 500',
      cause: { type: 'TypeError', message: 'socket hang up' },
    });
  });

  it('adds the stack at debug level, flattened to one line', () => {
    const { logger, lines, entries } = capture({ level: 'DEBUG' });
    logger.error({ err: failure() }, 'activity failed');

    expect(lines()).toHaveLength(1);
    const stack = (entries()[0]!.err as { stack: string }).stack;
    expect(stack).toMatch(/^AlertDeliveryFailedError: alert delivery failed: \| http:\/\/hooks.test\/a: 500 \| at /);
    expect(stack).not.toContain('\n');
  });

  it('removes task tokens and masks secrets wherever they appear in the line', () => {
    const { logger, entries } = capture({ mask: secretMask(['s3cr3t-signing-key']) });
    logger.info({ taskToken: 'CiQ0ZTQ5', activity: { taskToken: 'nested' } }, 'sent with s3cr3t-signing-key');
    logger.error({ err: new Error('receiver echoed "s3cr3t-signing-key"') }, 'failed');
    // As Core forwards its own warnings: the token as a field and inside another field's text.
    logger.warn({ sdkComponent: 'core', task_token: 'TaskToken(CiQw+a/b==)', details: 'completing TaskToken(CiQw+a/b==): NotFound' }, 'Activity not found');

    const [sent, failed, core] = entries();
    expect(sent).not.toHaveProperty('taskToken');
    expect(sent!.activity).toEqual({});
    expect(sent!.msg).toBe('sent with ***');
    expect((failed!.err as { message: string }).message).toBe('receiver echoed "***"');
    expect(core).not.toHaveProperty('task_token');
    expect(core!.details).toBe('completing TaskToken(***): NotFound');
  });
});

describe('environmentSecrets', () => {
  it('takes secret-named variables, URL secrets by their parts, and the database password', () => {
    const secrets = environmentSecrets({
      ALERT_WEBHOOK_SECRET: 'whsec-0123456789',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B0000000/XXXXXXXXXXXXXXXX',
      PAGERDUTY_ROUTING_KEY: 'short',
      DATABASE_URL: 'postgresql://app:p%40ssw0rd-long@db:5432/driftwatch',
      HOME: '/home/driftwatch',
    });
    expect(secrets).toContain('whsec-0123456789');
    expect(secrets).toContain('XXXXXXXXXXXXXXXX');
    expect(secrets).toContain('p@ssw0rd-long');
    expect(secrets).not.toContain('short');
    expect(secrets).not.toContain('/home/driftwatch');
  });
});

describe('temporalLogger', () => {
  it('writes the SDK\'s entries through the logger, naming the activity and dropping the task token', () => {
    const { logger, entries } = capture();
    const sdk = temporalLogger(logger);
    sdk.info('Activity completed', {
      sdkComponent: 'worker', activityType: 'computeDrift', taskToken: 'CiQ0ZTQ5', workflowId: 'monitor-rain', model: 'rain',
      [Symbol.for('log_timestamp')]: 1n,
    });
    sdk.error('Activity failed', { activityType: 'deliverAlert', error: failure() });
    sdk.debug('below the level');

    const [completed, failed, ...rest] = entries();
    expect(rest).toEqual([]);
    expect(completed).toMatchObject({ level: 'info', msg: 'Activity completed', activity: 'computeDrift', workflowId: 'monitor-rain', model: 'rain' });
    expect(completed).not.toHaveProperty('taskToken');
    expect(failed).toMatchObject({ level: 'error', activity: 'deliverAlert', error: { type: 'AlertDeliveryFailedError' } });
  });
});
