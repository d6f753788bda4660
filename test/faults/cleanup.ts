/**
 * The fault tests start servers of their own (a PostgreSQL cluster, a Temporal dev server) in
 * temporary directories. Whatever happens to the test process (a failed assertion, a timeout, an
 * uncaught error, SIGINT or SIGTERM), they are stopped and their directories removed; a run killed
 * with SIGKILL leaves them behind, and the next run reaps them.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from '../../src/cli/process-commands';

const cleanups = new Set<() => void>();
let handlersInstalled = false;

/**
 * Runs `cleanup` (synchronous: it may run in an exit handler) when the process ends, unless the
 * returned function runs it first. Idempotent either way.
 */
export function onProcessExit(cleanup: () => void): () => void {
  installHandlers();
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    cleanups.delete(once);
    cleanup();
  };
  cleanups.add(once);
  return once;
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const runAll = () => {
    for (const cleanup of [...cleanups]) {
      try {
        cleanup();
      } catch {
        // The other servers still get stopped.
      }
    }
  };
  process.on('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      runAll();
      // The handler replaced the default action: die of the signal as the process would have.
      process.kill(process.pid, signal);
    });
  }
}

/**
 * A temporary directory `driftwatch-faults-<kind>-<pid>-*` owned by this process (the owner is in the
 * name, so no other run can take a directory for abandoned before its owner has written to it).
 * Directories of the same kind whose owner is dead (a run killed with SIGKILL) are first handed to
 * `reap`, then removed.
 */
export function ownedTempDir(kind: string, reap: (dir: string) => void): string {
  const prefix = `driftwatch-faults-${kind}-`;
  for (const name of readdirSync(os.tmpdir())) {
    const owner = name.startsWith(prefix) ? Number(name.slice(prefix.length).split('-')[0]) : NaN;
    if (Number.isNaN(owner) || isAlive(owner)) continue;
    const dir = path.join(os.tmpdir(), name);
    try {
      reap(dir);
    } catch {
      // Nothing of it runs any more.
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return mkdtempSync(path.join(os.tmpdir(), `${prefix}${process.pid}-`));
}

/**
 * Whether process `pid` still runs a program started from `dir` (its command line names it): a pid
 * read from an abandoned directory may belong to an unrelated process by now.
 */
export function runsFrom(pid: number, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
  } catch {
    return false;
  }
}

