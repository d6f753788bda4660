/**
 * `driftwatch ingest`'s progress bar: one line on a terminal's stderr, redrawn in place as rows stream in.
 */
import type { IngestProgress } from '../ingest/ingest';

export interface IngestProgressState {
  bytesRead: number;
  totalBytes: number;
  accepted: number;
  rejected: number;
  elapsedMs: number;
}

/** Ten redraws a second look live; more would cost the ingest time for nothing a person can read. */
const REDRAW_EVERY_MS = 100;
const MIN_BAR_CELLS = 10;
const MAX_BAR_CELLS = 30;
const ERASE_TO_LINE_END = '\x1b[K';
const GROUPED = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * The bar and its figures in at most `width - 1` characters (writing the last column makes some
 * terminals wrap, and the next redraw would land on a new line). To make room for the bar it drops the
 * byte counts, then the rate; narrower still, the bar goes, and the share read and the rows accepted
 * and rejected stay.
 */
export function ingestProgressLine(state: IngestProgressState, width: number): string {
  const room = width - 1;
  const share = state.totalBytes > 0 ? Math.min(1, state.bytesRead / state.totalBytes) : 1;
  const rowsPerSecond = state.elapsedMs > 0 ? ((state.accepted + state.rejected) * 1000) / state.elapsedMs : null;
  const figures: Record<'share' | 'rows' | 'rate' | 'bytes', string | null> = {
    share: `${Math.floor(share * 100)}%`.padStart(4),
    rows: `${GROUPED.format(state.accepted)} accepted, ${GROUPED.format(state.rejected)} rejected`,
    rate: rowsPerSecond === null ? null : `${GROUPED.format(rowsPerSecond)} rows/s`,
    bytes: `${byteSize(state.bytesRead)} of ${byteSize(state.totalBytes)}`,
  };
  const text = () => [figures.share, figures.rows, figures.rate, figures.bytes].filter((figure) => figure !== null).join('  ');
  for (const dropped of ['bytes', 'rate'] as const) {
    if (text().length + 1 + MIN_BAR_CELLS <= room) break;
    figures[dropped] = null;
  }
  const line = text();
  const barCells = Math.min(MAX_BAR_CELLS, room - line.length - 1);
  if (barCells >= MIN_BAR_CELLS) return `${bar(share, barCells)} ${line}`;
  return line.length <= room ? line : `${line.slice(0, Math.max(0, room - 1))}…`;
}

/** Where the line is drawn: process.stderr when it is a terminal. */
export interface ProgressTerminal {
  readonly columns: number | undefined;
  write(text: string): unknown;
}

/** Draws ingest progress at most every REDRAW_EVERY_MS, and none for an ingest that ends sooner. */
export class IngestProgressBar {
  private readonly startedAt: number;
  private lastDrawAt: number;
  private drawn = false;

  constructor(
    private readonly terminal: ProgressTerminal,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
    this.lastDrawAt = this.startedAt;
  }

  update(progress: IngestProgress): void {
    const now = this.now();
    if (now - this.lastDrawAt < REDRAW_EVERY_MS) return;
    this.lastDrawAt = now;
    const state: IngestProgressState = {
      bytesRead: progress.bytesRead ?? 0,
      totalBytes: progress.totalBytes ?? 0,
      accepted: progress.rowsRead - progress.rejected,
      rejected: progress.rejected,
      elapsedMs: now - this.startedAt,
    };
    // Carriage return, then the line, then erase what a longer previous line left behind.
    this.terminal.write(`\r${ingestProgressLine(state, this.terminal.columns || 80)}${ERASE_TO_LINE_END}`);
    this.drawn = true;
  }

  /** Erases the bar, so the summary (or an error) starts on a clean line. */
  clear(): void {
    if (this.drawn) this.terminal.write(`\r${ERASE_TO_LINE_END}`);
    this.drawn = false;
  }
}

function bar(share: number, cells: number): string {
  const filled = Math.round(share * cells);
  return `${'█'.repeat(filled)}${'░'.repeat(cells - filled)}`;
}

const BYTE_UNITS: ReadonlyArray<[string, number]> = [['GB', 1e9], ['MB', 1e6], ['kB', 1e3]];

/** Decimal units, one decimal: 95.2 MB. */
export function byteSize(bytes: number): string {
  for (const [unit, size] of BYTE_UNITS) if (bytes >= size) return `${(bytes / size).toFixed(1)} ${unit}`;
  return `${bytes} B`;
}
