/**
 * Named errors. Activities turn the non-retryable ones into `ApplicationFailure.nonRetryable` with
 * the class name as type, because a minifier may rename classes (see FIELD-NOTES, Temporal retries).
 * Which errors no retry can fix is catalogued in src/policy/retries.ts (NON_RETRYABLE_ERRORS): every
 * workflow's retry policy reads it there, as workflow code cannot import this module (it reaches the
 * config parser). A new error class that retrying cannot fix belongs in that catalogue too.
 */
import { ConfigError, type ConfigIssue } from './config';

export class UnknownModelError extends Error {
  constructor(readonly modelName: string) {
    super(`unknown model '${modelName}': register it first with 'driftwatch models register <config.yaml>'`);
    this.name = 'UnknownModelError';
  }
}

export class NotEnoughDataError extends Error {
  constructor(readonly modelName: string, readonly detail: string) {
    super(`not enough data for model '${modelName}': ${detail}`);
    this.name = 'NotEnoughDataError';
  }
}

export class NoChampionError extends Error {
  constructor(readonly modelName: string) {
    super(`model '${modelName}' has no champion yet: run a bootstrap retrain ('driftwatch retrain ${modelName}')`);
    this.name = 'NoChampionError';
  }
}

/** A stored model or checkpoint that fails its checksum or cannot be read: retrying cannot fix it. */
export class CorruptArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptArtifactError';
  }
}

/**
 * Training labels that do not fit the task or that a model cannot represent (a class index past the
 * class limit, a regression label beyond float32): the same rows fail every retry. `row` is the
 * index in the rows given to training, null when no single row is to blame.
 */
export class InvalidLabelsError extends Error {
  constructor(message: string, readonly row: number | null) {
    super(message);
    this.name = 'InvalidLabelsError';
  }
}

/**
 * A stored model config that this version no longer accepts (an upgrade removed or tightened a key):
 * only its owner can fix the file, so retrying cannot help.
 */
export class StoredConfigError extends ConfigError {
  constructor(readonly modelName: string, issues: ConfigIssue[]) {
    super(`stored for model '${modelName}'`, issues);
    this.name = 'StoredConfigError';
    this.message += `\nthis version of driftwatch does not accept it as stored: fix the model file and register it again ('driftwatch models register <file>')`;
  }
}

/** An error's message followed by its root cause's, when they differ. */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  let root: Error = err;
  while (root.cause instanceof Error) root = root.cause;
  const own = err.message || err.name;
  // AggregateError (e.g. ECONNREFUSED on both IPv4 and IPv6) has an empty message.
  const aggregate = err instanceof AggregateError && err.errors[0] instanceof Error ? (err.errors[0] as Error).message : '';
  const text = own || aggregate || String((err as { code?: unknown }).code ?? 'unknown error');
  return root !== err && root.message && !text.includes(root.message) ? `${text}: ${root.message}` : text;
}
