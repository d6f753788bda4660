/** withTransaction never hands a client that lost its connection back to the pool. */
import type { PoolClient } from 'pg';
import { describe, expect, it } from 'vitest';
import { withTransaction, type Db } from '../../../src/store/db';

/** A pool of one client whose queries fail from the `failFrom`-th on; records what it was released with. */
function poolOfOne(failFrom: number) {
  const released: unknown[] = [];
  let queries = 0;
  const client = {
    async query() {
      queries += 1;
      if (queries >= failFrom) throw new Error('Connection terminated unexpectedly');
      return { rows: [] };
    },
    release(err?: Error | boolean) {
      released.push(err);
    },
  } as unknown as PoolClient;
  return { db: { connect: async () => client } as unknown as Db, released };
}

describe('withTransaction', () => {
  it('closes the client when the connection broke: even ROLLBACK failed', async () => {
    const { db, released } = poolOfOne(2);
    await expect(withTransaction(db, async (client) => client.query('SELECT 1'))).rejects.toThrow('Connection terminated unexpectedly');
    expect(released).toHaveLength(1);
    expect(released[0]).toBeInstanceOf(Error);
  });

  it('returns a healthy client to the pool after a rolled-back error', async () => {
    const { db, released } = poolOfOne(Infinity);
    await expect(withTransaction(db, async () => {
      throw new Error('unique violation');
    })).rejects.toThrow('unique violation');
    expect(released).toEqual([undefined]);
  });
});
