/**
 * Named errors. Activities turn the non-retryable ones into `ApplicationFailure.nonRetryable` with
 * the class name as type, because a minifier may rename classes (see FIELD-NOTES, Temporal retries).
 */

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
