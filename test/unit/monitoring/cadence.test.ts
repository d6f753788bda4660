import { describe, expect, it } from 'vitest';
import { estimateCadence, formatDurationCeil, windowAdvice } from '../../../src/monitoring/cadence';

const DAY = 86_400_000;
const daily = (days: number) => Array.from({ length: days }, (_, i) => Date.UTC(2024, 0, 1) + i * DAY);

describe('estimateCadence', () => {
  it('finds one row a day in daily data, whatever the order and with a few gaps', () => {
    const times = daily(400).filter((_, i) => i % 50 !== 0).reverse();
    expect(estimateCadence(times)?.medianGapMs).toBe(DAY);
  });

  it('uses the mean gap when most rows share a timestamp (per-event data stamped to the second)', () => {
    const times = Array.from({ length: 1000 }, (_, i) => Math.floor(i / 10) * 1000);
    expect(estimateCadence(times)?.medianGapMs).toBeCloseTo(99_000 / 999, 6);
  });

  it('says nothing from fewer than 3 rows or a single instant', () => {
    expect(estimateCadence([1, 2])).toBeNull();
    expect(estimateCadence([5, 5, 5, 5])).toBeNull();
  });
});

describe('windowAdvice', () => {
  const cadence = estimateCadence(daily(100))!;

  it('warns that 7 days of daily data cannot hold 30 rows, and suggests a window that can', () => {
    const advice = windowAdvice({ kind: 'duration', ms: 7 * DAY }, 30, cadence);
    expect(advice).toMatchObject({ expectedRows: 7, suggestedWindow: '45d' });
    expect(advice?.message).toContain('monitoring.window 7d holds about 7 rows');
    expect(advice?.message).toContain('window: auto');
  });

  it('is silent when the window holds minRows, and for row-count windows', () => {
    expect(windowAdvice({ kind: 'duration', ms: 30 * DAY }, 30, cadence)).toBeNull();
    expect(windowAdvice({ kind: 'rows', rows: 90 }, 30, cadence)).toBeNull();
  });

  it('suggests hours for hourly data', () => {
    const hourly = estimateCadence(Array.from({ length: 100 }, (_, i) => i * 3_600_000))!;
    expect(windowAdvice({ kind: 'duration', ms: 10 * 3_600_000 }, 30, hourly)?.suggestedWindow).toBe('2d');
  });
});

describe('formatDurationCeil', () => {
  it('rounds up to the largest unit that fits', () => {
    expect(formatDurationCeil(1.2 * DAY)).toBe('2d');
    expect(formatDurationCeil(90_000)).toBe('2m');
    expect(formatDurationCeil(500)).toBe('500ms');
  });
});
