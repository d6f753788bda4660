/**
 * How every workflow retries its activities, in one place. The retries must outlast the outages
 * driftwatch rides out without failing a retrain or a drift check: a managed PostgreSQL failover
 * (30–120 s) and a Temporal server restart (about a minute). Errors that no retry can fix fail at
 * once: the catalogue below names them. Pure: workflow code imports it (src/errors.ts cannot be
 * imported there, as it reaches the config parser and Node modules).
 */
import type { ActivityOptions, RetryPolicy } from '@temporalio/common';

/**
 * The errors no retry can fix, by the failure type activities give them: the class name, which the
 * classes set explicitly (src/errors.ts, RollbackError in src/store/registry.ts, RefusedDestinationError
 * in src/alerts/outbound.ts) or activities pass to `ApplicationFailure.nonRetryable`.
 */
export const NON_RETRYABLE_ERRORS = {
  UnknownModelError: 'the model is not registered',
  StoredConfigError: 'the stored model config is no longer valid: only its owner can fix the file',
  NotEnoughDataError: 'too few labelled rows: a retry reads the same rows',
  CorruptArtifactError: 'a stored model or checkpoint fails its checksum or cannot be read',
  InvalidLabelsError: 'training labels that do not fit the task: the same rows fail every retry',
  RollbackError: 'a rollback the registry refuses (no such version, a candidate, a turned-down version without force)',
  RefusedDestinationError: "an alert route's URL or address that the outbound policy refuses",
  AlertDeliveryFailedError: 'alert routes that still failed after ALERT_SINK_ATTEMPTS attempts',
} as const satisfies Record<string, string>;

export type NonRetryableErrorType = keyof typeof NON_RETRYABLE_ERRORS;

/** `nonRetryableErrorTypes` of every activity of every workflow. */
export const NON_RETRYABLE_ERROR_TYPES = Object.keys(NON_RETRYABLE_ERRORS) as NonRetryableErrorType[];

/** The outages every activity outlasts. */
export const OUTAGES_RIDDEN_OUT_MS = { postgres: 120_000, temporal: 60_000 } as const;

/**
 * 1 s, 2 s, 4 s, … at most 30 s between attempts, 12 attempts: 211 s of waiting before it gives up,
 * more than both outages back to back. An attempt fails fast while PostgreSQL is down (connection
 * refused, or the pool's 10 s connection timeout), so it is the waits that carry a check or a retrain
 * across the outage (measured: a check through the monitor with PostgreSQL stopped 120 s answered on
 * its 9th attempt); while Temporal is down nothing is retried, and an attempt whose completion was lost
 * costs one attempt when its timeout expires.
 */
export const OUTAGE_RETRY_POLICY: RetryPolicy = {
  initialInterval: 1_000,
  backoffCoefficient: 2,
  maximumInterval: 30_000,
  maximumAttempts: 12,
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
};

/** Reads and writes in PostgreSQL, calls to Temporal, seconds of CPU work (proposals, an evaluation). */
export const ORCHESTRATION_ACTIVITY: ActivityOptions = { startToCloseTimeout: '2 minutes', retry: OUTAGE_RETRY_POLICY };

/**
 * An attempt whose completion was lost while the Temporal server was away is retried when this runs
 * out after the server is back, instead of the start-to-close timeout (minutes): the drift check and
 * the schedule tick heartbeat while they work or wait (activities/heartbeat.ts).
 */
const LOST_ATTEMPT_NOTICED_WITHIN = '30 seconds';

/** A drift check reads one window column per feature and may score the champion. */
export const DRIFT_CHECK_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '5 minutes', heartbeatTimeout: LOST_ATTEMPT_NOTICED_WITHIN, retry: OUTAGE_RETRY_POLICY,
};

/** A schedule tick waits for the monitor's check, behind any request the monitor is already handling. */
export const MONITOR_TICK_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '15 minutes', heartbeatTimeout: LOST_ATTEMPT_NOTICED_WITHIN, retry: OUTAGE_RETRY_POLICY,
};

/**
 * Training heartbeats every epoch: a dead training worker is noticed within the heartbeat timeout
 * (retrain.heartbeatTimeout), and the retry resumes from the checkpoint of the last epoch.
 */
export function trainingActivity(heartbeatTimeoutMs: number): ActivityOptions {
  return { startToCloseTimeout: '30 minutes', heartbeatTimeout: heartbeatTimeoutMs, retry: OUTAGE_RETRY_POLICY };
}

/**
 * Above the longest per-route timeout (25 s): routes are sent to at once, so one attempt takes about as
 * long as the slowest route. A database or Temporal outage is retried like anywhere else, but a dead
 * sink gets ALERT_SINK_ATTEMPTS attempts (1 + 2 + 4 + 8 s of waiting), then the activity gives up
 * (AlertDeliveryFailedError) and the workflow moves on: alert_deliveries shows the route as failing.
 */
export const ALERT_DELIVERY_ACTIVITY: ActivityOptions = { startToCloseTimeout: '30 seconds', retry: OUTAGE_RETRY_POLICY };
export const ALERT_SINK_ATTEMPTS = 5;
