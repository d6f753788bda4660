import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  firstOutOfOrder,
  RADIX_SORT_MIN_LENGTH,
  sortedFloat64Copy,
  sortFloat64InPlace,
  WIDE_DIGITS_MIN_LENGTH,
} from '../../../src/drift/sort';
import { mulberry32, normalSampler } from './seeded-random';

/** Index of the first element whose bits differ (so −0 and 0 differ), or −1. */
function firstBitDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const wordsA = new Int32Array(a.buffer, a.byteOffset, a.length * 2);
  const wordsB = new Int32Array(b.buffer, b.byteOffset, b.length * 2);
  for (let i = 0; i < wordsA.length; i++) if (wordsA[i] !== wordsB[i]) return i >> 1;
  return -1;
}

/** Every sort entry point gives the built-in sort's result, bit for bit; the copy leaves its input alone. */
function expectSortsLikeBuiltin(values: Float64Array): void {
  const input = Float64Array.from(values);
  const expected = Float64Array.from(values).sort();

  const copy = sortedFloat64Copy(values);
  expect(copy !== values).toBe(true); // (not.toBe would deep-compare large arrays for its message)
  expect(firstBitDifference(copy, expected)).toBe(-1);
  expect(firstBitDifference(values, input)).toBe(-1);

  const inPlace = Float64Array.from(values);
  expect(sortFloat64InPlace(inPlace) === inPlace).toBe(true);
  expect(firstBitDifference(inPlace, expected)).toBe(-1);

  // A second in-place sort, of half as many values, reuses the spare buffer the first one kept: still
  // exact, and the first one's result is not touched.
  const half = values.subarray(0, values.length >> 1);
  const shorter = Float64Array.from(half);
  sortFloat64InPlace(shorter);
  expect(firstBitDifference(shorter, Float64Array.from(half).sort())).toBe(-1);
  expect(firstBitDifference(inPlace, expected)).toBe(-1);
}

function generate(length: number, next: (i: number) => number): Float64Array {
  const values = new Float64Array(length);
  for (let i = 0; i < length; i++) values[i] = next(i);
  return values;
}

/** A finite double with uniformly random bits: every digit of every pass varies. */
function randomBits(random: () => number): () => number {
  const scratch = new Float64Array(1);
  const words = new Uint32Array(scratch.buffer);
  return () => {
    do {
      words[0] = Math.floor(random() * 2 ** 32);
      words[1] = Math.floor(random() * 2 ** 32);
    } while (!Number.isFinite(scratch[0]!));
    return scratch[0]!;
  };
}

const SIZES = [
  0, 1, 2, 3, 17, 1000,
  RADIX_SORT_MIN_LENGTH - 1, RADIX_SORT_MIN_LENGTH, RADIX_SORT_MIN_LENGTH + 1, 30_000,
  WIDE_DIGITS_MIN_LENGTH - 1, WIDE_DIGITS_MIN_LENGTH,
];

describe('float64 radix sort: the built-in order, bit for bit', () => {
  it.each(SIZES)('random bit patterns (all magnitudes and both signs), %i values', (size) => {
    expectSortsLikeBuiltin(generate(size, randomBits(mulberry32(size + 1))));
  });

  it.each(SIZES)('normal values, %i values, also already sorted and reversed', (size) => {
    const values = generate(size, normalSampler(size + 2));
    expectSortsLikeBuiltin(values);
    const sorted = Float64Array.from(values).sort();
    expectSortsLikeBuiltin(sorted);
    expectSortsLikeBuiltin(Float64Array.from(sorted).reverse());
  });

  it.each([RADIX_SORT_MIN_LENGTH, WIDE_DIGITS_MIN_LENGTH])('only positive, only negative, and mixed, %i values', (size) => {
    const random = mulberry32(size + 3);
    expectSortsLikeBuiltin(generate(size, () => Math.exp(20 * random() - 10)));
    expectSortsLikeBuiltin(generate(size, () => -Math.exp(20 * random() - 10)));
    expectSortsLikeBuiltin(generate(size, () => (random() < 0.5 ? -1 : 1) * Math.exp(20 * random() - 10)));
  });

  it.each([5, RADIX_SORT_MIN_LENGTH, WIDE_DIGITS_MIN_LENGTH])('all equal, %i values (every pass skipped)', (size) => {
    expectSortsLikeBuiltin(new Float64Array(size).fill(-2.5));
    expectSortsLikeBuiltin(new Float64Array(size));
  });

  it.each([RADIX_SORT_MIN_LENGTH, WIDE_DIGITS_MIN_LENGTH])('integers and few distinct values (some passes skipped), %i values', (size) => {
    const random = mulberry32(size + 4);
    expectSortsLikeBuiltin(generate(size, () => Math.floor(random() * 16)));
    expectSortsLikeBuiltin(generate(size, () => Math.floor(random() * 2000) - 1000));
    expectSortsLikeBuiltin(generate(size, () => [-1e300, -3, 0, 0.1, 7, 1e300][Math.floor(random() * 6)]!));
  });

  it.each([RADIX_SORT_MIN_LENGTH, WIDE_DIGITS_MIN_LENGTH])('values differing in one digit only (an odd number of passes), %i values', (size) => {
    const random = mulberry32(size + 5);
    // 1 + k·2^−52 differs from 1 only in the lowest bits of the mantissa: a single pass moves anything.
    expectSortsLikeBuiltin(generate(size, () => 1 + Math.floor(random() * 2048) * Number.EPSILON));
    expectSortsLikeBuiltin(generate(size, () => -(1 + Math.floor(random() * 2048) * Number.EPSILON)));
    // ... and in three digits.
    expectSortsLikeBuiltin(generate(size, () => 1 + Math.floor(random() * 2 ** 30) * Number.EPSILON));
  });

  it('subnormals, the extremes of the range, and signed zeros', () => {
    const random = mulberry32(6);
    const specials = [
      Number.MIN_VALUE, -Number.MIN_VALUE, 2 ** -1022, -(2 ** -1022), 2 ** -1022 - Number.MIN_VALUE,
      Number.MAX_VALUE, -Number.MAX_VALUE, 1e308, -1e308, 0, -0, 1, -1,
    ];
    const values = generate(RADIX_SORT_MIN_LENGTH * 2, (i) =>
      i % 3 === 0 ? specials[i % specials.length]! : (random() - 0.5) * (random() < 0.5 ? 1e-310 : 1e308));
    expectSortsLikeBuiltin(values);
    // −0 sorts before 0, as in the built-in sort.
    const zeros = generate(RADIX_SORT_MIN_LENGTH, (i) => (i % 2 === 0 ? 0 : -0));
    const sorted = sortedFloat64Copy(zeros);
    expect(Object.is(sorted[0], -0)).toBe(true);
    expect(Object.is(sorted[sorted.length - 1], 0)).toBe(true);
    expectSortsLikeBuiltin(zeros);
  });

  it('NaN and ±Infinity: the built-in order too (NaN last)', () => {
    const random = mulberry32(7);
    const values = generate(RADIX_SORT_MIN_LENGTH + 10, (i) =>
      i % 97 === 0 ? Number.NaN : i % 89 === 0 ? Infinity : i % 83 === 0 ? -Infinity : random() - 0.5);
    expectSortsLikeBuiltin(values);
    const sorted = sortedFloat64Copy(values);
    expect(Number.isNaN(sorted[sorted.length - 1])).toBe(true);
    expect(sorted[0]).toBe(-Infinity);
  });

  it('sorts a view without touching the rest of its buffer', () => {
    const random = mulberry32(8);
    const buffer = generate(3 * RADIX_SORT_MIN_LENGTH, () => random() - 0.5);
    const before = Float64Array.from(buffer);
    const view = buffer.subarray(RADIX_SORT_MIN_LENGTH, 2 * RADIX_SORT_MIN_LENGTH + 1);
    const expected = Float64Array.from(view).sort();
    expect(firstBitDifference(sortedFloat64Copy(view), expected)).toBe(-1);
    expect(firstBitDifference(buffer, before)).toBe(-1);
    sortFloat64InPlace(view);
    expect(firstBitDifference(view, expected)).toBe(-1);
    expect(firstBitDifference(buffer.subarray(0, RADIX_SORT_MIN_LENGTH), before.subarray(0, RADIX_SORT_MIN_LENGTH))).toBe(-1);
    expect(firstBitDifference(buffer.subarray(2 * RADIX_SORT_MIN_LENGTH + 1), before.subarray(2 * RADIX_SORT_MIN_LENGTH + 1))).toBe(-1);
  });

  it('two million values', () => {
    expectSortsLikeBuiltin(generate(2_000_000, normalSampler(9)));
  });

  it('property: any finite values, repeated into arrays long enough for the radix sort (fast-check)', () => {
    const pool = fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 40 });
    const length = fc.integer({ min: RADIX_SORT_MIN_LENGTH, max: RADIX_SORT_MIN_LENGTH + 3000 });
    fc.assert(fc.property(pool, length, fc.integer(), (values, size, seed) => {
      const random = mulberry32(seed);
      expectSortsLikeBuiltin(generate(size, () => values[Math.floor(random() * values.length)]!));
    }), { numRuns: 60 });
  });

  it('property: random bit patterns, long and short (fast-check)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 3 * RADIX_SORT_MIN_LENGTH }), fc.integer(), (size, seed) => {
      expectSortsLikeBuiltin(generate(size, randomBits(mulberry32(seed))));
    }), { numRuns: 30 });
  });
});

describe('firstOutOfOrder', () => {
  it('is −1 for finite values sorted ascending (ties included) and for no values', () => {
    expect(firstOutOfOrder(new Float64Array(0))).toBe(-1);
    expect(firstOutOfOrder(Float64Array.of(3))).toBe(-1);
    expect(firstOutOfOrder(Float64Array.of(-1, -1, 0, 2, 2))).toBe(-1);
  });

  it('gives the first value below its predecessor, NaN or infinite', () => {
    expect(firstOutOfOrder(Float64Array.of(1, 2, 1, 0))).toBe(2);
    expect(firstOutOfOrder(Float64Array.of(1, Number.NaN, 2))).toBe(1);
    expect(firstOutOfOrder(Float64Array.of(Number.NaN, 1))).toBe(0);
    expect(firstOutOfOrder(Float64Array.of(-Infinity, 1))).toBe(0);
    expect(firstOutOfOrder(Float64Array.of(1, 2, Infinity, Infinity))).toBe(2);
    expect(firstOutOfOrder(Float64Array.of(Infinity))).toBe(0);
  });
});
