/**
 * Ascending sort of float64 values, the step every numeric drift test starts from. The built-in
 * Float64Array.prototype.sort is a comparison sort (≈100 ms per million continuous values in V8 on the
 * project's machines); this is a least-significant-digit radix sort on the IEEE-754 bit patterns
 * (≈35 ms per million, ≈10 ms when the values are small integers and most passes are skipped).
 *
 * The order is the one the built-in sort gives for finite values (−0 before 0, which only matters if a
 * caller keeps −0: the column readers turn it into 0). A double's bit pattern orders like an unsigned
 * integer once the sign bit of a non-negative value is set and every bit of a negative value is flipped
 * (the "sign flip" trick); each pass reads the digit of that key without storing the key, so the values
 * themselves are moved, never rewritten. Values with NaN or ±Infinity, small arrays, and big-endian hosts
 * go to the built-in sort.
 */

/**
 * Below this many values the built-in sort is as fast or faster (measured on Node 20: the crossover lies
 * between 5,000 and 8,000 values, lower for continuous data, higher for data with many ties): a radix
 * sort pays for its histograms and a second buffer whatever the length.
 */
export const RADIX_SORT_MIN_LENGTH = 7000;

/**
 * How the 64 bits of a key are cut into digits, one pass per digit, least significant first. No digit
 * straddles the two 32-bit halves. Wider digits mean fewer passes but larger histograms: 11-bit digits
 * (11 + 11 + 10 bits of each half, six passes) up to WIDE_DIGITS_MIN_LENGTH values, 16-bit digits (four
 * passes) from there on, where the passes cost more than the 4 × 65,536 counters.
 */
interface DigitLayout {
  /** Counters per pass (2^widest digit); pass p's counts start at p · buckets. */
  buckets: number;
  /** Per pass: 0 for the key's low half, 1 for its high half. */
  halves: readonly number[];
  shifts: readonly number[];
  masks: readonly number[];
  histograms: (words: Int32Array, length: number, counts: Int32Array) => number;
}

const NARROW_DIGITS: DigitLayout = {
  buckets: 2048,
  halves: [0, 0, 0, 1, 1, 1],
  shifts: [0, 11, 22, 0, 11, 22],
  masks: [0x7ff, 0x7ff, 0x3ff, 0x7ff, 0x7ff, 0x3ff],
  histograms: narrowHistograms,
};

const WIDE_DIGITS: DigitLayout = {
  buckets: 65536,
  halves: [0, 0, 1, 1],
  shifts: [0, 16, 0, 16],
  masks: [0xffff, 0xffff, 0xffff, 0xffff],
  histograms: wideHistograms,
};

/** From this many values on, WIDE_DIGITS (measured on Node 20: ≈20% faster at a million values, slower below 50,000). */
export const WIDE_DIGITS_MIN_LENGTH = 80_000;

/** Which 32-bit half holds the low bits of a double: the sort reads digits through an Int32Array view. */
const LITTLE_ENDIAN = new Int32Array(new Float64Array([1]).buffer)[1] === 0x3ff00000;

/**
 * The radix sort's second buffer, kept between in-place sorts for as long as the collector leaves it: a
 * check sorting one million-value column after another then allocates it once, instead of leaving 8 MB of
 * garbage per column (which V8 collects only once about 64 MB of it has piled up). Each thread has its own.
 */
let keptSpare: WeakRef<Float64Array> | null = null;

function spareOf(length: number): Float64Array {
  let spare = keptSpare?.deref();
  if (!spare || spare.length < length) {
    spare = new Float64Array(length);
    keptSpare = new WeakRef(spare);
  }
  return spare.subarray(0, length);
}

/** Sorts `values` ascending in place and returns it. */
export function sortFloat64InPlace(values: Float64Array): Float64Array {
  const sorted = radixSort(values, false);
  if (sorted !== values) values.set(sorted);
  return values;
}

/** A new array with `values` sorted ascending; `values` is left as it was. */
export function sortedFloat64Copy(values: Float64Array): Float64Array {
  return radixSort(values, true);
}

/**
 * The radix sort. With `keepSource` the first pass that moves values writes into new buffers, so `source`
 * is only read; otherwise `source` is one of the two buffers passes alternate between. Returns the buffer
 * that holds the sorted values.
 */
function radixSort(source: Float64Array, keepSource: boolean): Float64Array {
  const length = source.length;
  if (length < RADIX_SORT_MIN_LENGTH || !LITTLE_ENDIAN) return builtinSort(source, keepSource);
  const layout = length < WIDE_DIGITS_MIN_LENGTH ? NARROW_DIGITS : WIDE_DIGITS;
  const { buckets, halves, shifts, masks } = layout;
  const passes = halves.length;
  const counts = new Int32Array(passes * buckets);
  const signs = layout.histograms(wordsOf(source), length, counts);
  if (signs === NON_FINITE) return builtinSort(source, keepSource);
  // Where every value has the same sign, the flip is the same for all and low-half passes need not read
  // the high half: 0 when all are non-negative, −1 (all bits) when all are negative.
  const sharedFlip = signs === NEGATIVE ? -1 : signs === NON_NEGATIVE ? 0 : null;

  let from = source;
  let fromWords = wordsOf(source);
  let spare: Float64Array | null = keepSource ? null : spareOf(length);
  const offsets = new Int32Array(buckets);
  for (let pass = 0; pass < passes; pass++) {
    const base = pass * buckets;
    const shift = shifts[pass]!;
    const mask = masks[pass]!;
    const high = halves[pass] === 1;
    // The first value's digit: if its bucket holds every value, this pass would not move anything.
    const firstLow = fromWords[0]!;
    const firstHigh = fromWords[1]!;
    const flip = firstHigh >> 31;
    const firstKey = high ? firstHigh ^ (flip | 0x80000000) : firstLow ^ flip;
    if (counts[base + ((firstKey >>> shift) & mask)] === length) continue;

    const to = spare ?? new Float64Array(length);
    let position = 0;
    for (let digit = 0; digit <= mask; digit++) {
      offsets[digit] = position;
      position += counts[base + digit]!;
    }
    if (high) scatterByHigh(from, fromWords, to, offsets, shift, mask);
    else if (sharedFlip === null) scatterByLow(from, fromWords, to, offsets, shift, mask);
    else scatterByLowFlipped(from, fromWords, to, offsets, shift, mask, sharedFlip);
    // Once the source has been read, keepSource passes alternate between the two new buffers.
    spare = from === source && keepSource ? null : from;
    from = to;
    fromWords = wordsOf(to);
  }
  if (from === source && keepSource) return Float64Array.from(source); // every value alike in every digit
  return from;
}

function builtinSort(values: Float64Array, keepSource: boolean): Float64Array {
  return keepSource ? Float64Array.from(values).sort() : values.sort();
}

function wordsOf(values: Float64Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.length * 2);
}

/** What a histogram pass found about the signs, or that a value is NaN or infinite. */
const NON_NEGATIVE = 0;
const NEGATIVE = 1;
const MIXED = 2;
const NON_FINITE = 3;

/**
 * The digit counts of every pass of NARROW_DIGITS in one read of the values (`words` is their Int32Array
 * view, low half first). A value's key is its bit pattern with every bit flipped when it is negative and
 * only the sign bit flipped otherwise. Returns what it saw of the signs (NON_FINITE for NaN or ±Infinity).
 */
function narrowHistograms(words: Int32Array, length: number, counts: Int32Array): number {
  let exponentsPlusOne = 0;
  let anyNegative = 0;
  let allNegative = -1;
  for (let i = 0; i < length; i++) {
    const low = words[2 * i]!;
    const high = words[2 * i + 1]!;
    // Bit 11 of (exponent + 1) is set only for the all-ones exponent of NaN and ±Infinity.
    exponentsPlusOne |= ((high >>> 20) & 0x7ff) + 1;
    const flip = high >> 31; // all ones for a negative value
    anyNegative |= flip;
    allNegative &= flip;
    const lowKey = low ^ flip;
    const highKey = high ^ (flip | 0x80000000);
    counts[lowKey & 0x7ff]!++;
    counts[0x800 + ((lowKey >>> 11) & 0x7ff)]!++;
    counts[0x1000 + (lowKey >>> 22)]!++;
    counts[0x1800 + (highKey & 0x7ff)]!++;
    counts[0x2000 + ((highKey >>> 11) & 0x7ff)]!++;
    counts[0x2800 + (highKey >>> 22)]!++;
  }
  return signsFound(exponentsPlusOne, anyNegative, allNegative);
}

/** narrowHistograms for WIDE_DIGITS. */
function wideHistograms(words: Int32Array, length: number, counts: Int32Array): number {
  let exponentsPlusOne = 0;
  let anyNegative = 0;
  let allNegative = -1;
  for (let i = 0; i < length; i++) {
    const low = words[2 * i]!;
    const high = words[2 * i + 1]!;
    exponentsPlusOne |= ((high >>> 20) & 0x7ff) + 1;
    const flip = high >> 31;
    anyNegative |= flip;
    allNegative &= flip;
    const lowKey = low ^ flip;
    const highKey = high ^ (flip | 0x80000000);
    counts[lowKey & 0xffff]!++;
    counts[0x10000 + (lowKey >>> 16)]!++;
    counts[0x20000 + (highKey & 0xffff)]!++;
    counts[0x30000 + (highKey >>> 16)]!++;
  }
  return signsFound(exponentsPlusOne, anyNegative, allNegative);
}

function signsFound(exponentsPlusOne: number, anyNegative: number, allNegative: number): number {
  if ((exponentsPlusOne & 0x800) !== 0) return NON_FINITE;
  if (allNegative !== 0) return NEGATIVE;
  return anyNegative === 0 ? NON_NEGATIVE : MIXED;
}

/**
 * One stable counting-sort pass on a digit of the key's low half: `offsets` holds where each digit's
 * values start in `to`.
 */
function scatterByLow(
  from: Float64Array,
  fromWords: Int32Array,
  to: Float64Array,
  offsets: Int32Array,
  shift: number,
  mask: number,
): void {
  const length = from.length;
  for (let i = 0; i < length; i++) {
    const flip = fromWords[2 * i + 1]! >> 31;
    const digit = ((fromWords[2 * i]! ^ flip) >>> shift) & mask;
    to[offsets[digit]!++] = from[i]!;
  }
}

/** scatterByLow when every value has the same sign, so the same `flip` (0 or −1). */
function scatterByLowFlipped(
  from: Float64Array,
  fromWords: Int32Array,
  to: Float64Array,
  offsets: Int32Array,
  shift: number,
  mask: number,
  flip: number,
): void {
  const length = from.length;
  for (let i = 0; i < length; i++) {
    const digit = ((fromWords[2 * i]! ^ flip) >>> shift) & mask;
    to[offsets[digit]!++] = from[i]!;
  }
}

/** scatterByLow on a digit of the key's high half. */
function scatterByHigh(
  from: Float64Array,
  fromWords: Int32Array,
  to: Float64Array,
  offsets: Int32Array,
  shift: number,
  mask: number,
): void {
  const length = from.length;
  for (let i = 0; i < length; i++) {
    const high = fromWords[2 * i + 1]!;
    const digit = ((high ^ ((high >> 31) | 0x80000000)) >>> shift) & mask;
    to[offsets[digit]!++] = from[i]!;
  }
}

/**
 * Where `values` stop being finite and sorted ascending: the first position holding NaN, ±Infinity or a
 * value below its predecessor, or −1 when there is none. One pass, for data a sort did not produce (e.g.
 * sorted values read back from storage).
 */
export function firstOutOfOrder(values: Float64Array): number {
  const length = values.length;
  if (length === 0) return -1;
  let previous = values[0]!;
  if (!Number.isFinite(previous)) return 0;
  for (let i = 1; i < length; i++) {
    const value = values[i]!;
    if (!(value >= previous)) return i; // also NaN
    previous = value;
  }
  if (previous !== Infinity) return -1;
  let first = length - 1;
  while (first > 0 && values[first - 1] === Infinity) first--;
  return first;
}
