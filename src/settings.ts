/**
 * Runtime settings: an explicit value wins, then the environment, then these documented defaults.
 */
import path from 'node:path';
import { DEFAULT_TASK_QUEUE } from '../workflows/definitions';
import { DEFAULT_CONFIG_MAX_BYTES } from './config-size-limit';
import { databaseUrl } from './store/db';

export interface Settings {
  databaseUrl: string;
  /** Set: connect to this Temporal frontend. Unset: use (or start) a local dev server. */
  temporalAddress: string | null;
  namespace: string;
  taskQueue: string;
  temporalUiUrl: string;
  /** Local state: the dev server's database file and log. */
  homeDir: string;
  /** Model versions and training checkpoints (src/store/artifacts.ts); default `<homeDir>/artifacts`. */
  artifactDir: string;
  /** Training activities one worker process runs at once. */
  trainingConcurrency: number;
  /** Model config files larger than this are refused before parsing. */
  configMaxBytes: number;
}

export const LOCAL_TEMPORAL_PORT = 7233;
export const LOCAL_TEMPORAL_UI_PORT = 8233;

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const homeDir = path.resolve(env.DRIFTWATCH_HOME || path.join(__dirname, '..', '.driftwatch'));
  return {
    databaseUrl: databaseUrl(env.DATABASE_URL),
    temporalAddress: env.TEMPORAL_ADDRESS || null,
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.DRIFTWATCH_TASK_QUEUE || DEFAULT_TASK_QUEUE,
    temporalUiUrl: env.TEMPORAL_UI_URL || `http://localhost:${LOCAL_TEMPORAL_UI_PORT}`,
    homeDir,
    artifactDir: path.resolve(env.DRIFTWATCH_ARTIFACT_DIR || path.join(homeDir, 'artifacts')),
    trainingConcurrency: positiveInteger(env, 'DRIFTWATCH_TRAINING_CONCURRENCY', 2),
    configMaxBytes: positiveInteger(env, 'DRIFTWATCH_CONFIG_MAX_BYTES', DEFAULT_CONFIG_MAX_BYTES),
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got '${text}'`);
  return value;
}
