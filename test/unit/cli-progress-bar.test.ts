import { describe, expect, it } from 'vitest';
import { byteSize, IngestProgressBar, ingestProgressLine, type IngestProgressState } from '../../src/cli/progress-bar';

// 52% of the file; 400,000 rows in 2 s.
const HALFWAY: IngestProgressState = { bytesRead: 48_000_000, totalBytes: 92_300_000, accepted: 399_997, rejected: 3, elapsedMs: 2_000 };

describe('ingestProgressLine', () => {
  it('shows the bar, the share of the file, rows accepted and rejected, the rate and the bytes on a wide terminal', () => {
    const line = ingestProgressLine(HALFWAY, 120);
    expect(line).toBe(`${'█'.repeat(16)}${'░'.repeat(14)}  52%  399,997 accepted, 3 rejected  200,000 rows/s  48.0 MB of 92.3 MB`);
    expect(line.length).toBeLessThan(120);
  });

  it('drops the byte counts for the bar on an 80-column terminal, never writing the last column', () => {
    const line = ingestProgressLine(HALFWAY, 80);
    expect(line).toMatch(/^█+░+  52%  399,997 accepted, 3 rejected  200,000 rows\/s$/);
    expect(line.length).toBeLessThanOrEqual(79);
  });

  it('keeps the share and the rows when too narrow for a bar, and cuts what still does not fit', () => {
    expect(ingestProgressLine(HALFWAY, 45)).toBe(' 52%  399,997 accepted, 3 rejected');
    const cut = ingestProgressLine(HALFWAY, 20);
    expect(cut).toBe(' 52%  399,997 acce…');
    expect(cut.length).toBe(19);
  });

  it('reads a finished or empty file as 100% and leaves the rate out before any time has passed', () => {
    const line = ingestProgressLine({ bytesRead: 0, totalBytes: 0, accepted: 0, rejected: 0, elapsedMs: 0 }, 100);
    expect(line).toMatch(/^█+ 100%  0 accepted, 0 rejected  0 B of 0 B$/);
    expect(line).not.toContain('░');
  });
});

describe('IngestProgressBar', () => {
  function drawn(times: number[]) {
    const writes: string[] = [];
    let now = 0;
    const bar = new IngestProgressBar({ columns: 100, write: (text: string) => writes.push(text) }, () => now);
    for (const at of times) {
      now = at;
      bar.update({ rowsRead: at * 100, rejected: 1, bytesRead: at, totalBytes: 1_000 });
    }
    return { bar, writes };
  }

  it('draws nothing for an ingest that ends within a tenth of a second, and clears nothing', () => {
    const { bar, writes } = drawn([10, 50, 99]);
    bar.clear();
    expect(writes).toEqual([]);
  });

  it('redraws in place at most ten times a second, and clears the line at the end', () => {
    const { bar, writes } = drawn([100, 150, 199, 200, 250, 420]);
    expect(writes).toHaveLength(3);
    for (const write of writes) expect(write).toMatch(/^\r.* rejected .*\x1b\[K$/);
    expect(writes[0]).toContain(' 10%  9,999 accepted, 1 rejected  100,000 rows/s');
    expect(writes[2]).toContain(' 42%');
    bar.clear();
    expect(writes.at(-1)).toBe('\r\x1b[K');
    bar.clear();
    expect(writes).toHaveLength(4);
  });
});

describe('byteSize', () => {
  it('uses decimal units with one decimal', () => {
    expect(byteSize(999)).toBe('999 B');
    expect(byteSize(1_500)).toBe('1.5 kB');
    expect(byteSize(95_200_000)).toBe('95.2 MB');
    expect(byteSize(2_000_000_000)).toBe('2.0 GB');
  });
});
