/**
 * The binary COPY decoder of feature rows: values land in the columns their batch's layout names,
 * whatever the chunking of the stream, and malformed streams fail loudly instead of reading garbage.
 */
import { describe, expect, it } from 'vitest';
import type { CopyDataSink } from '../../../src/store/copy-out';
import { copyHeader, copyTrailer, type FeatureLayout } from '../../../src/store/feature-rows-copy';
import { FeatureColumnDecoder, Float64FieldDecoder } from '../../../src/store/feature-rows-copy-reader';

const BATCH_A = '0b5e1b0e-0000-4000-8000-00000000000a';
const BATCH_B = '0b5e1b0e-0000-4000-8000-00000000000b';
const FLOAT8_OID = 701;
const TEXT_OID = 25;

/** One field as COPY writes it: int32 length (-1 for NULL), then the bytes. */
function field(bytes: Buffer | null): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(bytes === null ? -1 : bytes.length);
  return bytes === null ? length : Buffer.concat([length, bytes]);
}

/** An array as array_send writes it: one dimension (none when empty), elements as fields. */
function array(elementOid: number, elements: Array<Buffer | null>): Buffer {
  const header = Buffer.alloc(elements.length === 0 ? 12 : 20);
  header.writeInt32BE(elements.length === 0 ? 0 : 1, 0);
  header.writeInt32BE(elements.includes(null) ? 1 : 0, 4);
  header.writeInt32BE(elementOid, 8);
  if (elements.length > 0) {
    header.writeInt32BE(elements.length, 12);
    header.writeInt32BE(1, 16);
  }
  return Buffer.concat([header, ...elements.map(field)]);
}

function double(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleBE(value);
  return bytes;
}

/** A tuple of (batch_id, numeric_values[, categorical_values]). */
function tuple(batchId: string, numbers: Array<number | null>, categories?: Array<string | null>): Buffer {
  const count = Buffer.alloc(2);
  count.writeInt16BE(categories === undefined ? 2 : 3);
  return Buffer.concat([
    count,
    field(Buffer.from(batchId.replaceAll('-', ''), 'hex')),
    field(array(FLOAT8_OID, numbers.map((n) => (n === null ? null : double(n))))),
    ...(categories === undefined ? [] : [field(array(TEXT_OID, categories.map((c) => (c === null ? null : Buffer.from(c, 'utf8')))))]),
  ]);
}

function stream(...tuples: Buffer[]): Buffer {
  return Buffer.concat([copyHeader(), ...tuples, copyTrailer()]);
}

/**
 * Hands `data` to `sink` in pieces of `chunkBytes`, each as a range in the middle of a larger buffer (as a
 * CopyData message lies in the socket chunk that brought it), with bytes around it that must not be read.
 */
function pushInPieces(sink: CopyDataSink, data: Buffer, chunkBytes: number): void {
  for (let offset = 0; offset < data.length; offset += chunkBytes) {
    const piece = data.subarray(offset, offset + chunkBytes);
    const chunk = Buffer.concat([Buffer.alloc(5, 0xff), piece, Buffer.alloc(3, 0xff)]);
    sink.pushRange(chunk, new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength), 5, 5 + piece.length);
  }
}

function decode(features: string[], layouts: Record<string, FeatureLayout>, data: Buffer, chunkBytes = data.length, expectedRows = 4) {
  const decoder = new FeatureColumnDecoder(features, new Map(Object.entries(layouts)), expectedRows);
  pushInPieces(decoder.stream(), data, chunkBytes);
  return decoder.finish();
}

describe('FeatureColumnDecoder', () => {
  // A config change between the batches: y moved to the front, z was added as a category, w is in neither.
  const layouts = {
    [BATCH_A]: { numeric: ['x', 'y'], categorical: ['colour'] },
    [BATCH_B]: { numeric: ['y', 'x'], categorical: ['colour', 'z'] },
  };
  const data = stream(
    tuple(BATCH_A, [1.5, -0], ['red']),
    tuple(BATCH_A, [null, 2], [null]),
    tuple(BATCH_B, [7, -2.25e-300], ['blue 😀', 'a']),
    tuple(BATCH_B, [null, 1.7976931348623157e308], ['green', null]),
    tuple(BATCH_A, [3, 4], ['red']),
  );

  it('puts each value in its feature\'s column by the layout of its batch, NaN or null where a row has none', () => {
    const table = decode(['x', 'y', 'colour', 'z', 'w'], layouts, data);
    expect(table.rowCount).toBe(5);
    expect(table.columns.x).toBeInstanceOf(Float64Array);
    expect(Array.from(table.columns.x as Float64Array)).toEqual([1.5, NaN, -2.25e-300, 1.7976931348623157e308, 3]);
    expect(Array.from(table.columns.y as Float64Array)).toEqual([-0, 2, 7, NaN, 4]);
    expect(table.columns.colour).toEqual(['red', null, 'blue 😀', 'green', 'red']);
    // z exists only in batch B: rows of batch A have none. w is in no batch: not in the table at all.
    expect(table.columns.z).toEqual([null, null, 'a', null, null]);
    expect(Object.keys(table.columns)).toEqual(['x', 'y', 'colour', 'z']);
  });

  it('reads a feature stored as a number in one batch and as text in another as readWindowColumn does: numbers and strings', () => {
    const changed = { [BATCH_A]: { numeric: ['v'], categorical: [] }, [BATCH_B]: { numeric: [], categorical: ['v'] } };
    const table = decode(['v'], changed, stream(tuple(BATCH_A, [2.5], []), tuple(BATCH_B, [], ['2.5']), tuple(BATCH_B, [], [null])));
    expect(table.columns.v).toEqual([2.5, '2.5', null]);
  });

  it('decodes the same table whatever the chunks the stream arrives in, and grows past the rows it expected', () => {
    const whole = decode(['x', 'y', 'colour', 'z'], layouts, data);
    for (const chunkBytes of [1, 2, 3, 7, 19, 20, 64, 101]) {
      expect(decode(['x', 'y', 'colour', 'z'], layouts, data, chunkBytes, 1)).toEqual(whole);
    }
  });

  it('fills one set of columns from two streams at once, one from each end, with as many rows as expected, fewer or more', () => {
    const numeric = { [BATCH_A]: { numeric: ['x', 'y'], categorical: [] } };
    const first = [tuple(BATCH_A, [1, 10]), tuple(BATCH_A, [2, null]), tuple(BATCH_A, [3, 30])];
    const second = [tuple(BATCH_A, [4, 40]), tuple(BATCH_A, [5, 50])];
    for (const expectedRows of [5, 8, 1, 3]) {
      const decoder = new FeatureColumnDecoder(['x', 'y'], new Map(Object.entries(numeric)), expectedRows);
      const forwards = decoder.stream();
      const backwards = decoder.stream({ fromEnd: true });
      // Interleaved, as two connections' data arrives.
      pushInPieces(forwards, Buffer.concat([copyHeader(), first[0]!]), 7);
      pushInPieces(backwards, Buffer.concat([copyHeader(), ...second]), 11);
      pushInPieces(forwards, Buffer.concat([...first.slice(1), copyTrailer()]), 5);
      expect(() => decoder.finish()).toThrow('ended before its trailer');
      pushInPieces(backwards, copyTrailer(), 2);
      const table = decoder.finish();
      // The first stream's rows in order, then the second's from last to first.
      expect(table.rowCount).toBe(5);
      expect(Array.from(table.columns.x as Float64Array)).toEqual([1, 2, 3, 5, 4]);
      expect(Array.from(table.columns.y as Float64Array)).toEqual([10, NaN, 30, 50, 40]);
    }
  });

  it('reads only the features asked for, in a table of Float64Arrays when none is stored as text', () => {
    const numericOnly = stream(tuple(BATCH_A, [1, 2]), tuple(BATCH_A, [3, null]));
    const table = decode(['y'], { [BATCH_A]: { numeric: ['x', 'y'], categorical: [] } }, numericOnly);
    expect(table).toEqual({ rowCount: 2, columns: { y: Float64Array.from([2, NaN]) } });
  });

  it('says whether the query must select categorical_values', () => {
    expect(new FeatureColumnDecoder(['x', 'y'], new Map(Object.entries(layouts)), 1).needsCategories).toBe(false);
    expect(new FeatureColumnDecoder(['x', 'z'], new Map(Object.entries(layouts)), 1).needsCategories).toBe(true);
  });

  it('fails on a stream cut short, a row of an unknown batch, a row that does not fit its layout, or a bad signature', () => {
    const cut = data.subarray(0, data.length - 2);
    expect(() => decode(['x', 'colour'], layouts, cut)).toThrow('the COPY stream ended before its trailer');
    expect(() => decode(['x', 'colour'], { [BATCH_A]: layouts[BATCH_A]! }, stream(tuple(BATCH_B, [1, 2], ['c', 'd']))))
      .toThrow(`feature row of ingest batch ${BATCH_B.replaceAll('-', '')}, which no longer exists`);
    expect(() => decode(['x', 'colour'], layouts, stream(tuple(BATCH_A, [1, 2, 3], ['c']))))
      .toThrow("a feature row holds 3 values where its batch's layout names 2");
    expect(() => decode(['x', 'colour'], layouts, Buffer.concat([Buffer.from('PGCOPY\nXXXXXXXXXXXX'), copyTrailer()])))
      .toThrow('not a binary COPY stream');
    expect(() => decode(['x', 'colour'], layouts, Buffer.concat([data, tuple(BATCH_A, [1, 2], ['c'])]))).toThrow('COPY data after the trailer');
  });
});

describe('Float64FieldDecoder', () => {
  const values = new Float64Array([-3.5, 0, 1e-300, 2.25, 1.7976931348623157e308]);
  const bytes = Buffer.from(values.buffer);

  function decodeValue(data: Buffer, chunkBytes = data.length): Float64Array | null {
    const decoder = new Float64FieldDecoder();
    pushInPieces(decoder, data, chunkBytes);
    return decoder.finish();
  }

  function oneField(value: Buffer | null): Buffer {
    const count = Buffer.alloc(2);
    count.writeInt16BE(1);
    return Buffer.concat([count, field(value)]);
  }

  it('reads the stored bytes as the values, whatever the chunks the stream arrives in', () => {
    const data = stream(oneField(bytes));
    for (const chunkBytes of [1, 3, 7, 8, 21, 25, data.length]) expect(decodeValue(data, chunkBytes)).toEqual(values);
  });

  it('gives null for no row or a NULL, and an empty array for empty bytes', () => {
    expect(decodeValue(stream())).toBeNull();
    expect(decodeValue(stream(oneField(null)), 5)).toBeNull();
    expect(decodeValue(stream(oneField(Buffer.alloc(0))))).toEqual(new Float64Array(0));
  });

  it('fails on a stream cut short, bytes that are not whole doubles, a second row, two fields or a bad signature', () => {
    const data = stream(oneField(bytes));
    expect(() => decodeValue(data.subarray(0, data.length - 2))).toThrow('ended before its trailer');
    expect(() => decodeValue(data.subarray(0, data.length - 10))).toThrow('ended before its trailer');
    expect(() => decodeValue(stream(oneField(bytes.subarray(0, 12))))).toThrow('not a whole number of float64 values');
    expect(() => decodeValue(stream(oneField(bytes), oneField(bytes)))).toThrow('more than one row');
    expect(() => decodeValue(stream(tuple(BATCH_A, [1])))).toThrow('tuple of 2 fields');
    expect(() => decodeValue(Buffer.concat([Buffer.from('PGCOPY\nXXXXXXXXXXXX'), copyTrailer()]))).toThrow('not a binary COPY stream');
    expect(() => decodeValue(Buffer.concat([data, oneField(bytes)]))).toThrow('COPY data after the trailer');
  });
});
