/**
 * `COPY (query) TO STDOUT`, streamed: how the drift check reads megabytes of values without building rows or strings.
 *
 * The protocol is read here, off the connection's socket, instead of through pg-copy-streams (which the ingest
 * still writes with): that library makes a Buffer of each CopyData message (one per row) and then concatenates
 * a socket chunk's messages into another, two allocations and a copy per row, a fifth of a million-row check's
 * CPU and most of its young-generation garbage. Here a sink is handed each message's bytes where they lie in
 * the chunk that brought them; only a message cut by a chunk boundary is passed on in two pieces.
 */
import type { Connection, PoolClient } from 'pg';
import type { Db } from './db';

/** Where the COPY data goes: the CopyData messages' bytes in order, as ranges of the chunks they arrived in. */
export interface CopyDataSink {
  /** `data[start, end)` is the next piece of the COPY data; `view` is a DataView over all of `data`. */
  pushRange(data: Buffer, view: DataView, start: number, end: number): void;
}

const MESSAGE_HEADER_BYTES = 5;
const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'
const COPY_OUT_RESPONSE = 0x48; // 'H'
/** Asynchronous messages the server may send at any time, which say nothing about the COPY. */
const INTERLEAVED = new Set([0x4e /* 'N' notice */, 0x53 /* 'S' parameter status */, 0x41 /* 'A' notification */]);

/**
 * Runs the COPY that `command` writes (given the connection's literal quoting: COPY takes no bind
 * parameters) on a pooled connection, handing its data to `sink` as it arrives.
 */
export async function copyOut(db: Db, command: (literal: (value: string) => string) => string, sink: CopyDataSink): Promise<void> {
  const client: PoolClient = await db.connect();
  let broken: Error | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      client.query(new CopyOutQuery(command((value) => client.escapeLiteral(value)), sink, resolve, reject) as never);
    });
  } catch (err) {
    // A connection that failed mid-COPY may be mid-protocol: it is closed, not reused.
    broken = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.release(broken);
  }
}

type DataListener = (chunk: Buffer) => void;

/**
 * A query node-postgres runs as it runs pg-copy-streams' (its "submittable" interface): on submit it takes the
 * socket's data from the protocol parser, reads the COPY's messages itself, and hands the parser back the
 * stream from the message after CopyDone (CommandComplete, ReadyForQuery), or from an ErrorResponse, so
 * node-postgres ends the query, and reports errors, as for any other.
 */
class CopyOutQuery {
  private connection: Connection | null = null;
  private parserListener: DataListener | null = null;
  private readonly onData: DataListener = (chunk) => this.read(chunk);
  /** A message header cut off by the end of a chunk, and how many of its bytes arrived. */
  private readonly header = Buffer.alloc(MESSAGE_HEADER_BYTES);
  private headerBytes = 0;
  /** The current message's type, and how many of its content bytes are still to come, when a chunk cut it. */
  private code = 0;
  private remaining = 0;
  /** The first error of the sink: the rest of the data is read past, so the connection stays usable, then reported. */
  private sinkError: Error | null = null;

  constructor(
    private readonly text: string,
    private readonly sink: CopyDataSink,
    private readonly resolve: () => void,
    private readonly reject: (error: Error) => void,
  ) {}

  submit(connection: Connection): void {
    this.connection = connection;
    const stream = connection.stream;
    const listeners = stream.listeners('data') as DataListener[];
    if (listeners.length !== 1) throw new Error(`expected node-postgres's one data listener on the socket, found ${listeners.length}`);
    this.parserListener = listeners[0]!;
    stream.removeListener('data', this.parserListener);
    stream.on('data', this.onData);
    connection.query(this.text);
  }

  private read(chunk: Buffer): void {
    let at = 0;
    if (this.headerBytes > 0) {
      const take = Math.min(MESSAGE_HEADER_BYTES - this.headerBytes, chunk.length);
      chunk.copy(this.header, this.headerBytes, 0, take);
      this.headerBytes += take;
      at = take;
      if (this.headerBytes < MESSAGE_HEADER_BYTES) return;
      this.headerBytes = 0;
      if (!this.startMessage(this.header[0]!, this.header.readInt32BE(1) - 4)) {
        this.detach(Buffer.concat([this.header, chunk.subarray(at)]));
        return;
      }
    }
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (;;) {
      if (this.remaining > 0) {
        const end = Math.min(chunk.length, at + this.remaining);
        if (this.code === COPY_DATA) this.deliver(chunk, view, at, end);
        this.remaining -= end - at;
        at = end;
        if (this.remaining > 0) return;
      }
      if (this.code === COPY_DONE) {
        this.detach(chunk.subarray(at));
        return;
      }
      if (at === chunk.length) return;
      if (chunk.length - at < MESSAGE_HEADER_BYTES) {
        chunk.copy(this.header, 0, at);
        this.headerBytes = chunk.length - at;
        return;
      }
      if (!this.startMessage(chunk[at]!, view.getInt32(at + 1) - 4)) {
        this.detach(chunk.subarray(at));
        return;
      }
      at += MESSAGE_HEADER_BYTES;
    }
  }

  /** Starts reading a message of `length` content bytes; false when it is one for node-postgres to read. */
  private startMessage(code: number, length: number): boolean {
    if (code !== COPY_DATA && code !== COPY_DONE && code !== COPY_OUT_RESPONSE && !INTERLEAVED.has(code)) return false;
    this.code = code;
    this.remaining = length;
    return true;
  }

  private deliver(chunk: Buffer, view: DataView, start: number, end: number): void {
    if (this.sinkError || start === end) return;
    try {
      this.sink.pushRange(chunk, view, start, end);
    } catch (err) {
      this.sinkError = err instanceof Error ? err : new Error(String(err));
    }
  }

  /** Gives the socket back to node-postgres's parser, with the bytes from the first message it must read. */
  private detach(rest: Buffer): void {
    const stream = this.connection!.stream;
    stream.removeListener('data', this.onData);
    stream.on('data', this.parserListener!);
    if (rest.length > 0) this.parserListener!(rest);
  }

  // node-postgres's calls once the parser has the stream back.
  handleCommandComplete(): void {}

  /** An ErrorResponse (ReadyForQuery follows) or a failed connection (nothing follows): either way the COPY failed. */
  handleError(error: Error): void {
    const stream = this.connection?.stream;
    if (stream?.listeners('data').includes(this.onData)) {
      stream.removeListener('data', this.onData);
      stream.on('data', this.parserListener!);
    }
    this.reject(error);
  }

  handleReadyForQuery(): void {
    if (this.sinkError) this.reject(this.sinkError);
    else this.resolve();
  }
}
