/**
 * Where a worker serves its metrics and how much it logs: the environment, then these defaults.
 */
import type { LogLevel } from '@temporalio/common';
import { portNumber } from '../settings';

export interface ObservabilitySettings {
  /** Address both metrics endpoints bind; metrics hold model and feature names, no secrets. */
  metricsHost: string;
  /** driftwatch's /metrics (src/observability/metrics.ts); null: not served. */
  metricsPort: number | null;
  /** The Temporal SDK's own runtime metrics (workers, polls, task latencies); null: not exported. */
  temporalMetricsPort: number | null;
  logLevel: LogLevel;
}

/** 9464: the OpenTelemetry Prometheus exporter's default port; the SDK's metrics sit beside it. */
export const DEFAULT_METRICS_PORT = 9464;
export const DEFAULT_TEMPORAL_METRICS_PORT = 9465;
/** Any interface: a Prometheus server scrapes from another host or container. */
export const DEFAULT_METRICS_HOST = '0.0.0.0';

const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export function loadObservabilitySettings(env: NodeJS.ProcessEnv = process.env): ObservabilitySettings {
  return {
    metricsHost: env.DRIFTWATCH_METRICS_HOST || DEFAULT_METRICS_HOST,
    metricsPort: optionalPort(env, 'DRIFTWATCH_METRICS_PORT', DEFAULT_METRICS_PORT),
    temporalMetricsPort: optionalPort(env, 'DRIFTWATCH_TEMPORAL_METRICS_PORT', DEFAULT_TEMPORAL_METRICS_PORT),
    logLevel: logLevel(env),
  };
}

/** A TCP port, or null where 0 turns the endpoint off. */
function optionalPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number | null {
  return portNumber(env, name, fallback, 'off') || null;
}

function logLevel(env: NodeJS.ProcessEnv): LogLevel {
  const text = env.DRIFTWATCH_LOG_LEVEL;
  if (text === undefined || text === '') return 'INFO';
  const level = text.toUpperCase() as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw new Error(`DRIFTWATCH_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (any case); got '${text}'`);
  return level;
}
