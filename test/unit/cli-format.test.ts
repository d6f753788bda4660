import { afterEach, describe, expect, it } from 'vitest';
import { featureDriftTable, outputWidth, table, thresholdText } from '../../src/cli/format';

const HEADERS = ['when', 'event', 'route', 'status', 'attempts', 'last error'];
const ROWS = [
  ['2026-03-01 12:00:00Z', 'drift_detected', 'slack:https://hooks.slack.example/services/T000', 'failed', 7, 'connect ECONNREFUSED 10.0.0.12:443 after 7 attempts'],
  ['2026-03-01 12:05:00Z', 'retrain_started', 'webhook:https://alerts.example.com/driftwatch', 'sent', 1, null],
];

const lines = (text: string) => text.split('\n');
const longest = (text: string) => Math.max(...lines(text).map((line) => line.length));
/** The cell of `row` under `header`, by the header's start and the next header's start. */
function column(text: string, header: string, row: number): string {
  const [head] = lines(text);
  const start = head!.indexOf(header);
  const next = HEADERS.slice(HEADERS.indexOf(header) + 1).map((h) => head!.indexOf(h, start + header.length)).find((i) => i > 0);
  return lines(text)[row + 2]!.slice(start, next).trim();
}

describe('table width', () => {
  it('keeps every cell whole when the table fits, or with no width given outside a terminal', () => {
    const unlimited = table(HEADERS, ROWS, Infinity);
    expect(unlimited).toContain('connect ECONNREFUSED 10.0.0.12:443 after 7 attempts');
    expect(unlimited).not.toContain('…');
    expect(table(HEADERS, ROWS, longest(unlimited))).toBe(unlimited);
  });

  it('shrinks the widest text columns to fit, ending their cells in an ellipsis', () => {
    const full = table(HEADERS, ROWS, Infinity);
    const fitted = table(HEADERS, ROWS, 100);
    expect(longest(full)).toBeGreaterThan(100);
    expect(longest(fitted)).toBeLessThanOrEqual(100);
    expect(column(fitted, 'route', 0)).toMatch(/^slack:https:\/\/\S+…$/);
    expect(column(fitted, 'last error', 0)).toMatch(/^connect ECONNREFUSED\S*.*…$/);
    // The narrow columns are left as they were.
    expect(column(fitted, 'event', 1)).toBe('retrain_started');
    expect(column(fitted, 'status', 0)).toBe('failed');
  });

  it('takes from the widest column first: a column narrower than what is cut stays whole', () => {
    const text = table(['name', 'note', 'detail'], [['a', 'twelve chars', 'x'.repeat(40)]], 50);
    const [, , row] = lines(text);
    expect(row).toBe(`a     twelve chars  ${'x'.repeat(29)}…`);
    expect(row!.length).toBe(50);
  });

  it('never truncates the first column, numbers or headers: a table that cannot fit runs over', () => {
    const id = 'feature_with_a_very_long_name_indeed';
    const text = table(['feature', 'description', 'rows', 'score'], [[id, 'a long description of the feature', 1234567, '3.4e-7']], 40);
    const [header, , row] = lines(text);
    expect(header).toMatch(/^feature +description +rows +score$/);
    expect(row!.startsWith(`${id}  `)).toBe(true);
    expect(row).toMatch(/ 1234567 +3\.4e-7$/);
    // The description shrank to its floor (its header, here longer than eight characters), and the line is still too long.
    expect(row).toContain('  a long des…  ');
    expect(row!.length).toBeGreaterThan(40);
  });

  it('keeps a right-aligned number column aligned after shrinking', () => {
    const text = table(['model', 'note', 'rows'], [['m1', 'n'.repeat(30), 5], ['m2', 'short', 123456]], 30);
    const [, , first, second] = lines(text);
    expect(first!.length).toBe(second!.length);
    expect(first!.endsWith('     5')).toBe(true);
    expect(second!.endsWith('123456')).toBe(true);
  });

  it('puts a multi-line cell on its row', () => {
    const text = table(['when', 'last error'], [['12:00', 'Error: refused\n    at connect (net.js:1)\r\n']], Infinity);
    expect(lines(text)).toHaveLength(3);
    expect(lines(text)[2]).toBe('12:00  Error: refused at connect (net.js:1)');
  });
});

describe('outputWidth', () => {
  const stdout = process.stdout as { isTTY?: boolean; columns?: number };
  const saved = { isTTY: stdout.isTTY, columns: stdout.columns };
  afterEach(() => {
    Object.defineProperty(process.stdout, 'isTTY', { value: saved.isTTY, configurable: true, writable: true });
    Object.defineProperty(process.stdout, 'columns', { value: saved.columns, configurable: true, writable: true });
  });

  it("is the terminal's width when stdout is one, and unlimited in a pipe", () => {
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true, writable: true });
    Object.defineProperty(process.stdout, 'columns', { value: 72, configurable: true, writable: true });
    expect(outputWidth()).toBe(72);
    expect(longest(table(HEADERS, ROWS))).toBeLessThanOrEqual(72);
    Object.defineProperty(process.stdout, 'isTTY', { value: undefined, configurable: true, writable: true });
    expect(outputWidth()).toBe(Infinity);
    expect(table(HEADERS, ROWS)).toBe(table(HEADERS, ROWS, Infinity));
  });
});

describe('thresholds', () => {
  it('prints a threshold as set, to three significant digits, p-values below 0.001 in scientific notation', () => {
    expect(thresholdText(0.05, 'p_value')).toBe('0.05');
    expect(thresholdText(0.2, 'distance')).toBe('0.2');
    expect(thresholdText(0.05 / 7, 'p_value')).toBe('0.00714');
    expect(thresholdText(0.05 / 150, 'p_value')).toBe('3.3e-4');
    expect(thresholdText(0.1234567, 'distance')).toBe('0.123');
  });

  it('shows a corrected threshold in the feature table', () => {
    const text = featureDriftTable([
      { feature: 'temp_f', test: 'ks', scoreKind: 'p_value', score: 3.4e-7, threshold: 0.05 / 150, psi: 1.25, drifted: true, status: 'ok' },
    ], Infinity);
    expect(lines(text)[2]).toMatch(/^temp_f +ks +3\.4e-7 +3\.3e-4 +1\.2500 +yes +ok$/);
  });
});
