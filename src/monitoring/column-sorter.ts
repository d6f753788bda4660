/**
 * A drift check's numeric columns read and sorted on two cores: the activity's thread and one worker thread.
 * Sorting a million-value window column is most of a feature's comparison (≈45 ms of ≈75), and after the
 * window's COPY nothing else runs on the second core. A column's buffer is transferred to the worker and
 * back, never copied. (Shared memory would spare the transfers, but a SharedArrayBuffer lives until both
 * threads have collected it, and the worker, which allocates almost nothing, collects rarely: each check
 * left its 80 MB of columns behind.)
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { readNumericColumn, type ReadColumn, type SortedColumn } from '../drift/columns';
import { sortFloat64InPlace } from '../drift/sort';

/** Below this many rows a column is sorted where it is: handing it to the worker would cost more than it saves. */
export const WORKER_SORT_MIN_ROWS = 100_000;

/** A column's finite values, sorted ascending in place (a view of its own buffer), with its null and invalid counts. */
export function readAndSort(raw: Float64Array): SortedColumn {
  const column: ReadColumn<Float64Array> = readNumericColumn(raw, true);
  sortFloat64InPlace(column.values);
  return { ...column, rows: raw.length };
}

/** A column sent to the worker: its buffer (transferred) and where in it the column lies. */
export interface SortRequest { id: number; buffer: ArrayBuffer; byteOffset: number; length: number }

/** What the worker answers for one column: the buffer back, with the sorted values at its start, and the counts; or why it failed. */
export type SortReply =
  | { id: number; buffer: ArrayBuffer; byteOffset: number; length: number; nullCount: number; invalidCount: number; invalidExample?: string }
  | { id: number; error: string };

interface SortWorker {
  worker: Worker;
  waiting: Map<number, (reply: SortReply) => void>;
  nextId: number;
  /** Whether the worker loaded its module: nothing is sent to it before, so a worker that cannot start loses no column. */
  ready: Promise<boolean>;
}

let running: SortWorker | null = null;
/** Set when a worker could not start (e.g. its loader is missing): the process then sorts on one thread, as before. */
let cannotStart: string | null = null;

/**
 * The process's sort worker, started on first use and kept (an idle one does not keep the process alive);
 * null where none can start.
 */
function sortWorker(): SortWorker | null {
  if (running || cannotStart) return running;
  // This module's own extension: .ts where tsx runs the sources (the worker, the CLI, the tests), .js once compiled.
  const extension = path.extname(__filename);
  const entry = path.join(__dirname, `column-sorter-worker${extension}`);
  const loader = extension === '.ts' ? "require('tsx/cjs'); " : '';
  const worker = new Worker(`${loader}require(${JSON.stringify(entry)});`, { eval: true });
  worker.unref();
  let markReady: (ready: boolean) => void = () => undefined;
  const started: SortWorker = { worker, waiting: new Map(), nextId: 0, ready: new Promise((resolve) => (markReady = resolve)) };
  let isReady = false;
  const fail = (error: string) => {
    if (running === started) running = null;
    if (!isReady) {
      cannotStart = error;
      console.warn(`[driftwatch] drift checks sort on one thread: ${error}`);
      markReady(false);
    }
    for (const [id, answer] of started.waiting) answer({ id, error });
    started.waiting.clear();
  };
  worker.on('message', (reply: SortReply | 'ready') => {
    if (reply === 'ready') {
      isReady = true;
      markReady(true);
      return;
    }
    const answer = started.waiting.get(reply.id);
    started.waiting.delete(reply.id);
    // Referenced only while a column is out, so that an idle worker never keeps the process alive.
    if (started.waiting.size === 0) worker.unref();
    answer?.(reply);
  });
  worker.on('error', (error) => fail(`the sort worker failed: ${error.message}`));
  worker.on('exit', (code) => fail(`the sort worker exited (code ${code})`));
  running = started;
  return started;
}

/** Starts the sort worker ahead of a large read, so that its start-up overlaps the read; says whether it is ready. */
export function warmSortWorker(): Promise<boolean> {
  return sortWorker()?.ready ?? Promise.resolve(false);
}

/** Sorts `raw` on a worker that is ready. Its buffer goes with it: `raw` is empty (detached) from here on. */
function sortInWorker(sorter: SortWorker, raw: Float64Array): Promise<SortedColumn> {
  const id = sorter.nextId++;
  const rows = raw.length;
  return new Promise((resolve, reject) => {
    sorter.waiting.set(id, (reply) => {
      if ('error' in reply) {
        reject(new Error(reply.error));
        return;
      }
      const { buffer, byteOffset, length, nullCount, invalidCount, invalidExample } = reply;
      resolve({ values: new Float64Array(buffer, byteOffset, length), nullCount, invalidCount, rows,
        ...(invalidExample === undefined ? {} : { invalidExample }) });
    });
    sorter.worker.ref();
    const request: SortRequest = { id, buffer: raw.buffer as ArrayBuffer, byteOffset: raw.byteOffset, length: rows };
    sorter.worker.postMessage(request, [raw.buffer as ArrayBuffer]);
  });
}

/**
 * Read-and-sort work over a list of columns the caller gives up, with their buffers, shared between the caller's thread and
 * the worker: the caller asks for the columns in list order and sorts each the worker has not taken; the
 * worker takes columns from the back of the list, one at a time, until the two meet, so whichever side is
 * faster does more. A column the worker takes is detached here until it comes back sorted. Small columns,
 * and columns whose buffer holds anything else, are always sorted by the caller.
 */
export class ColumnSortPlan {
  private readonly results: Array<Promise<SortedColumn> | null>;
  /** Columns before `front` were taken by the caller; from `back` on by the worker. */
  private front = 0;
  private back: number;

  constructor(private readonly columns: ReadonlyArray<Float64Array | null>) {
    this.results = columns.map(() => null);
    this.back = columns.length;
    const sorter = columns.some((column) => this.offloadable(column)) ? sortWorker() : null;
    // A worker still starting joins in when it is ready; until then, and without one, the caller sorts them all.
    void sorter?.ready.then((ready) => ready && this.feedWorker(sorter));
  }

  /** Column `index` read and sorted (null for no column); columns are asked for in order, each once. */
  sorted(index: number): Promise<SortedColumn> | null {
    const raw = this.columns[index];
    if (!raw) return null;
    if (index >= this.back) return this.results[index]!;
    this.front = index + 1;
    return Promise.resolve(readAndSort(raw));
  }

  private feedWorker(sorter: SortWorker): void {
    let next = this.back - 1;
    while (next >= this.front && !this.offloadable(this.columns[next])) next--;
    if (next < this.front) return;
    this.back = next;
    const result = sortInWorker(sorter, this.columns[next]!);
    this.results[next] = result;
    // Awaited by whoever asks for this column; until then a failure must not count as unhandled.
    result.catch(() => undefined);
    result.then(() => this.feedWorker(sorter), () => undefined);
  }

  private offloadable(column: Float64Array | null | undefined): column is Float64Array {
    return column != null && column.length >= WORKER_SORT_MIN_ROWS && column.buffer instanceof ArrayBuffer;
  }
}
