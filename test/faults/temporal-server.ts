/**
 * A Temporal dev server of the fault tests' own (the Temporal CLI, started here rather than by
 * @temporalio/testing so a test can SIGKILL it), persisting to a database file, so it restarts
 * with every workflow where it stopped: a crash of the server a deployment runs on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { registerSearchAttributes } from '../../src/search-attributes';
import { resolveTemporalCli, tryConnect } from '../../src/temporal';
import { onProcessExit, ownedTempDir, runsFrom } from './cleanup';
import { freePort } from './ports';

export interface FaultTemporalServer {
  readonly address: string;
  readonly namespace: string;
  /** SIGKILL: no shutdown, the database file as the crash left it. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it on the same database file and port; resolves once it answers. */
  start(): Promise<void>;
  /** Kills it and removes its directory. */
  destroy(): Promise<void>;
}

const PID_FILE = 'temporal.pid';
const STARTUP_TIMEOUT_MS = 60_000;

export async function startFaultTemporalServer(): Promise<FaultTemporalServer> {
  const dir = ownedTempDir('temporal', (abandoned) => {
    const pid = Number(readFileSync(path.join(abandoned, PID_FILE), 'utf8'));
    if (runsFrom(pid, abandoned)) process.kill(pid, 'SIGKILL');
  });
  let server: ChildProcess | null = null;
  const killServer = () => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  };
  const removeAll = onProcessExit(() => {
    killServer();
    rmSync(dir, { recursive: true, force: true });
  });
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const namespace = 'default';
  const log = openSync(path.join(dir, 'temporal.log'), 'a');

  const temporal: FaultTemporalServer = {
    address,
    namespace,
    async kill() {
      const current = server;
      if (!current || current.exitCode !== null || current.signalCode !== null) return;
      const exited = new Promise((resolve) => current.once('exit', resolve));
      current.kill('SIGKILL');
      await exited;
    },
    async start() {
      server = spawn(resolveTemporalCli(), [
        'server', 'start-dev', '--db-filename', path.join(dir, 'temporal.db'), '--ip', '127.0.0.1', '--port', String(port),
        '--headless', '--namespace', namespace, '--log-level', 'error',
      ], { stdio: ['ignore', log, log] });
      writeFileSync(path.join(dir, PID_FILE), String(server.pid));
      const deadline = Date.now() + STARTUP_TIMEOUT_MS;
      for (;;) {
        if (server.exitCode !== null) throw new Error(`the Temporal dev server exited with ${server.exitCode}; see ${path.join(dir, 'temporal.log')}`);
        const connection = await tryConnect(address, 1_000);
        if (connection) {
          await registerSearchAttributes(connection, namespace);
          await connection.close();
          return;
        }
        if (Date.now() > deadline) throw new Error(`the Temporal dev server did not answer on ${address} within ${STARTUP_TIMEOUT_MS / 1000} s`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async destroy() {
      await temporal.kill();
      removeAll();
    },
  };
  await temporal.start();
  return temporal;
}
