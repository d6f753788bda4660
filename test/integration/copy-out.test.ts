/**
 * copyOut reads a COPY's protocol off the socket itself, on a real PostgreSQL: the bytes it hands on are
 * exactly those pg-copy-streams delivers, across every chunk boundary; notices between rows are passed
 * over; a server error mid-COPY and a failing sink both reject; and the pool's connection still works after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Pool } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { copyOut, type CopyDataSink } from '../../src/store/copy-out';
import { databaseUrl, type Db } from '../../src/store/db';

let db: Db;

beforeAll(() => {
  // No tables needed: the server's own database. One connection: every COPY and the queries after it run on it.
  const url = new URL(databaseUrl(process.env.DATABASE_URL));
  url.pathname = '/postgres';
  db = new Pool({ connectionString: url.toString(), max: 1 });
});

afterAll(async () => {
  await db?.end();
});

/** A sink that keeps every byte handed to it, and how many pieces they came in. */
function collector(): CopyDataSink & { bytes(): Buffer; pieces: number } {
  const parts: Buffer[] = [];
  return {
    pieces: 0,
    pushRange(data, view, start, end) {
      expect(view.byteLength).toBe(data.length);
      parts.push(Buffer.from(data.subarray(start, end)));
      this.pieces++;
    },
    bytes: () => Buffer.concat(parts),
  };
}

async function viaCopyStreams(query: string): Promise<Buffer> {
  const client = await db.connect();
  try {
    const parts: Buffer[] = [];
    for await (const chunk of client.query(copyTo(query))) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  } finally {
    client.release();
  }
}

const ROWS_QUERY = `COPY (SELECT x, x * 0.5 AS half, repeat('v', x % 300) AS text FROM generate_series(1, 200000) x) TO STDOUT (FORMAT binary)`;

describe('copyOut', () => {
  it('hands on exactly the bytes of the COPY, in order, across chunk boundaries', async () => {
    const sink = collector();
    await copyOut(db, () => ROWS_QUERY, sink);
    const expected = await viaCopyStreams(ROWS_QUERY);
    expect(expected.length).toBeGreaterThan(20_000_000);
    expect(sink.bytes().equals(expected)).toBe(true);
    // One piece per row, and more where a socket chunk cut a row.
    expect(sink.pieces).toBeGreaterThan(200_000);
  });

  it('quotes literals with the connection and passes over notices sent between rows', async () => {
    await db.query(`CREATE OR REPLACE FUNCTION pg_temp.noisy(x int) RETURNS int AS $$
      BEGIN RAISE NOTICE 'row %', x; RETURN x; END $$ LANGUAGE plpgsql`);
    const sink = collector();
    await copyOut(db, (literal) => `COPY (SELECT pg_temp.noisy(x), ${literal("it's")} FROM generate_series(1, 3000) x) TO STDOUT`, sink);
    const lines = sink.bytes().toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3000);
    expect(lines[2999]).toBe("3000\tit's");
  });

  it('rejects with the server error raised mid-COPY, and the pool serves the next query', async () => {
    const sink = collector();
    await expect(copyOut(db, () => 'COPY (SELECT 1 / (150000 - x) FROM generate_series(1, 300000) x) TO STDOUT', sink))
      .rejects.toThrow('division by zero');
    expect(sink.pieces).toBeGreaterThan(1000);
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('rejects with the sink\'s error once the COPY has ended, and the pool serves the next query', async () => {
    let pieces = 0;
    const failing: CopyDataSink = {
      pushRange() {
        if (++pieces === 10) throw new Error('a row the sink cannot read');
      },
    };
    await expect(copyOut(db, () => ROWS_QUERY, failing)).rejects.toThrow('a row the sink cannot read');
    // Nothing after the failure reached the sink.
    expect(pieces).toBe(10);
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('rejects, and does not hang, when the server ends the connection mid-COPY', async () => {
    let pieces = 0;
    const counting: CopyDataSink = { pushRange: () => void pieces++ };
    // A 2 kB row every 10 ms (PostgreSQL sends its buffer when 8 kB fill it): still streaming when its backend is terminated.
    const copy = copyOut(db, () => "COPY (SELECT x, repeat('v', 2000), pg_sleep(0.01) FROM generate_series(1, 100000) x) TO STDOUT", counting);
    copy.catch(() => undefined);
    const admin = new Client({ connectionString: (db.options as { connectionString: string }).connectionString });
    await admin.connect();
    try {
      for (let tries = 0; pieces < 20 && tries < 500; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'COPY (SELECT x, repeat(''v'', 2000), pg_sleep%' AND pid <> pg_backend_pid()`);
    } finally {
      await admin.end();
    }
    await expect(copy).rejects.toThrow(/terminat/);
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('rejects a query that fails before any data, with PostgreSQL\'s message', async () => {
    await expect(copyOut(db, () => 'COPY (SELECT no_such_column) TO STDOUT', collector())).rejects.toThrow('no_such_column');
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
