/**
 * Feature rows read out of PostgreSQL as columns: the output of `COPY (SELECT batch_id, numeric_values
 * [, categorical_values] ...) TO STDOUT (FORMAT binary)` decoded chunk by chunk, as it arrives, into
 * one column per requested feature. Numeric features become Float64Arrays (NaN for a missing value),
 * so a million-row window costs 8 MB per feature instead of a million row objects: reading a 1 M-row
 * window of 10 features as query rows, a column at a time, took 7.7 s and grew the worker by 590 MB.
 * The format is the one feature-rows-copy.ts writes (header, then per tuple an int16 field count and
 * int32-length-prefixed fields; arrays as array_send writes them), read here instead of written. The same
 * format carries a reference's stored values (one bytea field) straight into a Float64Array: Float64FieldDecoder.
 */
import type { FeatureTable, RawColumn } from '../drift/columns';
import type { CopyDataSink } from './copy-out';
import type { FeatureLayout } from './feature-rows-copy';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Signature, int32 flags, int32 header-extension length. */
const HEADER_BYTES = SIGNATURE.length + 8;
const UUID_BYTES = 16;
const FLOAT8_BYTES = 8;
const NULL_FIELD = -1;
const TRAILER = -1;

/** Where one stored layout's values go: per element of numeric_values (then categorical_values), a column index or -1. */
interface LayoutTargets { numeric: Int32Array; categorical: Int32Array; features: number[] }

/**
 * The columns of `features` that one or more COPY streams of feature rows decode into, named by the layouts
 * of the batches the rows belong to (keyed by batch ID). A feature stored only in numeric_values (or in no
 * layout) gets a Float64Array; one that some batch stores in categorical_values gets an array of its values
 * as stored, strings and numbers, with null where a row has none, as readWindowColumn returns them. A
 * feature is present in the table when any row's batch has it, even with null values.
 *
 * Two streams can fill one set of columns, one from the first row forwards and one from the last row
 * backwards, so that two connections read halves of a window at once into the same arrays: the rows are
 * then not in the order either stream sent them, which numeric statistics, sorting first, do not notice.
 */
export class FeatureColumnDecoder {
  readonly targets = new Map<string, LayoutTargets>();
  readonly columns: Array<Float64Array | unknown[]>;
  readonly present: boolean[];
  readonly withCategories: boolean;
  private readonly typed: boolean[];
  private readonly streams: CopyTupleStream[] = [];
  private capacity: number;
  /** Rows filled from the start, and from the end. */
  private front = 0;
  private back = 0;

  constructor(private readonly features: readonly string[], layouts: ReadonlyMap<string, FeatureLayout>, expectedRows: number) {
    const index = new Map(features.map((name, position) => [name, position]));
    if (index.size !== features.length) throw new Error('each feature is read once');
    const categorical = new Set<number>();
    for (const [batchId, layout] of layouts) {
      const numeric = Int32Array.from(layout.numeric, (name) => index.get(name) ?? -1);
      const categories = Int32Array.from(layout.categorical, (name) => index.get(name) ?? -1);
      for (const target of categories) if (target >= 0) categorical.add(target);
      const held = [...numeric, ...categories].filter((target) => target >= 0);
      this.targets.set(batchId.replaceAll('-', '').toLowerCase(), { numeric, categorical: categories, features: held });
    }
    this.withCategories = categorical.size > 0;
    this.typed = features.map((_, position) => !categorical.has(position));
    this.capacity = Math.max(1, expectedRows);
    this.columns = this.typed.map((typed) => (typed ? new Float64Array(this.capacity).fill(NaN) : new Array<unknown>(this.capacity).fill(null)));
    this.present = features.map(() => false);
  }

  /** Whether the query must select categorical_values: some requested feature is stored there. */
  get needsCategories(): boolean {
    return this.withCategories;
  }

  /** A sink for one COPY stream's data: its rows go after the rows before them, or, `fromEnd`, before the rows after them. */
  stream({ fromEnd = false }: { fromEnd?: boolean } = {}): CopyDataSink {
    const stream = new CopyTupleStream(this, fromEnd);
    this.streams.push(stream);
    return stream;
  }

  /** The row a stream's next tuple goes to, growing the columns when the streams have filled them. */
  nextRow(fromEnd: boolean): number {
    if (this.front + this.back === this.capacity) this.grow();
    return fromEnd ? this.capacity - ++this.back : this.front++;
  }

  /** The columns read, as a table of every row the streams sent; an error if a stream stopped before its trailer. */
  finish(): FeatureTable {
    if (this.streams.some((stream) => !stream.ended)) throw new Error('the COPY stream ended before its trailer');
    const rowCount = this.front + this.back;
    const columns: Record<string, RawColumn> = {};
    this.features.forEach((name, position) => {
      if (!this.present[position]) return;
      const column = this.columns[position]!;
      // The rows from the end move down next to the rows from the start, closing the gap fewer rows than expected left.
      if (this.back > 0 && rowCount < this.capacity) column.copyWithin(this.front, this.capacity - this.back);
      columns[name] = column instanceof Float64Array ? column.subarray(0, rowCount) : column.slice(0, rowCount);
    });
    return { rowCount, columns };
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    this.columns.forEach((column, position) => {
      const grown = column instanceof Float64Array ? new Float64Array(capacity).fill(NaN) : new Array<unknown>(capacity).fill(null);
      for (let row = 0; row < this.front; row++) grown[row] = column[row];
      for (let row = 1; row <= this.back; row++) grown[capacity - row] = column[this.capacity - row];
      this.columns[position] = grown;
    });
    this.capacity = capacity;
  }
}

/** The decoding of one COPY stream's tuples into a FeatureColumnDecoder's columns. */
class CopyTupleStream implements CopyDataSink {
  ended = false;
  private pending: Buffer | null = null;
  private headerRead = false;
  /** The last row's batch ID as four 32-bit words, and its targets. */
  private readonly lastBatch = new Uint32Array(4);
  private lastTargets: LayoutTargets | null = null;

  constructor(private readonly table: FeatureColumnDecoder, private readonly fromEnd: boolean) {}

  /** Decodes every complete tuple of the data so far; a tuple cut off at the range's end waits for the next range. */
  pushRange(data: Buffer, view: DataView, start: number, end: number): void {
    if (this.ended) {
      if (end > start) throw new Error('COPY data after the trailer');
      return;
    }
    if (!this.headerRead) {
      const head = this.pending ? Buffer.concat([this.pending, data.subarray(start, end)]) : data.subarray(start, end);
      this.pending = null;
      if (!head.subarray(0, SIGNATURE.length).equals(SIGNATURE.subarray(0, head.length))) throw new Error('not a binary COPY stream: bad signature');
      const extension = head.length >= HEADER_BYTES ? head.readInt32BE(SIGNATURE.length + 4) : 0;
      if (head.length < HEADER_BYTES + extension) {
        this.pending = Buffer.from(head);
        return;
      }
      this.headerRead = true;
      this.consume(head, new DataView(head.buffer, head.byteOffset, head.byteLength), HEADER_BYTES + extension, head.length);
      return;
    }
    let offset = start;
    if (this.pending) {
      offset = this.completePending(data, start, end);
      if (offset < 0) return;
    }
    this.consume(data, view, offset, end);
  }

  /**
   * Finishes the tuple the last range cut off with the head of this one, joining only as many bytes as it
   * needs (copying every chunk onto the rest of the previous one cost a tenth of the decoding). Returns
   * where in `data` the tuples after it start, or -1 when this range did not finish it either.
   */
  private completePending(data: Buffer, start: number, end: number): number {
    const pending = this.pending!;
    const available = end - start;
    for (let take = Math.min(available, 1024); ; take = Math.min(available, take * 2)) {
      const head = Buffer.concat([pending, data.subarray(start, start + take)]);
      const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
      const tuple = tupleEnd(view, 0, head.length);
      if (tuple >= 0) {
        this.pending = null;
        if (tuple === 2) this.ended = true;
        else this.decodeTuple(head, view, 0);
        return start + tuple - pending.length;
      }
      if (take === available) {
        this.pending = head;
        return -1;
      }
    }
  }

  /** Decodes the complete tuples of `data[at, end)` and keeps the cut-off rest as pending. */
  private consume(data: Buffer, view: DataView, at: number, end: number): void {
    // DataView reads compile to plain loads; Buffer's readDoubleBE and friends cost a call each, ten million times a window.
    while (!this.ended) {
      const tuple = tupleEnd(view, at, end);
      if (tuple < 0) break;
      if (tuple === at + 2) this.ended = true;
      else this.decodeTuple(data, view, at);
      at = tuple;
    }
    if (this.ended && at < end) throw new Error('COPY data after the trailer');
    // A copy: the rest of the chunk would otherwise keep the whole chunk alive.
    this.pending = at < end ? Buffer.from(data.subarray(at, end)) : null;
  }

  private decodeTuple(data: Buffer, view: DataView, offset: number): void {
    const withCategories = this.table.withCategories;
    const fields = view.getInt16(offset);
    if (fields !== (withCategories ? 3 : 2)) throw new Error(`a feature row tuple of ${fields} fields`);
    let at = offset + 2;
    if (view.getInt32(at) !== UUID_BYTES) throw new Error('a feature row without a batch ID');
    const targets = this.layoutAt(data, view, at + 4);
    at += 4 + UUID_BYTES;
    const row = this.table.nextRow(this.fromEnd);
    at = this.decodeArray(data, view, at, targets.numeric, row, true);
    if (withCategories) this.decodeArray(data, view, at, targets.categorical, row, false);
  }

  /** The targets of the row's batch; rows of one batch are mostly adjacent, so the last batch is compared first. */
  private layoutAt(data: Buffer, view: DataView, at: number): LayoutTargets {
    const last = this.lastBatch;
    if (this.lastTargets && view.getUint32(at) === last[0] && view.getUint32(at + 4) === last[1]
      && view.getUint32(at + 8) === last[2] && view.getUint32(at + 12) === last[3]) return this.lastTargets;
    const batchId = data.toString('hex', at, at + UUID_BYTES);
    const targets = this.table.targets.get(batchId);
    // Every row's batch exists (migration 015's trigger); a batch deleted since its layout was read deleted its rows too.
    if (!targets) throw new Error(`feature row of ingest batch ${batchId}, which no longer exists`);
    for (const feature of targets.features) this.table.present[feature] = true;
    for (let word = 0; word < 4; word++) last[word] = view.getUint32(at + 4 * word);
    this.lastTargets = targets;
    return targets;
  }

  /** One array field (one dimension, or none when empty) into the row's columns; returns the offset after it. */
  private decodeArray(data: Buffer, view: DataView, at: number, targets: Int32Array, row: number, numeric: boolean): number {
    const length = view.getInt32(at);
    if (length === NULL_FIELD) throw new Error('a feature row with a NULL values array');
    const end = at + 4 + length;
    const dimensions = view.getInt32(at + 4);
    if (dimensions === 0) return end;
    if (dimensions !== 1) throw new Error(`a feature values array of ${dimensions} dimensions`);
    const elements = view.getInt32(at + 16);
    if (elements !== targets.length) throw new Error(`a feature row holds ${elements} values where its batch's layout names ${targets.length}`);
    const columns = this.table.columns;
    let position = at + 24;
    for (let element = 0; element < elements; element++) {
      const size = view.getInt32(position);
      position += 4;
      const target = targets[element]!;
      if (size === NULL_FIELD) continue;
      if (target >= 0) {
        const column = columns[target]!;
        if (!numeric) column[row] = data.toString('utf8', position, position + size);
        else if (size === FLOAT8_BYTES) column[row] = view.getFloat64(position);
        else throw new Error(`a numeric feature value of ${size} bytes`);
      }
      position += size;
    }
    return end;
  }
}

/** Where the tuple at `offset` ends (after the trailer, for the trailer), or -1 when the data stops inside it, at `limit`. */
function tupleEnd(view: DataView, offset: number, limit: number): number {
  if (offset + 2 > limit) return -1;
  const fields = view.getInt16(offset);
  let at = offset + 2;
  if (fields === TRAILER) return at;
  for (let field = 0; field < fields; field++) {
    if (at + 4 > limit) return -1;
    at += 4 + Math.max(0, view.getInt32(at));
  }
  return at <= limit ? at : -1;
}

/**
 * Decodes the binary COPY of a query returning at most one row of one bytea field, float64 values in the host's
 * byte order (as reference_values stores them), straight into a Float64Array as the stream arrives: a million
 * values cost their 8 MB, not also a base64 or hex string of 11–16 MB and the protocol message it came in.
 */
export class Float64FieldDecoder implements CopyDataSink {
  /** Bytes not yet decoded: the header and the field's length, then the trailer. */
  private pending: Buffer = Buffer.alloc(0);
  private stage: 'head' | 'value' | 'trailer' | 'ended' = 'head';
  private values: Float64Array | null = null;
  private bytes: Uint8Array = new Uint8Array(0);
  private filled = 0;

  pushRange(data: Buffer, _view: DataView, start: number, end: number): void {
    let rest = data.subarray(start, end);
    if (this.stage === 'head') {
      this.pending = Buffer.concat([this.pending, rest]);
      const at = this.valueStart();
      if (at < 0) return;
      rest = this.pending.subarray(at);
      this.pending = Buffer.alloc(0);
    }
    if (this.stage === 'value') {
      const take = Math.min(rest.length, this.bytes.length - this.filled);
      this.bytes.set(rest.subarray(0, take), this.filled);
      this.filled += take;
      rest = rest.subarray(take);
      if (this.filled === this.bytes.length) this.stage = 'trailer';
    }
    if (this.stage === 'trailer' && rest.length > 0) {
      this.pending = Buffer.concat([this.pending, rest]);
      if (this.pending.length < 2) return;
      if (this.pending.readInt16BE(0) !== TRAILER) throw new Error('a COPY of one value returned more than one row');
      this.stage = 'ended';
      rest = this.pending.subarray(2);
    }
    if (this.stage === 'ended' && rest.length > 0) throw new Error('COPY data after the trailer');
  }

  /** The values; null when the query returned no row or a NULL. An error if the stream stopped before its trailer. */
  finish(): Float64Array | null {
    if (this.stage !== 'ended') throw new Error('the COPY stream ended before its trailer');
    return this.values;
  }

  /** Reads the header and the tuple's start from `pending`: where the value's bytes begin, or -1 until they are all there. */
  private valueStart(): number {
    const data = this.pending;
    if (!data.subarray(0, SIGNATURE.length).equals(SIGNATURE.subarray(0, data.length))) throw new Error('not a binary COPY stream: bad signature');
    if (data.length < HEADER_BYTES) return -1;
    const at = HEADER_BYTES + data.readInt32BE(SIGNATURE.length + 4);
    if (data.length < at + 2) return -1;
    const fields = data.readInt16BE(at);
    if (fields === TRAILER) {
      this.stage = 'ended';
      return at + 2;
    }
    if (fields !== 1) throw new Error(`a COPY of one value returned a tuple of ${fields} fields`);
    if (data.length < at + 6) return -1;
    const length = data.readInt32BE(at + 2);
    if (length === NULL_FIELD) {
      this.stage = 'trailer';
    } else {
      if (length % FLOAT8_BYTES !== 0) throw new Error(`${length} bytes are not a whole number of float64 values`);
      this.values = new Float64Array(length / FLOAT8_BYTES);
      this.bytes = new Uint8Array(this.values.buffer);
      this.stage = length === 0 ? 'trailer' : 'value';
    }
    return at + 6;
  }
}
