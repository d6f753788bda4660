/**
 * The Temporal SDK's process-wide runtime for a worker: its logs (the SDK's, the workflows' and
 * activities' context loggers, and Core's, forwarded) go through driftwatch's JSON logger, and Core
 * exports its own metrics (pollers, task slots, schedule-to-start and task latencies, sticky cache)
 * in the Prometheus format on a port of their own. Installed once, before the first connection: the
 * demo and the tests install a quieter runtime of their own instead.
 */
import { Runtime } from '@temporalio/worker';
import { temporalLogger, type Logger } from './logger';
import type { ObservabilitySettings } from './settings';

export function installTemporalRuntime(settings: ObservabilitySettings, logger: Logger): void {
  Runtime.install({
    logger: temporalLogger(logger),
    telemetryOptions: {
      // Core's chatter stays at WARN unless driftwatch logs at least that much detail itself.
      logging: { filter: { core: settings.logLevel === 'INFO' ? 'WARN' : settings.logLevel, other: 'ERROR' }, forward: {} },
      ...(settings.temporalMetricsPort !== null && {
        metrics: {
          prometheus: {
            bindAddress: `${settings.metricsHost}:${settings.temporalMetricsPort}`,
            // Prometheus conventions, as driftwatch's own metrics follow them.
            countersTotalSuffix: true,
            unitSuffix: true,
            useSecondsForDurations: true,
          },
        },
      }),
    },
  });
}
