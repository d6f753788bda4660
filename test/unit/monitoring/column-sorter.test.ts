/**
 * The drift check's column sorting on two threads: whichever thread sorts a column, the result is what
 * readNumericColumn and a sort give on one thread, with the same counts; the worker takes large columns
 * from the back of the list (their buffers go to it and come back), small ones stay on the caller's thread.
 */
import { describe, expect, it } from 'vitest';
import { readNumericColumn } from '../../../src/drift/columns';
import { ColumnSortPlan, warmSortWorker, WORKER_SORT_MIN_ROWS } from '../../../src/monitoring/column-sorter';

function column(rows: number, seed: number): Float64Array {
  const values = new Float64Array(rows);
  let state = seed;
  for (let i = 0; i < rows; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    values[i] = (state / 2147483648 - 0.5) * 1e6;
  }
  values[7] = NaN;
  values[rows - 1] = NaN;
  values[11] = Infinity;
  values[13] = -0;
  return values;
}

function expected(raw: Float64Array) {
  const read = readNumericColumn(Float64Array.from(raw));
  return { values: Array.from(read.values).sort((a, b) => a - b), nullCount: read.nullCount, invalidCount: read.invalidCount,
    invalidExample: read.invalidExample, rows: raw.length };
}

describe('ColumnSortPlan', () => {
  it('gives every column read and sorted as one thread would, the large ones from the back sorted by the worker', async () => {
    expect(await warmSortWorker()).toBe(true);
    const rows = WORKER_SORT_MIN_ROWS + 5000;
    const raws = [column(rows, 1), column(rows, 2), column(rows, 3), column(rows, 4), column(rows, 5), column(rows, 6)];
    const wanted = raws.map(expected);
    const plan = new ColumnSortPlan([...raws, null]);
    for (const [index, want] of wanted.entries()) {
      const sorted = (await plan.sorted(index))!;
      expect({ ...sorted, values: Array.from(sorted.values) }).toEqual(want);
      expect(Object.is(sorted.values[0], -0)).toBe(false);
    }
    expect(plan.sorted(raws.length)).toBeNull();
    // The worker took at least the last column: its buffer left this thread (the raw array is detached, empty).
    expect(raws.at(-1)!.length).toBe(0);
    // The caller sorted the first itself, where it lies.
    expect(raws[0]!.length).toBe(rows);
  });

  it('sorts small columns on the caller\'s thread only', async () => {
    const raws = [column(2000, 7), column(3000, 8)];
    const wanted = raws.map(expected);
    const plan = new ColumnSortPlan(raws);
    for (const [index, want] of wanted.entries()) {
      const sorted = (await plan.sorted(index))!;
      expect(Array.from(sorted.values)).toEqual(want.values);
    }
    expect(raws.map((raw) => raw.length)).toEqual([2000, 3000]);
  });
});
