import { Context } from '@temporalio/activity';

// Often, as a heartbeat timeout may be short (retrain.heartbeatTimeout): the SDK throttles what it sends to the server.
const HEARTBEAT_EVERY_MS = 200;

/**
 * Heartbeats while `work` runs, for activities that report no progress of their own. The heartbeat
 * timeout is what notices an attempt whose completion was lost while the Temporal server was away:
 * without it the attempt is retried only when its start-to-close timeout expires. The work must yield
 * to the event loop now and then, so the timer fires.
 */
export async function whileHeartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const beating = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(beating);
  }
}
