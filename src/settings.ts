/**
 * Runtime settings: an explicit value wins, then the environment, then these documented defaults.
 */
import path from 'node:path';
import { DEFAULT_TASK_QUEUE } from '../workflows/definitions';
import { DEFAULT_CONFIG_MAX_BYTES } from './config-size-limit';
import { REPORT_PAGES } from './pages/paths';
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
  /** Where `driftwatch serve` listens. */
  serviceHost: string;
  servicePort: number;
  /** The largest request body the service's row ingestion accepts; other requests are held to 1 MB. */
  serviceIngestMaxBytes: number;
  /** The address people reach the service at (DRIFTWATCH_PUBLIC_URL), for links; null: its own listening address. */
  publicUrl: string | null;
}

export const LOCAL_TEMPORAL_PORT = 7233;
export const LOCAL_TEMPORAL_UI_PORT = 8233;
export const DEFAULT_SERVICE_PORT = 8080;
/** Loopback: the service is reachable from elsewhere only when someone chooses a wider address. */
export const DEFAULT_SERVICE_HOST = '127.0.0.1';
export const DEFAULT_SERVICE_INGEST_MAX_BYTES = 10_000_000;

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
    serviceHost: env.DRIFTWATCH_SERVICE_HOST || DEFAULT_SERVICE_HOST,
    servicePort: portNumber(env, 'DRIFTWATCH_SERVICE_PORT', DEFAULT_SERVICE_PORT),
    serviceIngestMaxBytes: positiveInteger(env, 'DRIFTWATCH_SERVICE_INGEST_MAX_BYTES', DEFAULT_SERVICE_INGEST_MAX_BYTES),
    publicUrl: env.DRIFTWATCH_PUBLIC_URL ? env.DRIFTWATCH_PUBLIC_URL.replace(/\/+$/, '') : null,
  };
}

/** The service's address as a link: a wildcard listening address is reached as localhost. */
export function serviceUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/**
 * Where alerts and the Temporal UI link a drift report: DRIFTWATCH_REPORT_URL (a template with {model}
 * and {reportId}), else the report page of the service (`driftwatch serve`) at its public address.
 */
export function reportUrlTemplate(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DRIFTWATCH_REPORT_URL) return env.DRIFTWATCH_REPORT_URL;
  const settings = loadSettings(env);
  return `${settings.publicUrl ?? serviceUrl(settings.serviceHost, settings.servicePort)}${REPORT_PAGES}/{reportId}`;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got '${text}'`);
  return value;
}

/** A TCP port, or 0, which `zeroMeans` explains. */
export function portNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, zeroMeans = 'a free port the system picks'): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number (1-65535, or 0 for ${zeroMeans}), got '${text}'`);
  return value;
}
