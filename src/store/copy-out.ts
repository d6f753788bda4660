/** `COPY (query) TO STDOUT`, streamed: how the drift check reads megabytes of values without building rows or strings. */
import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Db } from './db';

/**
 * Runs the COPY that `command` writes (given the connection's literal quoting: COPY takes no bind
 * parameters) on a pooled connection, handing each chunk to `push` as it arrives.
 */
export async function copyOut(db: Db, command: (literal: (value: string) => string) => string, push: (chunk: Buffer) => void): Promise<void> {
  const client: PoolClient = await db.connect();
  let broken: Error | undefined;
  try {
    const stream = client.query(copyTo(command((value) => client.escapeLiteral(value))));
    for await (const chunk of stream) push(chunk as Buffer);
  } catch (err) {
    // A COPY that stopped half-way leaves the connection mid-protocol: it is closed, not reused.
    broken = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.release(broken);
  }
}
