/**
 * The activities' retry policy outlasts the outages it is meant for, the catalogue names every error
 * no retry can fix, and a database that is down surfaces as a retryable failure.
 */
import { once } from 'node:events';
import net from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createOrchestrationActivities } from '../../../activities/orchestration';
import { RefusedDestinationError } from '../../../src/alerts/outbound';
import { CorruptArtifactError, InvalidLabelsError, NotEnoughDataError, StoredConfigError, UnknownModelError } from '../../../src/errors';
import {
  ALERT_SINK_ATTEMPTS,
  NON_RETRYABLE_ERROR_TYPES,
  OUTAGES_RIDDEN_OUT_MS,
  OUTAGE_RETRY_POLICY,
} from '../../../src/policy/retries';
import { createLocalArtifactStore } from '../../../src/store/artifacts';
import { createPool } from '../../../src/store/db';
import { RollbackError } from '../../../src/store/registry';

/** The waits between the attempts of a policy, in ms (its intervals are numbers of ms). */
function waitsMs(policy: typeof OUTAGE_RETRY_POLICY): number[] {
  const initial = policy.initialInterval as number;
  const maximum = policy.maximumInterval as number;
  return Array.from({ length: policy.maximumAttempts! - 1 }, (_, n) => Math.min(initial * policy.backoffCoefficient! ** n, maximum));
}

/** A port nothing listens on: PostgreSQL is down. */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

describe('the activities\' retry policy', () => {
  it('keeps retrying for longer than a PostgreSQL failover and a Temporal restart back to back', () => {
    const waits = waitsMs(OUTAGE_RETRY_POLICY);
    const total = waits.reduce((sum, wait) => sum + wait, 0);
    expect(total).toBe(211_000);
    expect(total).toBeGreaterThan(OUTAGES_RIDDEN_OUT_MS.postgres + OUTAGES_RIDDEN_OUT_MS.temporal);
    // The first retries come quickly: a transient error costs seconds, not minutes.
    expect(waits.slice(0, 4)).toEqual([1_000, 2_000, 4_000, 8_000]);
    // A dead alert sink is given up after the first waits only.
    expect(waits.slice(0, ALERT_SINK_ATTEMPTS - 1).reduce((sum, wait) => sum + wait, 0)).toBe(15_000);
  });

  it('names every error class that no retry can fix, by the failure type Temporal gives it', () => {
    const errors = [
      new UnknownModelError('m'),
      new StoredConfigError('m', [{ path: 'features', message: 'required' }]),
      new NotEnoughDataError('m', 'no rows'),
      new CorruptArtifactError('bad checksum'),
      new InvalidLabelsError('label 7 is not a class', 3),
      new RollbackError('no version 9'),
      new RefusedDestinationError('loopback address'),
    ];
    for (const error of errors) {
      const failure = ApplicationFailure.fromError(error);
      expect(NON_RETRYABLE_ERROR_TYPES).toContain(failure.type);
      // The type is the class name, which minifiers may rename: each class sets its name explicitly as well.
      expect(error.name).toBe(failure.type);
    }
    expect(OUTAGE_RETRY_POLICY.nonRetryableErrorTypes).toEqual(NON_RETRYABLE_ERROR_TYPES);
  });

  it('surfaces a database that is down as a retryable failure, not a non-retryable application failure', async () => {
    const db = createPool(`postgresql://postgres@127.0.0.1:${await closedPort()}/driftwatch`);
    try {
      const activities = createOrchestrationActivities({
        db, artifacts: createLocalArtifactStore('/nonexistent'), client: undefined as never, temporalUiUrl: 'http://localhost:8233',
      });
      // The activity logs its failure as a warning: only errors are shown here.
      const environment = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });
      const error = await environment.run(activities.computeDrift, { modelName: 'm', source: 'test' })
        .then(() => null, (err: unknown) => err);
      expect(error).toBeInstanceOf(Error);
      expect((error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
      const failure = ApplicationFailure.fromError(error);
      expect(failure.nonRetryable).toBe(false);
      expect(NON_RETRYABLE_ERROR_TYPES).not.toContain(failure.type);
    } finally {
      await db.end();
    }
  });
});
