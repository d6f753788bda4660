/**
 * A PostgreSQL cluster of the fault tests' own: initdb into a temporary directory, its own free port
 * on 127.0.0.1, trust authentication. The tests stop, crash and restart it; the shared cluster at
 * 127.0.0.1:5432 is never touched.
 */
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';
import { onProcessExit, ownedTempDir, runsFrom } from './cleanup';

const run = promisify(execFile);

export interface FaultCluster {
  readonly port: number;
  /** A connection string to `database` on this cluster. */
  url(database: string): string;
  /** `fast` ends sessions cleanly; `immediate` is a crash (recovery at the next start). Resolves once the server is gone. */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  /** Resolves once the server accepts connections. */
  start(): Promise<void>;
  /** Plain-text `pg_dump` of the database. */
  dump(database: string): Promise<string>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

/** The newest PostgreSQL server binaries of the Debian layout, /usr/lib/postgresql/<major>/bin. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`the fault tests need PostgreSQL's server binaries (initdb, pg_ctl) under ${root}/<major>/bin`);
  return path.join(root, newest, 'bin');
}

/** PostgreSQL refuses to run as root: as root, the server's commands run as the `postgres` user. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

export async function startFaultCluster(): Promise<FaultCluster> {
  const bin = binDir();
  const pgCtl = (dir: string, args: string[]) => asServerUser(path.join(bin, 'pg_ctl'), ['-D', path.join(dir, 'data'), ...args]);
  const crash = (dir: string) => {
    const [command, args] = pgCtl(dir, ['-m', 'immediate', '-w', 'stop']);
    execFileSync(command, args, { stdio: 'ignore' });
  };
  const dir = ownedTempDir('pg', (abandoned) => {
    // pg_ctl would signal whatever process has the pid of postmaster.pid now.
    const postmaster = Number(readFileSync(path.join(abandoned, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (runsFrom(postmaster, abandoned)) crash(abandoned);
  });
  const removeAll = onProcessExit(() => {
    try {
      crash(dir);
    } catch {
      // Not running (a test stopped it, or it never started).
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const port = await freePort();
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  await run(...asServerUser(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']));
  // fsync off: a crash of the server (stop -m immediate) loses nothing the OS has; the machine does not crash.
  appendFileSync(path.join(data, 'postgresql.conf'), [
    `port = ${port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${dir}'`, 'fsync = off', '',
  ].join('\n'));

  const cluster: FaultCluster = {
    port,
    url: (database) => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    async stop(mode) {
      await run(...pgCtl(dir, ['-m', mode, '-w', 'stop']));
    },
    async start() {
      await run(...pgCtl(dir, ['-l', path.join(dir, 'postgres.log'), '-w', '-t', '60', 'start']));
    },
    async dump(database) {
      const { stdout } = await run(path.join(bin, 'pg_dump'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', database], {
        maxBuffer: 512 * 1024 * 1024,
      });
      return stdout;
    },
    async destroy() {
      removeAll();
    },
  };
  await cluster.start();
  return cluster;
}
