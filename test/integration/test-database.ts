/** A database of its own for one test file, on the PostgreSQL of DATABASE_URL, dropped when done. */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createPool, databaseUrl, type Db } from '../../src/store/db';

export interface TestDatabase {
  db: Db;
  /** Its connection string, for processes the test starts. */
  url: string;
  /** Closes the pool and drops the database, whatever its connections. */
  drop(): Promise<void>;
}

/** Creates an empty database named after `name` (not migrated: the caller migrates, or sets up an older schema). */
export async function createTestDatabase(name: string): Promise<TestDatabase> {
  const dbName = `driftwatch_test_${name.replace(/[^a-z0-9]/g, '_')}_${randomUUID().slice(0, 8)}`;
  const adminUrl = new URL(databaseUrl(process.env.DATABASE_URL));
  adminUrl.pathname = '/postgres';
  const admin = new Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(dbName)}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  const db = createPool(dbUrl.toString());
  return {
    db,
    url: dbUrl.toString(),
    async drop() {
      await db.end();
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(dbName)} WITH (FORCE)`);
      await admin.end();
    },
  };
}
