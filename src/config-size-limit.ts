/**
 * The size limit on model config files. YAML parsing costs far more than the file's size (a 50 MB
 * file took 34 s and 3.4 GB before failing), so a file over the limit is refused before it is read.
 */
import { stat } from 'node:fs/promises';
import { ConfigError } from './config';

/** 1 MB: a config with ten thousand features is a few hundred kilobytes. */
export const DEFAULT_CONFIG_MAX_BYTES = 1_000_000;

export async function checkConfigFileSize(file: string, maxBytes: number): Promise<void> {
  const { size } = await stat(file);
  if (size > maxBytes) {
    throw new ConfigError(file, [{
      path: '',
      message: `the file has ${size} bytes, over the ${maxBytes}-byte limit for config files (DRIFTWATCH_CONFIG_MAX_BYTES raises it)`,
    }]);
  }
}
