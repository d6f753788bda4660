/**
 * The one module that owns PostgreSQL access: pool creation, transactions and migrations.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Pool, type PoolClient } from 'pg';

export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/driftwatch';
const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
// Any constant works; it only has to be the same in every process that migrates.
const MIGRATION_LOCK_KEY = 0x64726966;

export type Db = Pool;

export function databaseUrl(explicit?: string): string {
  return explicit ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
}

export function createPool(url = databaseUrl()): Db {
  // A server that does not answer (a failover under way, a lost network) fails the attempt after 10 s,
  // so the activity's retries wait out the outage, rather than hanging until its start-to-close timeout.
  const pool = new Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
  // Without this listener an idle client's error (e.g. the server restarting) crashes the process
  // (node-postgres #3260); the pool discards the broken client and the next query reconnects.
  pool.on('error', (err) => {
    console.warn(`[driftwatch] idle PostgreSQL client error: ${err.message}`);
  });
  // The pool watches only idle clients. A client checked out for a transaction whose connection ends
  // (the server stopped or crashed mid-transaction) emits 'error' too, and unheard that ends the worker
  // process. Heard here, the statement in flight or the next one fails with it instead (the activity is
  // retried), and withTransaction closes the client.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export async function withTransaction<T>(db: Db, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw err;
  } finally {
    // A client that cannot even roll back has lost its connection: releasing it with the error closes it,
    // so the activity's next attempt gets a fresh connection instead of this one.
    client.release(broken);
  }
}

/**
 * Creates the target database when it does not exist, so a fresh machine needs no manual step.
 * Connects to the target first: on a managed server the app user may not reach `postgres`.
 */
export async function ensureDatabase(url = databaseUrl()): Promise<void> {
  const probe = new Client({ connectionString: url });
  try {
    await probe.connect();
    await probe.end();
    return;
  } catch (err) {
    await probe.end().catch(() => undefined);
    if ((err as { code?: string }).code !== '3D000') throw err; // 3D000: invalid_catalog_name
  }
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`DATABASE_URL has no database name: ${url}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`).catch((err: { code?: string }) => {
      // Another process created it between our probe and our CREATE.
      if (err.code !== '42P04') throw err;
    });
  } finally {
    await client.end();
  }
}

/** Applies each versioned migration once, all pending ones in one transaction, under an advisory lock so concurrent workers do not race. */
export async function migrate(db: Db): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
  return withTransaction(db, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await client.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
    );
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      await client.query(await readFile(path.join(MIGRATIONS_DIR, file), 'utf8'));
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file]);
      applied.push(file);
    }
    return applied;
  });
}

export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === '23505';
}
