/**
 * `npm run bench:drift [-- --quick]`: driftwatch's drift comparison timed against Python peers on the
 * same data in the same run, printed as ratios. See bench/README.md for what is measured and how to
 * read it. Timings are reported, never asserted: this is not a test.
 *
 * The orchestrator (no --child) runs every measurement in its own process, one after the other, so
 * that each peak RSS belongs to one measurement and no two measurements share the 2 cores:
 *   1. bench/drift_peers.py generate   each scenario's columns as little-endian float64 files
 *   2. --child profile                 buildReferenceProfile from the reference columns, written as JSON
 *   3. --child columnar (twice)        compareToReference on a Float64Array table, once with the default
 *                                      profile (a reference sample) and once with the whole reference
 *   4. --child monitor                 as runDriftCheck (the computeDrift activity) does it: one call per
 *                                      feature on its Float64Array column, with that feature's stored sorted
 *                                      values only (the profile as the registry detaches them)
 *   5. drift_peers.py scipy, then drift_peers.py evidently
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { sourceState } from './source-state';
import { performance } from 'node:perf_hooks';
import {
  buildReferenceProfile,
  compareToReference,
  correctPValueThresholds,
  DEFAULT_DRIFT_OPTIONS,
  type FeatureDriftResult,
  type FeatureReference,
  type FeatureSpec,
  type FeatureTable,
  type ReferenceProfile,
} from '../src/drift';
import { float64Bytes } from '../src/drift/columns';

const ROOT = path.resolve(__dirname, '..');
const PYTHON = path.join(ROOT, '.tools', 'py', 'bin', 'python');
const PEERS = path.join(__dirname, 'drift_peers.py');
const MIB = 1024 * 1024;

interface Scenario {
  name: string;
  nRef: number;
  nCur: number;
  features: number;
  repeats: number;
}

const SCENARIOS: Record<string, Scenario> = {
  quick: { name: 'quick', nRef: 10_000, nCur: 10_000, features: 10, repeats: 5 },
  A: { name: 'A', nRef: 100_000, nCur: 100_000, features: 50, repeats: 3 },
  B: { name: 'B', nRef: 1_000_000, nCur: 1_000_000, features: 10, repeats: 2 },
};

interface ScenarioMeta {
  nRef: number;
  nCur: number;
  nFeatures: number;
  seed: number;
  features: { name: string; distribution: string; drifted: boolean; shift: number }[];
}

interface ProfileResult {
  defaultSeconds: number;
  fullSeconds: number;
  sampleSize: number;
  /** Whether the default profile holds the whole reference (it has no more rows than the sample limit). */
  complete: boolean;
  peakRssBytes: number;
}

/** One driftwatch measurement: the best (shortest) of the repeated runs and its per-feature results. */
interface DriftwatchResult {
  label: string;
  seconds: number;
  allSeconds: number[];
  ksMethods: string[];
  pValues: number[];
  statistics: number[];
  psi: number[];
  peakRssBytes: number;
  /** Self time per function over one more, profiled run. */
  cpuProfile?: { total: number; top: { name: string; ms: number }[]; byStep: Record<string, number> };
}

interface PeerResult {
  peer: string;
  versions: Record<string, string>;
  seconds: number;
  allSeconds?: number[];
  phases?: Record<string, number>;
  ksMethod: string;
  pValues: (number | null)[];
  statistics?: number[];
  psi: (number | null)[];
  peakRssBytes: number;
  blas: Record<string, unknown>[];
}

type Outcome<T> = { ok: true; result: T; predictedSeconds?: number } | { ok: false; reason: string };

// ---------------------------------------------------------------------------------------------
// Children: the measurements themselves.

/**
 * The first `count` values of each column. A warm-up reads only those: a whole second copy of the data, kept
 * alive by the warm-up's closure, would count in the measurement's peak RSS.
 */
function readColumns(file: string, columns: number, length: number, count = length): Float64Array[] {
  if (os.endianness() !== 'LE') throw new Error('the benchmark data is little-endian float64; this host is big-endian');
  if (count < length) {
    const descriptor = fs.openSync(file, 'r');
    try {
      return Array.from({ length: columns }, (_, k) => {
        const values = new Float64Array(count);
        fs.readSync(descriptor, new Uint8Array(values.buffer), 0, count * 8, k * length * 8);
        return values;
      });
    } finally {
      fs.closeSync(descriptor);
    }
  }
  const bytes = fs.readFileSync(file);
  if (bytes.byteLength !== columns * length * 8) {
    throw new Error(`${file}: expected ${columns * length * 8} bytes, found ${bytes.byteLength}`);
  }
  // A Buffer may start at any offset of its ArrayBuffer; a Float64Array view needs 8-byte alignment.
  const all =
    bytes.byteOffset % 8 === 0
      ? new Float64Array(bytes.buffer, bytes.byteOffset, columns * length)
      : new Float64Array(new Uint8Array(bytes).buffer);
  return Array.from({ length: columns }, (_, k) => all.subarray(k * length, (k + 1) * length));
}

function readMeta(dir: string): ScenarioMeta {
  return JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as ScenarioMeta;
}

/** The reference or current columns of a scenario as a FeatureTable of Float64Arrays (driftwatch's fast path). */
function loadTable(dir: string, side: 'ref' | 'cur', meta: ScenarioMeta, rows?: number): FeatureTable {
  const length = side === 'ref' ? meta.nRef : meta.nCur;
  const count = Math.min(rows ?? length, length);
  const columns = readColumns(path.join(dir, `${side}.f64`), meta.nFeatures, length, count);
  return {
    rowCount: count,
    columns: Object.fromEntries(meta.features.map((feature, k) => [feature.name, (columns[k] as Float64Array).subarray(0, count)])),
  };
}

/** Every feature tested with KS (the default for large references is a distance); PSI comes with every measured result. */
function specsOf(meta: ScenarioMeta): FeatureSpec[] {
  return meta.features.map((feature) => ({ name: feature.name, kind: 'numeric', drift: { test: 'ks' } }));
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024; // KiB on Linux
}

function readProfile(file: string): ReferenceProfile {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ReferenceProfile;
}

function childProfile(dir: string, out: string, defaultOut: string, fullOut: string): void {
  const meta = readMeta(dir);
  const specs = specsOf(meta);
  buildReferenceProfile(specs, loadTable(dir, 'ref', meta, 2000)); // warm-up: JIT, not the measurement
  const reference = loadTable(dir, 'ref', meta);
  let started = performance.now();
  const defaultProfile = buildReferenceProfile(specs, reference);
  const defaultSeconds = seconds(started);
  fs.writeFileSync(defaultOut, JSON.stringify(defaultProfile));
  writeDetached(defaultOut, defaultProfile);
  started = performance.now();
  const fullProfile = buildReferenceProfile(specs, reference, { sampleLimit: meta.nRef });
  const fullSeconds = seconds(started);
  fs.writeFileSync(fullOut, JSON.stringify(fullProfile));
  const first = defaultProfile.features[specs[0]!.name];
  const sampleSize = first?.kind === 'numeric' ? float64Bytes(first.sortedValues).length / 8 : NaN;
  const complete = first?.kind === 'numeric' && first.complete;
  const result: ProfileResult = { defaultSeconds, fullSeconds, sampleSize, complete, peakRssBytes: peakRssBytes() };
  fs.writeFileSync(out, JSON.stringify(result));
}

function summarizeResults(results: FeatureDriftResult[]): Pick<DriftwatchResult, 'ksMethods' | 'pValues' | 'statistics' | 'psi'> {
  const notMeasured = results.filter((result) => !result.measured || result.score === null || result.psi === null);
  if (notMeasured.length > 0) {
    throw new Error(`not measured: ${notMeasured.map((r) => `${r.feature} (${r.status}: ${r.statusDetail})`).join('; ')}`);
  }
  return {
    ksMethods: results.map((result) => String(result.details.method ?? 'unreported')),
    pValues: results.map((result) => result.score as number),
    statistics: results.map((result) => Number(result.details.statistic)),
    psi: results.map((result) => result.psi as number),
  };
}

/** Best of `repeats` timed runs of `work`, after a warm-up run of `warmUp`. */
function timeRuns<T>(repeats: number, warmUp: () => unknown, work: () => T): { best: number; all: number[]; result: T } {
  warmUp();
  const all: number[] = [];
  let result: T | undefined;
  for (let run = 0; run < repeats; run++) {
    const started = performance.now();
    result = work();
    all.push(seconds(started));
  }
  if (result === undefined) throw new Error('repeats must be at least 1');
  return { best: Math.min(...all), all, result };
}

/** Functions whose subtrees are the measured work in a CPU profile (anything else is the profiler's own cost). */
const PROFILED_ENTRY_POINTS = new Set(['compareToReference']);

/** The step of a drift comparison a profiled function belongs to, from its name and file (src/drift as of this bench). */
function stepOf(functionName: string, url: string): string {
  const file = path.basename(url);
  if (functionName === 'sortedCopy' || file === 'sort.ts') return 'copy + sort the window column';
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (file === 'ks.ts' || file === 'kolmogorov.ts') return 'KS (checks, D merge, p-value)';
  if (file === 'binning.ts' || file === 'psi.ts' || functionName === 'binnedShares' || functionName === 'psi') return 'PSI (bins, shares, sum)';
  if (functionName === 'decodeFloat64' || url === 'node:buffer' || functionName === 'base64Write') return 'decode the stored reference (base64)';
  if (functionName === 'readFloat64Column' || functionName === 'readNumericColumn') return 'read the window column (null/finite checks, copy)';
  return 'other';
}

/**
 * Self time per function over one more run of `work` under the in-process CPU sampling profiler, largest
 * first. Only samples inside compareToReference count, and garbage collection.
 */
async function profileRun(work: () => unknown): Promise<DriftwatchResult['cpuProfile']> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    work();
    const { profile } = await session.post('Profiler.stop');
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const measured = (id: number): boolean => {
      if (byId.get(id)?.callFrame.functionName === '(garbage collector)') return true;
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        if (PROFILED_ENTRY_POINTS.has(byId.get(at)?.callFrame.functionName ?? '')) return true;
      }
      return false;
    };
    const selfMicros = new Map<string, number>();
    const stepMicros = new Map<string, number>();
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    let total = 0;
    for (let i = 0; i < samples.length; i++) {
      const id = samples[i] as number;
      const frame = byId.get(id)?.callFrame;
      if (!frame || !measured(id)) continue;
      // Line numbers are those of tsx's transpiled output, so only the file is named.
      const where = frame.url ? ` (${path.relative(ROOT, frame.url.replace(/^file:\/\//, ''))})` : '';
      const name = `${frame.functionName || '(anonymous)'}${where}`;
      const delta = Math.max(0, deltas[i] ?? 0);
      selfMicros.set(name, (selfMicros.get(name) ?? 0) + delta);
      const step = stepOf(frame.functionName, frame.url);
      stepMicros.set(step, (stepMicros.get(step) ?? 0) + delta);
      total += delta;
    }
    const top = [...selfMicros]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([name, micros]) => ({ name, ms: micros / 1000 }));
    const byStep = Object.fromEntries([...stepMicros].sort((a, b) => b[1] - a[1]).map(([step, micros]) => [step, micros / 1000]));
    return { total: total / 1000, top, byStep };
  } finally {
    session.disconnect();
  }
}

/** compareToReference on a table of Float64Array columns: the columnar path. */
async function childColumnar(dir: string, out: string, profileFile: string, repeats: number, label: string): Promise<void> {
  const meta = readMeta(dir);
  const specs = specsOf(meta);
  // The profile as the monitor gets it: parsed from the stored JSON.
  const profile = readProfile(profileFile);
  const warmUpWindow = loadTable(dir, 'cur', meta, 2000);
  const window = loadTable(dir, 'cur', meta);
  const runs = timeRuns(
    repeats,
    () => compareToReference(profile, specs, warmUpWindow),
    () => compareToReference(profile, specs, window),
  );
  const cpuProfile = await profileRun(() => compareToReference(profile, specs, window));
  const result: DriftwatchResult = {
    label,
    seconds: runs.best,
    allSeconds: runs.all,
    ...summarizeResults(runs.result),
    peakRssBytes: peakRssBytes(),
    cpuProfile,
  };
  fs.writeFileSync(out, JSON.stringify(result));
}

/**
 * The profile as the registry stores it (src/store/registry.ts): the JSON without the numeric features'
 * sorted values, which go to reference_values, here one raw little-endian float64 file per profile.
 */
function writeDetached(profileFile: string, profile: ReferenceProfile): void {
  const values: Buffer[] = [];
  const features: ReferenceProfile['features'] = {};
  for (const [name, reference] of Object.entries(profile.features)) {
    if (reference.kind !== 'numeric') throw new Error('the benchmark has numeric features only');
    values.push(float64Bytes(reference.sortedValues));
    features[name] = { ...reference, sortedValues: String(values.at(-1)!.length / 8) };
  }
  fs.writeFileSync(`${profileFile}.detached`, JSON.stringify({ ...profile, features }));
  fs.writeFileSync(`${profileFile}.values`, Buffer.concat(values));
}

/**
 * The monitor activity's loop as runDriftCheck runs it (src/monitoring/drift-check.ts): one compareToReference
 * call per feature on that feature's column as the store reads it, a Float64Array, with that feature's sorted
 * values put back into the profile as the store returns them (a Float64Array), then the p-value correction over all
 * features. The stored values are in memory before the timing starts, as the peers' reference arrays are.
 */
function childMonitor(dir: string, out: string, profileFile: string, repeats: number, label: string): void {
  const meta = readMeta(dir);
  const specs = specsOf(meta);
  const profile = readProfile(`${profileFile}.detached`);
  const stored = fs.readFileSync(`${profileFile}.values`);
  const storedValues = new Map<string, Buffer>();
  let offset = 0;
  for (const spec of specs) {
    const reference = profile.features[spec.name]!;
    const bytes = Number(reference.kind === 'numeric' ? reference.sortedValues : 0) * 8;
    storedValues.set(spec.name, stored.subarray(offset, offset + bytes));
    offset += bytes;
  }
  const warmUp = loadTable(dir, 'cur', meta, 2000);
  const window = loadTable(dir, 'cur', meta);
  const perFeature = (table: FeatureTable): FeatureDriftResult[] => {
    const results: FeatureDriftResult[] = [];
    for (const spec of specs) {
      // Copied into an array of their own, as the store's COPY reader writes them.
      const sortedValues = new Float64Array(new Uint8Array(storedValues.get(spec.name)!).buffer);
      const reference = { ...profile.features[spec.name]!, sortedValues } as FeatureReference;
      const featureProfile = { ...profile, features: { [spec.name]: reference } };
      const featureTable = { rowCount: table.rowCount, columns: { [spec.name]: table.columns[spec.name]! } };
      results.push(...compareToReference(featureProfile, [spec], featureTable, { correction: 'none' }));
    }
    return correctPValueThresholds(results, DEFAULT_DRIFT_OPTIONS.correction);
  };
  const runs = timeRuns(repeats, () => perFeature(warmUp), () => perFeature(window));
  const result: DriftwatchResult = {
    label,
    seconds: runs.best,
    allSeconds: runs.all,
    ...summarizeResults(runs.result),
    peakRssBytes: peakRssBytes(),
  };
  fs.writeFileSync(out, JSON.stringify(result));
}

// ---------------------------------------------------------------------------------------------
// Orchestrator.

interface Options {
  scenarios: Scenario[];
  evidently: boolean;
  budgetSeconds: number;
  evidentlyLimitSeconds: number;
  dataDir: string;
  repeats?: number;
}

const USAGE =
  'usage: npm run bench:drift -- [--quick] [--scenario quick|A|B]... [--no-evidently] [--repeats N]\n' +
  '                              [--budget-minutes 20] [--evidently-limit-minutes 10] [--data-dir .tools/bench-data]';

function parseOptions(argv: string[]): Options {
  const options: Options = {
    scenarios: [],
    evidently: true,
    budgetSeconds: 20 * 60,
    evidentlyLimitSeconds: 10 * 60,
    dataDir: path.join(ROOT, '.tools', 'bench-data'),
  };
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return next;
    };
    const positive = (): number => {
      const number = Number(value());
      if (!(number > 0)) throw new Error(`${arg} needs a positive number\n${USAGE}`);
      return number;
    };
    if (arg === '--quick') quick = true;
    else if (arg === '--scenario') {
      const name = value();
      const scenario = SCENARIOS[name];
      if (!scenario) throw new Error(`unknown scenario '${name}' (${Object.keys(SCENARIOS).join(', ')})`);
      options.scenarios.push(scenario);
    } else if (arg === '--no-evidently') options.evidently = false;
    else if (arg === '--budget-minutes') options.budgetSeconds = positive() * 60;
    else if (arg === '--evidently-limit-minutes') options.evidentlyLimitSeconds = positive() * 60;
    else if (arg === '--repeats') options.repeats = Math.ceil(positive());
    else if (arg === '--data-dir') options.dataDir = path.resolve(value());
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument '${arg}'\n${USAGE}`);
  }
  if (options.scenarios.length === 0) options.scenarios = quick ? [SCENARIOS.quick!] : [SCENARIOS.A!, SCENARIOS.B!];
  return options;
}

/** Python peers run without the OpenBLAS overrides this environment may set (they slow a current numpy). */
function pythonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DO_NOT_TRACK: '1', PYTHONUNBUFFERED: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** Runs a command with its output passed through; resolves to why it failed, or undefined. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutSeconds: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, Math.max(1, timeoutSeconds) * 1000);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve(`could not start ${command}: ${error.message}`);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) resolve(`stopped after ${fmtSeconds(timeoutSeconds)} (time budget)`);
      else if (code !== 0) resolve(`failed (${signal ?? `exit ${code}`})`);
      else resolve(undefined);
    });
  });
}

async function runChild<T>(args: string[], outFile: string, timeoutSeconds: number): Promise<Outcome<T>> {
  fs.rmSync(outFile, { force: true });
  // process.execArgv carries tsx's loader, so the child runs this same TypeScript file.
  const failed = await run(process.execPath, [...process.execArgv, __filename, '--child', ...args], process.env, timeoutSeconds);
  if (failed) return { ok: false, reason: failed };
  return { ok: true, result: JSON.parse(fs.readFileSync(outFile, 'utf8')) as T };
}

async function runPeer(which: string, args: string[], outFile: string, timeoutSeconds: number): Promise<Outcome<PeerResult>> {
  fs.rmSync(outFile, { force: true });
  const failed = await run(PYTHON, [PEERS, which, ...args], pythonEnv(), timeoutSeconds);
  if (failed) return { ok: false, reason: failed };
  return { ok: true, result: JSON.parse(fs.readFileSync(outFile, 'utf8')) as PeerResult };
}

/** Work of a drift comparison grows about as features × n·log n (the sorts). */
function workOf(meta: { nFeatures: number; nRef: number; nCur: number }): number {
  const n = meta.nRef + meta.nCur;
  return meta.nFeatures * n * Math.log2(n);
}

function fmtSeconds(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value < 0.01) return `${(value * 1000).toFixed(2)} ms`;
  if (value < 1) return `${(value * 1000).toFixed(0)} ms`;
  if (value < 120) return `${value.toFixed(2)} s`;
  return `${(value / 60).toFixed(1)} min`;
}

function fmtNumber(value: number): string {
  if (value === 0) return '0';
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 0.001 && Math.abs(value) < 1000 ? value.toPrecision(3) : value.toExponential(1);
}

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(0)} MiB`;
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, c) => Math.max(header.length, ...rows.map((row) => (row[c] ?? '').length)));
  const line = (cells: string[]): string => '  ' + cells.map((cell, c) => cell.padEnd(widths[c] as number)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** "asymp ×40, exact ×10" */
function tally(values: string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, count]) => `${value} ×${count}`).join(', ');
}

/** Largest |a − b| over features, with the feature it occurs at. */
function maxAbsDiff(a: readonly (number | null)[], b: readonly (number | null)[], names: string[]): { value: number; at: string } {
  let value = 0;
  let at = '-';
  for (let k = 0; k < names.length; k++) {
    const x = a[k];
    const y = b[k];
    if (x === null || x === undefined || y === null || y === undefined) return { value: NaN, at: `${names[k]} missing` };
    const diff = Math.abs(x - y);
    if (diff > value || Number.isNaN(diff)) {
      value = diff;
      at = names[k] as string;
    }
  }
  return { value, at };
}

/** Features whose verdict at p < alpha differs between a and b. */
function verdictFlips(a: readonly (number | null)[], b: readonly (number | null)[], alpha = 0.05): number[] {
  const flips: number[] = [];
  a.forEach((x, k) => {
    const y = b[k];
    if (x !== null && y !== null && y !== undefined && x < alpha !== y < alpha) flips.push(k);
  });
  return flips;
}

async function orchestrate(options: Options): Promise<void> {
  const began = performance.now();
  const remaining = (): number => options.budgetSeconds - seconds(began);
  const resultsDir = path.join(options.dataDir, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run bash scripts/setup-python-peers.sh`);

  const cpu = os.cpus();
  console.log(`driftwatch drift benchmark: ${cpu.length} cores (${cpu[0]?.model ?? 'unknown CPU'}), Node ${process.version}`);
  console.log(`src/drift at ${sourceState('src/drift')}`);
  console.log(`time budget ${fmtSeconds(options.budgetSeconds)}; Python peers run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset`);
  console.log(`${loadLine(0.7)}\n`);

  let evidentlyCalibration: { scenario: string; seconds: number; work: number } | undefined;
  for (const scenario of options.scenarios) {
    const dir = path.join(options.dataDir, scenario.name);
    const repeats = options.repeats ?? scenario.repeats;
    const generated = await run(
      PYTHON,
      [PEERS, 'generate', dir, '--ref', String(scenario.nRef), '--cur', String(scenario.nCur), '--features', String(scenario.features)],
      pythonEnv(),
      Math.max(60, remaining()),
    );
    if (generated) throw new Error(`generating scenario ${scenario.name}: ${generated}`);
    const meta = readMeta(dir);
    const names = meta.features.map((feature) => feature.name);
    const file = (what: string): string => path.join(resultsDir, `${scenario.name}-${what}.json`);
    const sizes = `${meta.nRef.toLocaleString('en')} reference × ${meta.nCur.toLocaleString('en')} current × ${meta.nFeatures} numeric features`;
    const drifted = meta.features.filter((feature) => feature.drifted).length;
    console.log(`== Scenario ${scenario.name}: ${sizes} (${drifted} shifted); best of ${repeats} runs, Evidently 1 run`);

    const profile = await runChild<ProfileResult>(
      ['profile', dir, file('profile-timing'), file('profile-default'), file('profile-full')],
      file('profile-timing'),
      remaining(),
    );
    if (!profile.ok) throw new Error(`driftwatch profile child ${profile.reason}`);
    const driftwatch: Outcome<DriftwatchResult>[] = [];
    const sampleSize = profile.result.sampleSize;
    const sample = profile.result.complete
      ? 'whole reference, under the sample limit'
      : `${sampleSize.toLocaleString('en')}-value reference sample`;
    for (const [mode, profileFile, label] of [
      ['columnar', 'profile-default', `driftwatch columnar, default profile (${sample})`],
      ['columnar', 'profile-full', 'driftwatch columnar, full-reference profile'],
      ['monitor', 'profile-default', 'driftwatch monitor loop: as computeDrift runs it, one feature at a time, default profile'],
    ] as const) {
      const out = file(`${mode}-${profileFile}`);
      driftwatch.push(await runChild<DriftwatchResult>([mode, dir, out, file(profileFile), String(repeats), label], out, remaining()));
    }

    const scipy = await runPeer('scipy', [dir, file('scipy'), '--repeats', String(repeats)], file('scipy'), remaining());

    let evidently: Outcome<PeerResult>;
    const limit = Math.min(options.evidentlyLimitSeconds, remaining() - 30);
    const predicted = evidentlyCalibration ? (evidentlyCalibration.seconds * workOf(meta)) / evidentlyCalibration.work : undefined;
    if (!options.evidently) evidently = { ok: false, reason: 'skipped (--no-evidently)' };
    else if (predicted !== undefined && predicted > limit) {
      evidently = { ok: false, reason: `skipped (predicted ${fmtSeconds(predicted)} from scenario ${evidentlyCalibration?.scenario}, limit ${fmtSeconds(limit)})` };
    } else if (limit <= 0) evidently = { ok: false, reason: 'skipped (time budget used up)' };
    else {
      evidently = await runPeer('evidently', [dir, file('evidently')], file('evidently'), limit);
      if (evidently.ok) {
        evidently.predictedSeconds = predicted;
        evidentlyCalibration ??= { scenario: scenario.name, seconds: evidently.result.seconds, work: workOf(meta) };
      }
    }
    report(names, profile.result, driftwatch, scipy, evidently);
  }
  // The benchmark itself keeps about one core busy.
  console.log(`total wall time ${fmtSeconds(seconds(began))}; ${loadLine(1.5)}`);
}

/** Other processes on the 2 cores skew every timing here: the load average says whether there were any. */
function loadLine(busyAbove: number): string {
  const load = os.loadavg().map((value) => value.toFixed(2)).join(' / ');
  const busy = (os.loadavg()[0] ?? 0) > busyAbove ? ' — the machine is busy, timings are skewed (rerun on an idle machine)' : '';
  return `load average (1/5/15 min) ${load}${busy}`;
}

function report(
  names: string[],
  profile: ProfileResult,
  driftwatchOutcomes: Outcome<DriftwatchResult>[],
  scipy: Outcome<PeerResult>,
  evidently: Outcome<PeerResult>,
): void {
  const driftwatch = driftwatchOutcomes.flatMap((outcome) => (outcome.ok ? [outcome.result] : []));
  for (const outcome of driftwatchOutcomes) if (!outcome.ok) console.log(`  a driftwatch measurement ${outcome.reason}`);

  console.log(
    `\n  reference profile, built once per champion (buildReferenceProfile on the Float64Array reference table):` +
      `\n    default (${profile.complete ? 'whole reference' : `${profile.sampleSize.toLocaleString('en')}-value sample`}) ${fmtSeconds(profile.defaultSeconds)},` +
      ` full reference ${fmtSeconds(profile.fullSeconds)}; peak RSS of that process ${mib(profile.peakRssBytes)}\n`,
  );

  const peers: [string, Outcome<PeerResult>][] = [
    ['scipy loop (ks_2samp + numpy PSI)', scipy],
    ['Evidently Report (DataDriftPreset ks + ValueDrift psi)', evidently],
  ];
  const runs = (all: number[]): string => all.map((s) => s.toFixed(3)).join(' ');
  console.log(
    table(
      ['compare the current window (KS + PSI per feature)', 'time', 'runs (s)', 'peak RSS', 'KS p-value method'],
      [
        ...driftwatch.map((dw) => [dw.label, fmtSeconds(dw.seconds), runs(dw.allSeconds), mib(dw.peakRssBytes), tally(dw.ksMethods)]),
        ...peers.map(([label, outcome]) =>
          outcome.ok
            ? [
                label,
                fmtSeconds(outcome.result.seconds),
                runs(outcome.result.allSeconds ?? [outcome.result.seconds]) +
                  (outcome.predictedSeconds !== undefined ? ` (predicted ${fmtSeconds(outcome.predictedSeconds)})` : ''),
                mib(outcome.result.peakRssBytes),
                outcome.result.ksMethod,
              ]
            : [label, outcome.reason, '', '', ''],
        ),
      ],
    ),
  );

  const ratio = (dw: number, outcome: Outcome<PeerResult>, target: number): string => {
    if (!outcome.ok) return 'n/a';
    const faster = outcome.result.seconds / dw;
    const speed = faster >= 1 ? `${faster.toFixed(1)}× faster` : `${(1 / faster).toFixed(1)}× slower`;
    return `${(dw / outcome.result.seconds).toFixed(3)}  ${speed}, ${faster >= target ? 'meets' : 'misses'} ≥${target}×`;
  };
  // Each side's peak RSS is its own process's: data, profile and work, nothing of the other side.
  const memoryRatio = (dw: DriftwatchResult): string => {
    if (!scipy.ok) return 'n/a';
    const share = dw.peakRssBytes / scipy.result.peakRssBytes;
    return `${share.toFixed(2)}  ${mib(dw.peakRssBytes)} vs ${mib(scipy.result.peakRssBytes)}, ${share <= 1 ? 'meets' : 'misses'} ≤1`;
  };
  console.log('');
  console.log(
    table(
      ['ratio driftwatch / peer', 'time vs scipy loop (target ≤ 0.333)', 'time vs Evidently (target ≤ 0.100)', 'peak RSS vs scipy loop (target ≤ 1)'],
      driftwatch.map((dw) => [dw.label, ratio(dw.seconds, scipy, 3), ratio(dw.seconds, evidently, 10), memoryRatio(dw)]),
    ),
  );

  if (scipy.ok) {
    const reference = scipy.result;
    const agreement = (label: string, result: { pValues: readonly (number | null)[]; statistics?: number[]; psi?: readonly (number | null)[] }): string[] => {
      const p = maxAbsDiff(result.pValues, reference.pValues, names);
      const d = result.statistics && reference.statistics ? maxAbsDiff(result.statistics, reference.statistics, names) : undefined;
      const psi = result.psi ? maxAbsDiff(result.psi, reference.psi, names) : undefined;
      return [
        label,
        `${fmtNumber(p.value)} (${p.at})`,
        String(verdictFlips(result.pValues, reference.pValues).length),
        d ? fmtNumber(d.value) : 'n/a',
        psi ? `${fmtNumber(psi.value)} (${psi.at})` : 'n/a (Sturges bins)',
      ];
    };
    console.log('');
    console.log(
      table(
        ['agreement with the scipy loop', 'max |p − p_scipy|', 'p<0.05 verdicts differing', 'max |D − D_scipy|', 'max |PSI − PSI_numpy|'],
        [
          ...driftwatch.map((dw) => agreement(dw.label, dw)),
          ...(evidently.ok ? [agreement('Evidently (calls ks_2samp itself)', { pValues: evidently.result.pValues })] : []),
        ],
      ),
    );
    for (const dw of driftwatch) {
      const flips = verdictFlips(dw.pValues, reference.pValues);
      if (flips.length === 0) continue;
      const shown = flips.map((k) => `${names[k]} p=${fmtNumber(dw.pValues[k] as number)} vs p_scipy=${fmtNumber(reference.pValues[k] as number)}`);
      console.log(`  verdicts differing, ${dw.label}: ${shown.join('; ')}`);
    }
  }

  console.log('\n  where the time goes');
  for (const dw of driftwatch) {
    if (dw.cpuProfile && dw.cpuProfile.total > 0) {
      const total = dw.cpuProfile.total;
      const share = (ms: number): string => `${((100 * ms) / total).toFixed(0)}%`;
      console.log(`    ${dw.label}, CPU profile of one more run (${fmtSeconds(total / 1000)} sampled, profiler overhead included):`);
      console.log(`      by step: ${Object.entries(dw.cpuProfile.byStep).map(([step, ms]) => `${step} ${share(ms)}`).join(', ')}`);
      console.log('      self time by function:');
      for (const { name, ms } of dw.cpuProfile.top) {
        console.log(`      ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${name}`);
      }
    }
  }
  if (scipy.ok && scipy.result.phases) {
    const phases = Object.entries(scipy.result.phases).map(([phase, value]) => `${phase} ${fmtSeconds(value)}`).join(', ');
    console.log(`    scipy loop: ${phases}`);
  }
  if (scipy.ok) {
    const versions = Object.entries(scipy.result.versions).map(([k, v]) => `${k} ${v}`);
    if (evidently.ok) versions.push(...Object.entries(evidently.result.versions).map(([k, v]) => `${k} ${v}`));
    const blas = scipy.result.blas.map((info) => `${String(info.internal_api)}/${String(info.architecture ?? '-')}`).join(', ');
    console.log(`  Python peers: ${versions.join(', ')}; BLAS kernels: ${blas}`);
  }
  console.log('');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const [, mode, dir, out, a, b, c] = argv;
    if (!mode || !dir || !out || !a || !b) throw new Error('usage: --child profile|columnar|monitor DIR OUT ...');
    if (mode === 'profile') childProfile(dir, out, a, b);
    else if (mode === 'columnar') await childColumnar(dir, out, a, Number(b), c ?? mode);
    else if (mode === 'monitor') childMonitor(dir, out, a, Number(b), c ?? mode);
    else throw new Error(`unknown child mode '${mode}'`);
    return;
  }
  await orchestrate(parseOptions(argv));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
