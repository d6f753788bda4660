/**
 * Structured logs: one JSON object per line (level, time, msg, and context such as model,
 * workflowId and activity), so a log pipeline indexes them and `grep` still finds one event per
 * line. Errors keep their type and message on that line; their stack only at debug level, flattened.
 * Nothing that authenticates leaves here: Temporal task tokens and credential-like fields are
 * removed, and the values of secret environment variables are masked in the finished line.
 */
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import { MIN_MASKED_PART_LENGTH, secretMask, urlSecretParts, type SecretMask } from '../alerts/secret-mask';

export type { Logger };

export interface LoggerOptions {
  level: LogLevel;
  /** Masks secrets in every finished line; by default the secrets of this process's environment. */
  mask?: SecretMask;
  /** Where lines go; stdout by default. */
  destination?: DestinationStream;
}

/**
 * Fields that may carry a credential whatever their value: a task token completes the activity it
 * names (from anywhere, without the worker), and the SDK puts it on every activity log entry
 * (`taskToken`), Core on some of its own (`task_token`).
 */
const REDACTED_FIELDS = ['taskToken', 'task_token', 'base64TaskToken', 'password', 'apiKey', 'authorization', 'secret'];
/** How Core writes a task token inside text (a failure's details): `TaskToken(<base64>)`. */
const TASK_TOKEN_TEXT = /TaskToken\([A-Za-z0-9+/=_-]*\)/g;
/** Environment variables whose names say they hold a credential; their values are masked in logs. */
const SECRET_VARIABLE = /SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|ROUTING_?KEY|WEBHOOK|PRIVATE|CREDENTIAL/i;

const PINO_LEVELS: Record<LogLevel, pino.Level> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

export function createLogger({ level, mask = secretMask(environmentSecrets(process.env)), destination }: LoggerOptions): Logger {
  const withStack = level === 'TRACE' || level === 'DEBUG';
  const serializeErr = (err: unknown) => serializeError(err, withStack);
  return pino({
    level: PINO_LEVELS[level],
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
    // The SDK passes failures as `error`; driftwatch code as `err` (pino's convention).
    serializers: { err: serializeErr, error: serializeErr },
    redact: { paths: [...REDACTED_FIELDS, ...REDACTED_FIELDS.map((field) => `*.${field}`)], remove: true },
    hooks: { streamWrite: (line) => mask(line).replace(TASK_TOKEN_TEXT, 'TaskToken(***)') },
  }, destination ?? pino.destination({ dest: 1, sync: true }));
}

/** An error as one line's worth of fields: its type and message, its cause's, and with `withStack` its stack flattened. */
export function serializeError(err: unknown, withStack: boolean): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err, message: oneLine(String(err)) };
  return {
    type: err.name,
    message: oneLine(err.message),
    ...(err.cause !== undefined && { cause: serializeError(err.cause, false) }),
    ...(withStack && err.stack !== undefined && { stack: oneLine(err.stack) }),
  };
}

function oneLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).filter(Boolean).join(' | ');
}

/**
 * Values of the environment's secret-looking variables (alert route secrets are named there), and
 * DATABASE_URL's password; a URL-valued secret (a Slack webhook) also by its parts.
 */
export function environmentSecrets(env: NodeJS.ProcessEnv): string[] {
  const secrets = Object.entries(env)
    .filter(([name, value]) => SECRET_VARIABLE.test(name) && value !== undefined && value.length >= MIN_MASKED_PART_LENGTH)
    .flatMap(([, value]) => (/^https?:\/\//.test(value!) ? urlSecretParts(value!) : [value!]));
  const password = databasePassword(env.DATABASE_URL);
  return password ? [...secrets, password] : secrets;
}

function databasePassword(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return decodeURIComponent(new URL(url).password) || null;
  } catch {
    return null;
  }
}

/**
 * The Temporal SDK's logger (workers, workflows' and activities' context loggers, and Core's
 * forwarded logs) writing through the given pino logger, with the SDK's names for context fields
 * shortened to driftwatch's.
 */
export function temporalLogger(logger: Logger): TemporalLogger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    logger[PINO_LEVELS[level]](meta ? contextFields(meta) : {}, message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

function contextFields(meta: LogMetadata): Record<string, unknown> {
  const { activityType, ...rest } = meta;
  return activityType === undefined ? rest : { activity: activityType, ...rest };
}
