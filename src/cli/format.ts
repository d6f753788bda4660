/**
 * Small text helpers for the command line: aligned tables, numbers, times and durations.
 */
import type { MonitoringWindow } from '../config';
import type { ScoreKind } from '../drift/types';
import type { DriftVerdict } from '../policy/dataset-drift';
import type { PerformanceCheck } from '../monitoring/performance';

export type Cell = string | number | boolean | null | undefined;

const NUMERIC_CELL = /^[+-]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?%?$/;
const COLUMN_GAP = '  ';
/** A shrunk column keeps its header whole and at least this many characters, '…' included. */
const MIN_SHRUNK_COLUMN = 8;

/** The width tables fit: the terminal's when stdout is one; unlimited in pipes and files, which keep every cell whole. */
export function outputWidth(): number {
  return process.stdout.isTTY ? process.stdout.columns || Infinity : Infinity;
}

/**
 * A plain-text table; columns whose cells are all numbers (or '-') are right-aligned. Wider than
 * `width`, its widest text columns shrink and their cells end in '…'; the first column (what a row is)
 * and number columns stay whole, so a table that cannot fit otherwise runs over.
 */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>, width = outputWidth()): string {
  const text = rows.map((row) => headers.map((_, i) => cellText(row[i])));
  const natural = headers.map((header, i) => Math.max(header.length, ...text.map((row) => row[i]!.length)));
  const numeric = headers.map((_, i) => text.length > 0 && text.every((row) => row[i] === '-' || NUMERIC_CELL.test(row[i]!)));
  const floors = natural.map((w, i) => (i === 0 || numeric[i] ? w : Math.min(w, Math.max(headers[i]!.length, MIN_SHRUNK_COLUMN))));
  const widths = shrunkWidths(natural, floors, width - COLUMN_GAP.length * (headers.length - 1));
  const line = (cells: readonly string[]) => cells.map((cell, i) => {
    const fitted = truncated(cell, widths[i]!);
    return numeric[i] ? fitted.padStart(widths[i]!) : fitted.padEnd(widths[i]!);
  }).join(COLUMN_GAP).trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

/** Takes a character at a time from the widest column still above its floor, until the columns fit in `room`. */
function shrunkWidths(natural: readonly number[], floors: readonly number[], room: number): number[] {
  const widths = [...natural];
  let excess = widths.reduce((sum, w) => sum + w, 0) - room;
  while (excess > 0) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (w > floors[i]! && (widest < 0 || w > widths[widest]!)) widest = i;
    });
    if (widest < 0) break;
    widths[widest]! -= 1;
    excess -= 1;
  }
  return widths;
}

function truncated(cell: string, width: number): string {
  if (cell.length <= width) return cell;
  // Never half a surrogate pair before the ellipsis.
  return `${cell.slice(0, width - 1).replace(/[\uD800-\uDBFF]$/, '')}…`;
}

function cellText(value: Cell): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  // A line break (an error message's) would split the row.
  return String(value).replace(/\s*[\r\n]+\s*/g, ' ');
}

export function num(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

/** Below this a p-value's fixed decimals would read 0.0000, as if the test had found certainty. */
const SMALLEST_FIXED_P_VALUE = 0.001;

/**
 * A drift test's score: p-values under 0.001 in scientific notation (3.4e-7), and one that underflowed
 * to zero as '0'; distances with fixed decimals.
 */
export function scoreText(score: number | null | undefined, kind: ScoreKind): string {
  if (kind !== 'p_value' || score === null || score === undefined || score >= SMALLEST_FIXED_P_VALUE) return num(score);
  return score === 0 ? '0' : score.toExponential(1);
}

/** The columns a drift check and a stored drift report show per feature. */
export interface FeatureDriftRow {
  feature: string; test: string; scoreKind: ScoreKind; score: number | null; threshold: number; psi: number | null; drifted: boolean; status: string;
}

export function featureDriftTable(features: readonly FeatureDriftRow[], width = outputWidth()): string {
  return table(['feature', 'test', 'score', 'threshold', 'PSI', 'drifted', 'status'], features.map((f) => [
    f.feature, f.test, scoreText(f.score, f.scoreKind), thresholdText(f.threshold, f.scoreKind), num(f.psi), f.drifted, f.status,
  ]), width);
}

/**
 * A threshold as set, to three significant digits: 0.05 stays 0.05, and a p-value threshold that a
 * correction for many features divided reads 0.00714, or 3.3e-4 below 0.001, instead of 0.0003333333333333333.
 */
export function thresholdText(threshold: number, kind: ScoreKind): string {
  if (kind === 'p_value' && threshold > 0 && threshold < SMALLEST_FIXED_P_VALUE) return threshold.toExponential(1);
  return String(Number(threshold.toPrecision(3)));
}

export function percent(share: number | null | undefined): string {
  return share === null || share === undefined ? '-' : `${(share * 100).toFixed(0)}%`;
}

/** '2026-03-01 12:00:00Z' (UTC, whole seconds). */
export function time(iso: string | Date | null | undefined): string {
  if (iso === null || iso === undefined) return '-';
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

// Weeks are left out: a configured '7d' reads better as '7d' than as '1w'.
const DURATION_UNITS: ReadonlyArray<[string, number]> = [
  ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000],
];

/** Milliseconds in the config's own notation: 604800000 -> '7d', 5400000 -> '90m'. */
export function duration(ms: number): string {
  if (ms === 0) return '0s';
  for (const [unit, size] of DURATION_UNITS) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** A check's verdict for people: an unmeasured check must never read as "no". */
export function verdictText(verdict: DriftVerdict | null | undefined, datasetDrift: boolean): string {
  if (verdict === 'not_measured') return 'NOT MEASURED (too few features tested; this is not "no drift")';
  return (verdict ?? (datasetDrift ? 'drift' : 'no_drift')) === 'drift' ? 'yes' : 'no';
}

/** The champion's realized performance in one cell: its loss and whether it left the learned band. */
export function performanceText(performance: Pick<PerformanceCheck, 'status' | 'metric' | 'loss' | 'degraded'> | null | undefined): string {
  if (!performance) return '';
  const loss = performance.loss === null ? '' : ` ${performance.metric} ${performance.loss.toFixed(3)}`;
  switch (performance.status) {
    case 'degraded': return `DEGRADED (${performance.degraded.join(' and ')})${loss}`;
    case 'ok': return `ok${loss}`;
    case 'insufficient_labels': return 'too few labels';
    case 'no_reference': return 'no reference yet';
  }
}

export function windowText(window: MonitoringWindow): string {
  return window.kind === 'rows' ? `the newest ${window.rows} rows` : duration(window.ms);
}

/** Indents every line of a block of text. */
export function indent(text: string, by = '  '): string {
  return text.split('\n').map((line) => (line === '' ? line : by + line)).join('\n');
}

/** '1 row', '3 rows'. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
