/**
 * Long-running processes: the worker, and the local Temporal dev server.
 */
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { LOCAL_TEMPORAL_PORT } from '../settings';
import { connectTemporal, devServerLogPath, devServerPidPath, tryConnect } from '../temporal';
import { parseRoles, prepareWorkerProcess, startWorkers } from '../worker';
import { errorText } from '../errors';
import { CliError, type CliContext } from './context';

const STOP_TIMEOUT_MS = 15_000;

/** Runs the worker until SIGINT or SIGTERM (as `npm run worker` does). */
export async function worker(ctx: CliContext, rolesFlag: string | undefined): Promise<void> {
  const { settings } = ctx;
  const roles = parseRoles(rolesFlag ?? process.env.DRIFTWATCH_WORKER_ROLES);
  // Before anything connects to Temporal: the SDK's logs as JSON lines, and its runtime metrics.
  const { observability } = prepareWorkerProcess();
  const running = await startWorkers(settings, roles, observability);
  ctx.json({ roles, taskQueue: settings.taskQueue, namespace: settings.namespace });
  ctx.say(`[driftwatch] worker running: roles ${roles.join(', ')}, task queue '${settings.taskQueue}', namespace '${settings.namespace}'`);
  const stop = () => {
    ctx.note('[driftwatch] stopping the worker (finishing running tasks)');
    void running.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await running.run;
}

export async function serverStart(ctx: CliContext): Promise<void> {
  const { settings } = ctx;
  const endpoint = await connectTemporal(settings).catch((err: unknown) => {
    throw new CliError(`cannot reach or start Temporal: ${errorText(err)}`);
  });
  await endpoint.connection.close();
  const managed = settings.temporalAddress === null;
  ctx.json({
    address: endpoint.address, uiUrl: settings.temporalUiUrl, namespace: settings.namespace, startedDevServer: endpoint.startedDevServer,
    pid: managed ? readPid(devServerPidPath(settings)) : null,
  });
  if (!managed) {
    ctx.say(`Temporal at ${endpoint.address} (TEMPORAL_ADDRESS) answers; driftwatch does not manage that server.`);
  } else if (endpoint.startedDevServer) {
    ctx.say(`Started a local Temporal dev server (pid ${readPid(devServerPidPath(settings)) ?? '?'}, state in ${settings.homeDir}).`);
  } else {
    ctx.say('A local Temporal dev server is already running.');
  }
  ctx.say(`  gRPC: ${endpoint.address}`);
  ctx.say(`  UI:   ${settings.temporalUiUrl}`);
  if (managed) ctx.say(`  log:  ${devServerLogPath(settings)}`);
}

export async function serverStop(ctx: CliContext): Promise<void> {
  const { settings } = ctx;
  if (settings.temporalAddress) {
    ctx.note(`note: TEMPORAL_ADDRESS is set (${settings.temporalAddress}); 'server stop' only stops the local dev server driftwatch started`);
  }
  const pidPath = devServerPidPath(settings);
  const pid = readPid(pidPath);
  if (pid === null || !isAlive(pid)) {
    if (pid !== null) unlinkSync(pidPath);
    ctx.json({ stopped: false, running: false, pid });
    ctx.say(pid === null
      ? `No local Temporal dev server started by driftwatch (no ${pidPath}).`
      : `The local Temporal dev server (pid ${pid}) is not running; removed the stale ${pidPath}.`);
    return;
  }
  if (!looksLikeTemporal(pid)) {
    throw new CliError(`process ${pid} (from ${pidPath}) is not a Temporal server; not stopping it. Remove the file if it is stale.`);
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  if (isAlive(pid)) throw new CliError(`the Temporal dev server (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s`);
  unlinkSync(pidPath);
  ctx.json({ stopped: true, running: false, pid });
  ctx.say(`Stopped the local Temporal dev server (pid ${pid}); its state stays in ${settings.homeDir}.`);
}

export async function serverStatus(ctx: CliContext): Promise<void> {
  const { settings } = ctx;
  const address = settings.temporalAddress ?? `127.0.0.1:${LOCAL_TEMPORAL_PORT}`;
  const connection = await tryConnect(address);
  const running = connection !== null;
  await connection?.close();
  const pid = settings.temporalAddress ? null : readPid(devServerPidPath(settings));
  const pidAlive = pid !== null && isAlive(pid);
  ctx.json({ address, running, uiUrl: settings.temporalUiUrl, pid: pidAlive ? pid : null });
  if (running) {
    ctx.say(`Temporal answers at ${address} (UI ${settings.temporalUiUrl})` + (pidAlive ? `; local dev server pid ${pid}` : ''));
  } else {
    ctx.say(`Temporal does not answer at ${address}` +
      (settings.temporalAddress ? ' (TEMPORAL_ADDRESS)' : "; start a local dev server with 'driftwatch server start'"));
    process.exitCode = 1;
  }
}

function readPid(pidPath: string): number | null {
  if (!existsSync(pidPath)) return null;
  const pid = Number(readFileSync(pidPath, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Whether a process with this pid exists (EPERM: it does, and belongs to someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Guards against a recycled PID: on Linux, the process's command line must mention temporal. */
function looksLikeTemporal(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('temporal');
  } catch {
    return true; // No /proc (macOS): trust the PID file.
  }
}
