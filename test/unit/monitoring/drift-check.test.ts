/**
 * The drift check's logic against an in-memory store: which rows a check sees, what it compares
 * them with, and what it says when it cannot see.
 */
import { describe, expect, it } from 'vitest';
import { parseModelConfig, type ModelConfig } from '../../../src/config';
import { buildReferenceProfile, tableFromRows, type ReferenceProfile } from '../../../src/drift';
import { FEATURES_IN_RESULT } from '../../../src/monitoring/check-summary';
import { runDriftCheck, type DriftCheckStore } from '../../../src/monitoring/drift-check';
import { mayHold } from '../../../src/policy/drift-signature';
import type { WrittenDriftReport } from '../../../src/store/drift-reports';
import type { FeatureWindow } from '../../../src/store/feature-store';
import { learnPerformanceReference, type PerformanceReference } from '../../../src/monitoring/performance';
import { createRng } from '../../../src/tuning/random';

const DAY = 86_400_000;

interface Row { id: number; time: number; features: Record<string, unknown>; label?: number }

function dailyRows(firstId: number, start: string, days: number, seed: number, shift = 0): Row[] {
  const rng = createRng(seed);
  return Array.from({ length: days }, (_, i) => ({
    id: firstId + i, time: Date.parse(start) + i * DAY, features: { x: rng() + shift, y: rng() * 2 },
  }));
}

/** The store's SQL semantics over an array: windows are (start, end], pinned to a row-ID horizon. */
/** A stand-in champion for the performance check: P(label = 1) is x, clipped. */
const championOfX = async (features: ReadonlyArray<Record<string, unknown>>) =>
  Float32Array.from(features, (f) => Math.min(0.95, Math.max(0.05, Number(f.x))));

function memoryStore(
  config: ModelConfig, rows: Row[], referenceRows: Row[],
  {
    performance = null,
    profile = buildReferenceProfile(config.features, tableFromRows(referenceRows.map((r) => r.features), config.features.map((f) => f.name))),
  }: { performance?: PerformanceReference | null; profile?: ReferenceProfile } = {},
) {
  const reports: WrittenDriftReport[] = [];
  const inWindow = (w: FeatureWindow) => rows
    .filter((r) => r.time > Date.parse(w.start) && r.time <= Date.parse(w.end) && r.id <= Number(w.asOfRowId))
    .sort((a, b) => a.time - b.time || a.id - b.id);
  const between = (start: Date, end: Date, asOfRowId: string): FeatureWindow => {
    const window = { start: start.toISOString(), end: end.toISOString(), rowCount: 0, asOfRowId };
    return { ...window, rowCount: inWindow(window).length };
  };
  const newestFirst = (asOf: number, before = Infinity) => rows
    .filter((r) => r.id <= asOf && r.time <= before).sort((a, b) => b.time - a.time || b.id - a.id);
  const store: DriftCheckStore = {
    champion: async () => ({ version: 1, referenceProfile: profile }),
    referenceValues: async (_version, _feature, stored) => stored,
    async latestWindow() {
      const asOf = Math.max(...rows.map((r) => r.id));
      const sorted = newestFirst(asOf);
      const end = new Date(sorted[0]!.time);
      const spec = config.monitoring.window;
      const start = spec.kind === 'duration' ? new Date(end.getTime() - spec.ms) : new Date(sorted[spec.rows]?.time ?? 0);
      return between(start, end, String(asOf));
    },
    windowBetween: async (start, end, asOfRowId) => between(start, end, asOfRowId),
    startOfRowsBefore: async (before, asOfRowId, count) => new Date(newestFirst(Number(asOfRowId), Date.parse(before))[count]?.time ?? 0),
    latestCheck: async () => {
      const last = reports.at(-1);
      return last
        ? { id: last.id, championVersion: last.championVersion, asOfRowId: last.asOfRowId, windowStart: last.windowStart, windowEnd: last.windowEnd }
        : null;
    },
    async lateRowsSince(previous, asOfRowId) {
      const late = rows.filter((r) => r.id > Number(previous.asOfRowId) && r.id <= Number(asOfRowId) && r.time <= Date.parse(previous.windowEnd));
      const oldest = Math.min(...late.map((r) => r.time));
      return { count: late.length, oldestEventTime: late.length > 0 ? new Date(oldest).toISOString() : null };
    },
    // Unordered reads come newest first, so a result that depended on the order would differ from an ordered read.
    windowColumns: async (window, features, { ordered }) => {
      const rows = inWindow(window).map((r) => r.features);
      return tableFromRows(ordered ? rows : rows.reverse(), features);
    },
    labelledRows: async () => 0,
    latestLabelledRows: async (asOfRowId) => {
      const spec = config.monitoring.window;
      const labelled = newestFirst(Number(asOfRowId)).filter((r) => r.label !== undefined);
      const newest = spec.kind === 'rows' ? labelled.slice(0, spec.rows) : labelled.filter((r) => r.time > labelled[0]!.time - spec.ms);
      return newest.reverse().map((r) => ({ features: r.features, label: r.label!, eventTime: new Date(r.time) }));
    },
    performanceReference: async () => performance,
    predict: async (_version, features) => championOfX(features),
    newestEventTimes: async (limit) => newestFirst(Infinity).slice(0, limit).map((r) => r.time),
    reportOfCheck: async (checkId) => reports.find((r) => r.checkId === checkId) ?? null,
    async insertReport(report) {
      const written = { ...report, id: reports.length + 1, createdAt: new Date().toISOString() };
      reports.push(written);
      return written;
    },
    retrainBlocker: async () => null,
  };
  return { store, reports, rows };
}

function config(extra: string): ModelConfig {
  return parseModelConfig(`
model: m
task: binary_classification
label: label
features:
  - { name: x, kind: numeric }
  - { name: y, kind: numeric }
${extra}`, '<test>');
}

const check = (store: DriftCheckStore, model: ModelConfig) => runDriftCheck(store, model, { source: 'test', checkedAt: '2025-01-01T00:00:00Z' });

describe('runDriftCheck', () => {
  it('is not_measured, never "no drift", when the window cannot hold minRows, and names the fix', async () => {
    const model = config('monitoring: { window: 7d, minRows: 30 }');
    const reference = dailyRows(1, '2023-01-01', 365, 1);
    const { store, reports } = memoryStore(model, [...reference, ...dailyRows(366, '2024-01-01', 60, 2)], reference);
    const result = await check(store, model);
    expect(result).toMatchObject({ outcome: 'checked', verdict: 'not_measured', datasetDrift: false, measuredShare: 0 });
    expect(result.features.map((f) => f.status)).toEqual(['insufficient_data', 'insufficient_data']);
    expect(result.reasons.join('\n')).toContain('fix: monitoring.window 7d holds about 7 rows');
    expect(reports[0]?.verdict).toBe('not_measured');
  });

  it('checks the newest rows by default (window: auto), so daily data is measured', async () => {
    const model = config('');
    const reference = dailyRows(1, '2023-01-01', 365, 1);
    const { store } = memoryStore(model, [...reference, ...dailyRows(366, '2024-01-01', 120, 2)], reference);
    const result = await check(store, model);
    expect(model.monitoring.window).toEqual({ kind: 'rows', rows: 90 });
    expect(result).toMatchObject({ verdict: 'no_drift', measuredShare: 1, window: { rows: 90, lateRows: 0 } });
  });

  it('sees late rows: a repeated check runs again, reaches back to them and counts them', async () => {
    const model = config('monitoring: { window: 30d }');
    const reference = dailyRows(1, '2023-01-01', 365, 1);
    const memory = memoryStore(model, [...reference, ...dailyRows(366, '2024-01-01', 60, 2)], reference);
    const first = await check(memory.store, model);
    expect((await check(memory.store, model)).outcome).toBe('unchanged');
    // Ten rows stamped in January arrive after the check of the window ending in late February.
    memory.rows.push(...dailyRows(1000, '2024-01-05T06:00:00Z', 10, 3));
    const again = await check(memory.store, model);
    expect(again.outcome).toBe('checked');
    expect(again.window).toMatchObject({ end: first.window!.end, lateRows: 10 });
    // Every row from the oldest late one on: the late rows and the on-time rows of January 6 to 30.
    expect(again.window!.rows).toBe(first.window!.rows + 10 + 25);
    expect(Date.parse(again.window!.start)).toBeLessThan(Date.parse('2024-01-05T06:00:00Z'));
    expect(again.reasons.join('\n')).toMatch(/10 late rows .* arrived after drift report #1\); the window reaches back/);
    // The widened check saw every row there is: the next one has nothing new.
    expect((await check(memory.store, model)).outcome).toBe('unchanged');
  });

  it('reads a large window a feature at a time, with the same result as a window read whole', async () => {
    const model = config('monitoring: { window: 30d }');
    const reference = dailyRows(1, '2023-01-01', 365, 1);
    const all = [...reference, ...dailyRows(366, '2024-01-01', 60, 2, 0.3), { id: 500, time: Date.parse('2024-02-28T12:00:00Z'), features: { x: 0.5 } }];
    const whole = memoryStore(model, all, reference);
    const byColumn = memoryStore(model, all, reference);
    const reads: string[][] = [];
    const read = byColumn.store.windowColumns;
    byColumn.store.windowColumns = (window, features, options) => {
      reads.push([...features]);
      return read(window, features, options);
    };
    const request = { source: 'test', checkedAt: '2025-01-01T00:00:00Z' };
    expect(await runDriftCheck(byColumn.store, model, request, 1)).toEqual(await runDriftCheck(whole.store, model, request));
    expect(reads).toEqual([['x'], ['y']]);
  });

  it('reads numeric features in any row order and categorical ones in event-time order, with the same result', async () => {
    const model = parseModelConfig(`
model: m
task: binary_classification
label: label
monitoring: { window: 30d }
features:
  - { name: x, kind: numeric }
  - { name: colour, kind: categorical }
`, '<test>');
    const colours = ['red', 'green', 'blue', 'cyan', 'teal', 'pink', 'gold'];
    const coloured = (rows: Row[], palette: number) => rows.map((r, i) => ({ ...r, features: { x: r.features.x, colour: colours[(i * 3) % 7 % palette] } }));
    const reference = coloured(dailyRows(1, '2023-01-01', 365, 1), 3);
    const all = [...reference, ...coloured(dailyRows(366, '2024-01-01', 60, 2, 0.3), colours.length)];
    const request = { source: 'test', checkedAt: '2025-01-01T00:00:00Z' };
    // The reference: every read in event-time order, whatever was asked.
    const inOrder = memoryStore(model, all, reference);
    const read = inOrder.store.windowColumns;
    inOrder.store.windowColumns = (window, features) => read(window, features, { ordered: true });
    await runDriftCheck(inOrder.store, model, request);
    // As asked (an unordered read comes reversed): together, and a feature at a time.
    for (const valuesPerRead of [undefined, 1]) {
      const asked = memoryStore(model, all, reference);
      const orders: boolean[] = [];
      const readAsAsked = asked.store.windowColumns;
      asked.store.windowColumns = (window, features, options) => {
        orders.push(options.ordered);
        return readAsAsked(window, features, options);
      };
      await runDriftCheck(asked.store, model, request, valuesPerRead);
      expect(orders).toEqual(valuesPerRead === undefined ? [true] : [false, true]);
      expect(asked.reports[0]!.features).toEqual(inOrder.reports[0]!.features);
    }
    // Listed in the order they first appear, which a reversed read would change.
    expect(inOrder.reports[0]!.features[1]!.statusDetail).toMatch(/^feature 'colour' has 4 categories the reference never had: /);
  });

  it('answers a retry of a check that wrote its report with that report\'s verdict; another check of the same rows is unchanged', async () => {
    const model = config('monitoring: { window: 30d }');
    const reference = dailyRows(1, '2023-01-01', 365, 1);
    const memory = memoryStore(model, [...reference, ...dailyRows(366, '2024-01-01', 60, 2, 1)], reference);
    const attempt = (checkId: string) => runDriftCheck(memory.store, model, { source: 'schedule', checkedAt: new Date().toISOString(), checkId });
    const first = await attempt('monitor-m/run-1/7');
    expect(first).toMatchObject({ outcome: 'checked', verdict: 'drift', reportId: 1 });
    // The first attempt's result was lost after its report was written: the retry says what the report says.
    const retry = await attempt('monitor-m/run-1/7');
    expect(retry).toEqual({ ...first, checkedAt: memory.reports[0]!.createdAt });
    // A later check is another activity: the same rows are unchanged.
    expect(await attempt('monitor-m/run-1/8')).toMatchObject({ outcome: 'unchanged', reportId: 1 });
    // Rows that arrive before a retry do not change what the retried check said; the next check sees them.
    memory.rows.push(...dailyRows(2000, '2024-03-01', 5, 3));
    expect(await attempt('monitor-m/run-1/7')).toMatchObject({ outcome: 'checked', reportId: 1, window: first.window });
    expect(await attempt('monitor-m/run-1/9')).toMatchObject({ outcome: 'checked', reportId: 2 });
    expect(memory.reports.map((r) => r.checkId)).toEqual(['monitor-m/run-1/7', 'monitor-m/run-1/9']);
  });

  it('counts the labelled rows at the horizon of the report it answers with: its own, or one an earlier attempt stored first', async () => {
    const model = config('monitoring: { window: 30d }');
    const reference = dailyRows(1, '2023-01-01', 365, 1);
    const rows = [...reference, ...dailyRows(366, '2024-01-01', 60, 2)].map((row, i) => (i % 3 === 0 ? { ...row, label: 1 } : row));
    const memory = memoryStore(model, rows, reference);
    const asked: string[] = [];
    memory.store.labelledRows = async (asOfRowId) => {
      asked.push(asOfRowId);
      return rows.filter((row) => row.label !== undefined && row.id <= Number(asOfRowId)).length;
    };
    expect(await check(memory.store, model)).toMatchObject({ outcome: 'checked', labelledRows: 142 });
    expect(asked).toEqual(['425']);
    // Another attempt of the same check stored its report first, at an earlier horizon: that report's rows are counted.
    memory.rows.push(...dailyRows(2000, '2024-03-01', 5, 3));
    const insert = memory.store.insertReport;
    memory.store.insertReport = async (report) => ({ ...(await insert(report)), asOfRowId: '400' });
    asked.length = 0;
    expect(await check(memory.store, model)).toMatchObject({ outcome: 'checked', labelledRows: 134 });
    expect(asked).toEqual(['2004', '400']);
  });

  it('returns a bounded summary of a model with 10,000 features, far below Temporal\'s 2 MB payload limit', async () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `feature_${String(i).padStart(5, '0')}`);
    const model = parseModelConfig(`
model: wide
task: binary_classification
label: label
performance: null
monitoring: { window: auto, windowRows: 30, minRows: 30 }
features:
${names.map((name) => `  - { name: ${name}, kind: numeric }`).join('\n')}
`, '<wide>');
    const rng = createRng(5);
    // The second half of the features moves far out of its range in the window.
    const wideRows = (firstId: number, count: number, shift: number): Row[] => Array.from({ length: count }, (_, i) => ({
      id: firstId + i, time: Date.parse('2024-01-01') + (firstId + i) * DAY,
      features: Object.fromEntries(names.map((name, f) => [name, rng() + (f >= 5_000 ? shift : 0)])),
    }));
    const reference = wideRows(1, 60, 0);
    const { store, reports } = memoryStore(model, [...reference, ...wideRows(61, 30, 3)], reference);
    const result = await runDriftCheck(store, model, { source: 'test', checkedAt: '2025-01-01T00:00:00Z', checkId: 'monitor-wide/run/1' });

    const size = JSON.stringify(result).length;
    expect(size).toBeLessThan(50_000);
    expect(result.features).toHaveLength(FEATURES_IN_RESULT);
    expect(result.features.every((f) => f.drifted)).toBe(true);
    const drifted = reports[0]!.features.filter((f) => f.drifted).map((f) => f.feature);
    expect(drifted.length).toBeGreaterThanOrEqual(5_000);
    expect(result.featureCounts).toEqual({ total: 10_000, drifted: drifted.length, byStatus: { ok: 10_000 } });
    expect(drifted.every((name) => mayHold(result.driftSignature!, name))).toBe(true);
    expect(result.reasons.join('\n')).toMatch(/of 10000 features drifted .* and \d+ more/);
  }, 60_000);

  it('compares with the same span one period earlier (seasonal), and falls back to the training window without such history', async () => {
    const model = config('monitoring: { window: 30d }\nreference: { mode: seasonal, period: 365d }');
    const history = dailyRows(1, '2022-01-01', 730, 1);
    // The window is shifted by 0.6 against every year: the seasonal reference sees it.
    const { store, reports } = memoryStore(model, [...history, ...dailyRows(800, '2024-01-01', 40, 2, 0.6)], history.slice(0, 365));
    const seasonal = await check(store, model);
    expect(reports[0]?.reference).toMatchObject({ mode: 'seasonal', rows: 30 });
    expect(seasonal.features.find((f) => f.feature === 'x')?.drifted).toBe(true);

    // 380 days: one period before the window holds only the first 14 days.
    const young = memoryStore(model, [...dailyRows(1, '2024-01-01', 380, 4)], dailyRows(1, '2024-01-01', 300, 4));
    const fallback = await check(young.store, model);
    expect(young.reports[0]?.reference.mode).toBe('training');
    expect(fallback.reasons.join('\n')).toContain("compared with the champion's training window instead");
  });

  it('learns a seasonal reference\'s thresholds year over year: quiet on an ordinary year, drift on a moderate shift', async () => {
    const model = config('reference: { mode: seasonal, period: 365d }');
    /** x follows the season (amplitude 1) with noise; y does not. */
    const seasonalRows = (firstId: number, start: string, days: number, seed: number, shift = 0): Row[] => {
      const rng = createRng(seed);
      return Array.from({ length: days }, (_, i) => {
        const time = Date.parse(start) + i * DAY;
        const season = Math.sin((2 * Math.PI * (time - Date.parse('2022-01-01'))) / (365 * DAY));
        return { id: firstId + i, time, features: { x: season + 0.3 * (rng() - 0.5) + shift, y: rng() * 2 } };
      });
    };
    const history = seasonalRows(1, '2022-01-01', 730, 1);
    const profile = buildReferenceProfile(model.features, tableFromRows(history.map((r) => r.features), ['x', 'y']), {
      chunkRows: 90, seasonalPeriodMs: 365 * DAY, eventTimesMs: history.map((r) => r.time),
    });
    expect(profile.seasonal).toMatchObject({ periodMs: 365 * DAY, chunkCount: 20 });

    const ordinary = memoryStore(model, [...history, ...seasonalRows(731, '2024-01-01', 120, 2)], history, { profile });
    const quiet = await check(ordinary.store, model);
    expect(quiet.verdict).toBe('no_drift');
    const x = quiet.features.find((f) => f.feature === 'x')!;
    expect(x.drifted).toBe(false);
    // The floor learned from year-over-year chunks, above the constant 0.1.
    expect(x.effectSizeFloor).toBeGreaterThan(0.1);
    expect(quiet.reasons.join('\n')).toContain('thresholds learned year over year: 20 window-sized chunks of champion v1\'s training window');

    const shifted = memoryStore(model, [...history, ...seasonalRows(731, '2024-01-01', 120, 2, 0.25)], history, { profile });
    const drift = await check(shifted.store, model);
    expect(drift.features.find((f) => f.feature === 'x')?.drifted).toBe(true);
    expect(drift.verdict).toBe('drift');

    // Out-of-range is measured against the champion's whole training window, not the 90 values of a year ago:
    // an ordinary season stays inside it, a unit change leaves it in its first window.
    expect(quiet.features.find((f) => f.feature === 'x')!.outOfRangeShare).toBe(0);
    const unitChange = seasonalRows(731, '2024-01-01', 120, 2).map((row, i) => (i < 90 ? row : { ...row, features: { ...row.features, x: Number(row.features.x) * 1.8 + 32 } }));
    const changed = memoryStore(model, [...history, ...unitChange], history, { profile });
    const caught = (await check(changed.store, model)).features.find((f) => f.feature === 'x')!;
    expect(caught).toMatchObject({ drifted: true });
    expect(caught.outOfRangeShare).toBeCloseTo(30 / 90, 12);

    // auto, the default: the seasonal reference where the champion learned year-over-year thresholds, else the training window.
    const auto = config('');
    expect(auto.reference.mode).toBe('auto');
    const automatic = memoryStore(auto, [...history, ...seasonalRows(731, '2024-01-01', 120, 2, 0.25)], history, { profile });
    expect((await check(automatic.store, auto)).verdict).toBe('drift');
    expect(automatic.reports[0]?.reference).toMatchObject({ mode: 'seasonal', rows: 90 });
    const withoutYearOverYear = memoryStore(auto, [...history, ...seasonalRows(731, '2024-01-01', 120, 2)], history);
    await check(withoutYearOverYear.store, auto);
    expect(withoutYearOverYear.reports[0]?.reference.mode).toBe('training');

    // Without year-over-year chunks (a training window shorter than a period plus a window), constant thresholds, said.
    const short = memoryStore(model, [...history, ...seasonalRows(731, '2024-01-01', 120, 2)], history.slice(365));
    expect((await check(short.store, model)).reasons.join('\n')).toContain('constant thresholds: champion v1\'s training window holds no year-over-year chunks');
  });

  describe('realized performance on labelled rows', () => {
    /** x uniform; the label is 1 when x > 0.5 (10% flipped), or the opposite once the concept has turned. */
    const labelled = (firstId: number, start: string, days: number, seed: number, turned = false): Row[] => {
      const rng = createRng(seed + 100);
      return dailyRows(firstId, start, days, seed).map((row) => {
        const label = (Number(row.features.x) > 0.5) !== turned ? 1 : 0;
        return { ...row, label: rng() < 0.1 ? 1 - label : label };
      });
    };
    const referenceOf = (model: ModelConfig, rows: Row[]) => learnPerformanceReference(
      'binary_classification', rows.length, { chunkRows: 90 }, { k: 3, minRows: 30 },
      async (start, end) => ({
        task: 'binary_classification', labels: rows.slice(start, end).map((r) => r.label!),
        predictions: await championOfX(rows.slice(start, end).map((r) => r.features)),
      }),
    );

    it('says drift when the concept turned although no feature moved, and why', async () => {
      const model = config('');
      const reference = labelled(1, '2022-09-01', 500, 1);
      const performance = await referenceOf(model, reference);
      expect(performance).toMatchObject({ metric: 'log_loss', chunkRows: 90, chunks: 20 });
      const { store, reports } = memoryStore(model, [...reference, ...labelled(501, '2024-01-01', 120, 2, true)], reference, { performance });
      const result = await check(store, model);
      expect(result).toMatchObject({ verdict: 'drift', datasetDrift: false, performance: { status: 'degraded', labelledRows: 90 } });
      expect(result.performance!.degraded).toContain('loss');
      expect(result.performance!.loss!).toBeGreaterThan(result.performance!.lossUpper!);
      expect(result.reasons.join('\n')).toMatch(/performance degraded \(loss.*\): log_loss [0-9.]+ on 90 labelled rows \(reference at most [0-9.]+: mean/);
      expect(reports[0]).toMatchObject({ verdict: 'drift', datasetDrift: false, performance: { status: 'degraded' } });
    });

    it('stays quiet while the concept holds, and says when it cannot check', async () => {
      const model = config('');
      const reference = labelled(1, '2022-09-01', 500, 1);
      const performance = await referenceOf(model, reference);
      const same = memoryStore(model, [...reference, ...labelled(501, '2024-01-01', 120, 2)], reference, { performance });
      expect(await check(same.store, model)).toMatchObject({ verdict: 'no_drift', performance: { status: 'ok', degraded: [] } });

      const unlabelled = memoryStore(model, [...reference.map(({ label: _label, ...row }) => row), ...dailyRows(501, '2024-01-01', 120, 2)], reference, { performance });
      const blind = await check(unlabelled.store, model);
      expect(blind).toMatchObject({ verdict: 'no_drift', performance: { status: 'insufficient_labels', labelledRows: 0 } });

      const old = memoryStore(model, [...reference, ...labelled(501, '2024-01-01', 120, 2, true)], reference);
      expect((await check(old.store, model)).performance).toMatchObject({ status: 'no_reference' });
      expect((await check(old.store, model)).verdict).not.toBe('drift');
    });

    it('is off with performance: null', async () => {
      const model = config('performance: null');
      const reference = labelled(1, '2022-09-01', 500, 1);
      const { store } = memoryStore(model, [...reference, ...labelled(501, '2024-01-01', 120, 2, true)], reference, { performance: await referenceOf(model, reference) });
      expect(await check(store, model)).toMatchObject({ verdict: 'no_drift', performance: null });
    });
  });
});
