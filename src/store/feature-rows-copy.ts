/**
 * Feature rows in PostgreSQL's binary COPY format. Binary, because the server then copies doubles
 * instead of parsing their text: on a million rows of 7 numeric features the text format of the
 * same table took PostgreSQL 3.9 s, the binary one 2.5 s (bench/ingest.ts measures the whole path).
 * Format: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4 (header, one tuple
 * per row of int16 field count then int32 length + bytes per field, -1 for NULL, int16 -1 trailer);
 * arrays as array_send writes them (ndim, has-null flag, element type OID, per dimension its length
 * and lower bound, then the elements as fields).
 */
import type { FeatureRow } from '../ingest/validate-rows';

/** The columns a tuple fills, in order. */
export const FEATURE_ROW_COPY_COLUMNS = ['model_name', 'event_time', 'numeric_values', 'categorical_values', 'label', 'batch_id'] as const;

/** Which features a batch's rows hold in numeric_values and categorical_values, in order (migration 015). */
export interface FeatureLayout { numeric: readonly string[]; categorical: readonly string[] }

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const FLOAT8_OID = 701;
const TEXT_OID = 25;
/** 2000-01-01T00:00:00Z, PostgreSQL's timestamp epoch, in Unix milliseconds. */
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
const NULL_FIELD = -1;
const INITIAL_CHUNK_BYTES = 1 << 20;

/** The header every COPY … (FORMAT binary) stream starts with: signature, flags, header extension length. */
export function copyHeader(): Buffer {
  const header = Buffer.alloc(SIGNATURE.length + 8);
  SIGNATURE.copy(header);
  return header;
}

/** The trailer that ends the tuples: a field count of -1. */
export function copyTrailer(): Buffer {
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1);
  return trailer;
}

/** Encodes rows of one model and ingest batch into tuples, reusing one growing buffer between calls. */
export class FeatureRowEncoder {
  private buffer = Buffer.allocUnsafe(INITIAL_CHUNK_BYTES);
  private offset = 0;
  private readonly modelName: Buffer;
  private readonly batchId: Buffer;

  constructor(modelName: string, batchId: string, private readonly layout: FeatureLayout) {
    this.modelName = Buffer.from(modelName, 'utf8');
    this.batchId = Buffer.from(batchId.replaceAll('-', ''), 'hex');
    if (this.batchId.length !== 16) throw new Error(`batch id ${batchId} is not a UUID`);
  }

  add(row: FeatureRow): void {
    const { numeric, categorical } = this.layout;
    // Worst case before the categories, whose UTF-8 length is checked as each is written.
    this.reserve(2 + 4 + this.modelName.length + 12 + 4 + 20 + 12 * numeric.length + 4 + 20 + 12 + 20);
    this.int16(FEATURE_ROW_COPY_COLUMNS.length);
    this.bytes(this.modelName);
    this.int32(8);
    this.timestamp(row.eventTime);
    let missingNumbers = 0;
    for (const name of numeric) if (row.features[name] === null) missingNumbers += 1;
    this.arrayHeader(numeric.length, FLOAT8_OID, missingNumbers > 0, 8 * (numeric.length - missingNumbers));
    for (const name of numeric) this.nullableDouble(row.features[name] as number | null);
    const categories = categorical.map((name) => row.features[name] as string | null);
    const categoryBytes = categories.reduce((sum, category) => sum + 4 + (category === null ? 0 : Buffer.byteLength(category, 'utf8')), 0);
    this.reserve(20 + categoryBytes + 12 + 20);
    this.arrayHeader(categories.length, TEXT_OID, categories.includes(null), categoryBytes - 4 * categories.length);
    for (const category of categories) {
      if (category === null) this.int32(NULL_FIELD);
      else this.offset += writeLengthAndText(this.buffer, this.offset, category);
    }
    this.nullableDouble(row.label);
    this.bytes(this.batchId);
  }

  /** The tuples added since the last call; the encoder's buffer is reused afterwards. */
  take(): Buffer {
    const tuples = Buffer.from(this.buffer.subarray(0, this.offset));
    this.offset = 0;
    return tuples;
  }

  private reserve(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  private int16(value: number): void {
    this.offset = this.buffer.writeInt16BE(value, this.offset);
  }

  private int32(value: number): void {
    this.offset = this.buffer.writeInt32BE(value, this.offset);
  }

  private bytes(value: Buffer): void {
    this.int32(value.length);
    this.offset += value.copy(this.buffer, this.offset);
  }

  private nullableDouble(value: number | null): void {
    if (value === null) {
      this.int32(NULL_FIELD);
      return;
    }
    this.int32(8);
    this.offset = this.buffer.writeDoubleBE(value, this.offset);
  }

  /**
   * Microseconds since 2000 as an int64. The validator keeps milliseconds, and years 1 to 9999 lie
   * within ±2^53 ms but not µs, so the product is split into its high and low 32 bits exactly.
   */
  private timestamp(isoTime: string): void {
    const ms = Date.parse(isoTime) - POSTGRES_EPOCH_MS;
    const msHigh = Math.floor(ms / 2 ** 32);
    const msLow = ms - msHigh * 2 ** 32;
    // (msHigh·2^32 + msLow)·1000: msLow·1000 < 2^42 is exact; carry its high part into the upper word.
    const lowProduct = msLow * 1000;
    const carry = Math.floor(lowProduct / 2 ** 32);
    this.int32(msHigh * 1000 + carry);
    this.offset = this.buffer.writeUInt32BE(lowProduct - carry * 2 ** 32, this.offset);
  }

  private arrayHeader(length: number, elementOid: number, hasNull: boolean, elementBytes: number): void {
    if (length === 0) {
      this.int32(12);
      this.int32(0);
      this.int32(0);
      this.int32(elementOid);
      return;
    }
    this.int32(20 + 4 * length + elementBytes);
    this.int32(1);
    this.int32(hasNull ? 1 : 0);
    this.int32(elementOid);
    this.int32(length);
    this.int32(1);
  }
}

function writeLengthAndText(buffer: Buffer, offset: number, text: string): number {
  const written = buffer.write(text, offset + 4, 'utf8');
  buffer.writeInt32BE(written, offset);
  return 4 + written;
}
