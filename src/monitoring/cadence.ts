/**
 * The data's cadence (how often rows arrive in event time) and whether a duration window can hold
 * enough rows at that cadence. Pure: callers pass the newest event times.
 */
import type { MonitoringWindow } from '../config';

export interface Cadence {
  /** Rows the estimate is based on. */
  rows: number;
  /** Median gap between consecutive event times: robust to bursts and to a few back-dated rows. */
  medianGapMs: number;
}

/** Enough rows for a stable median gap without reading the whole history. */
export const CADENCE_SAMPLE_ROWS = 1_000;

/** Event times in any order; null with fewer than 3 rows or when every row has the same event time. */
export function estimateCadence(eventTimesMs: readonly number[]): Cadence | null {
  if (eventTimesMs.length < 3) return null;
  const sorted = Float64Array.from(eventTimesMs).sort();
  const gaps = new Float64Array(sorted.length - 1);
  for (let i = 1; i < sorted.length; i++) gaps[i - 1] = sorted[i]! - sorted[i - 1]!;
  gaps.sort();
  const middle = gaps.length >> 1;
  const medianGapMs = gaps.length % 2 === 1 ? gaps[middle]! : (gaps[middle - 1]! + gaps[middle]!) / 2;
  // Many rows per timestamp (per-event data stamped to the second): the mean gap over the span is the honest rate.
  const spanMs = sorted[sorted.length - 1]! - sorted[0]!;
  if (spanMs === 0) return null;
  return { rows: sorted.length, medianGapMs: medianGapMs > 0 ? medianGapMs : spanMs / (sorted.length - 1) };
}

export interface WindowAdvice {
  expectedRows: number;
  suggestedWindow: string;
  message: string;
}

/** Rows a window should expect beyond minRows, so that ordinary gaps in the data do not blind it. */
const HEADROOM = 1.5;

/**
 * Advice when a duration window holds fewer than minRows rows at the data's cadence: every check
 * would then be not_measured. A row-count window (auto) always holds its rows.
 */
export function windowAdvice(window: MonitoringWindow, minRows: number, cadence: Cadence): WindowAdvice | null {
  if (window.kind !== 'duration') return null;
  const expectedRows = Math.floor(window.ms / cadence.medianGapMs);
  if (expectedRows >= minRows) return null;
  const suggestedWindow = formatDurationCeil(minRows * HEADROOM * cadence.medianGapMs);
  return {
    expectedRows,
    suggestedWindow,
    message: `monitoring.window ${formatDurationCeil(window.ms)} holds about ${expectedRows} rows at this data's cadence `
      + `(one row every ${formatDurationCeil(cadence.medianGapMs)}), fewer than monitoring.minRows ${minRows}: every check `
      + `would be not_measured. Use window: auto (the newest rows, whatever the cadence) or a window of at least ${suggestedWindow}.`,
  };
}

const UNITS: ReadonlyArray<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]];

/** The duration rounded up to a whole number of the largest unit that fits, in config syntax ('45d', '6h'). */
export function formatDurationCeil(ms: number): string {
  for (const [unit, size] of UNITS) if (ms >= size) return `${Math.ceil(ms / size)}${unit}`;
  return `${Math.max(1, Math.ceil(ms))}ms`;
}
