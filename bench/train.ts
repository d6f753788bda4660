/**
 * `npm run bench:train [-- --quick]`: training throughput (samples per second) of driftwatch's trainModel on
 * every TensorFlow.js backend that loads here, against the same network trained by PyTorch on CPU on the same
 * preprocessed matrix in the same run (bench/train_peers.py), printed as ratios, for two networks: the small
 * MLP driftwatch's tuning mostly trains (2 × 64) and a wide one (4 × 256) where arithmetic, not per-batch
 * overhead, dominates. See bench/README.md for what is timed. Timings are reported, never asserted: this is
 * not a test.
 *
 * The orchestrator (no --child) generates the data once and runs every measurement in its own process, one
 * after the other, so that no two measurements share the cores:
 *   1. the dataset: DIR/raw.f64 + category.u8 + label.u8 (the rows trainModel gets) and DIR/x.f32 + y.f32
 *      (the matrix trainModel's preprocessing makes of them, which PyTorch trains on), DIR/meta.json
 *   2. --child DIR OUT MODEL             trainModel with DRIFTWATCH_TF_BACKEND set, once per backend
 *   3. train_peers.py torch DIR --model MODEL --threads (cores), then --threads 1
 * steps 2 and 3 once per network (--models).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sourceState } from './source-state';
import { performance } from 'node:perf_hooks';
import {
  BACKEND_ENV_VAR,
  type BackendInfo,
  type BackendName,
  type FeatureInput,
  type Hyperparameters,
  type Preprocessor,
  fitPreprocessor,
  initTensorflow,
  predict,
  trainModel,
  transformRows,
} from '../src/training';
import { createRng } from '../src/tuning/random';

const ROOT = path.resolve(__dirname, '..');
const PYTHON = path.join(ROOT, '.tools', 'py', 'bin', 'python');
const PEERS = path.join(__dirname, 'train_peers.py');

/** src/training/backend.ts's order, fastest first; the ones that fail to load are reported and skipped. */
const BACKENDS: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

interface Scenario {
  name: string;
  rows: number;
  /** Epoch 1 is the warm-up; the others are timed. */
  epochs: number;
  repeats: number;
}

/** The networks measured; a backend listed in `skip` is left out for that network, with the reason printed. */
interface Network {
  name: string;
  label: string;
  hiddenLayers: number;
  hiddenUnits: number;
  skip: Partial<Record<BackendName, string>>;
}

const NETWORKS: readonly Network[] = [
  { name: 'mlp', label: 'MLP 2 × 64', hiddenLayers: 2, hiddenUnits: 64, skip: {} },
  {
    name: 'wide',
    label: 'wide MLP 4 × 256',
    hiddenLayers: 4,
    hiddenUnits: 256,
    // Measured at about 300 samples/s: 2 minutes of the quick run, an hour and a half of the full one.
    skip: { cpu: 'skipped: the plain-JavaScript backend trains this network at about 300 samples/s (the full run would take 1.5 hours)' },
  },
];

const SCENARIOS: Record<'quick' | 'full', Scenario> = {
  quick: { name: 'quick', rows: 10_000, epochs: 3, repeats: 1 },
  full: { name: 'full', rows: 50_000, epochs: 11, repeats: 3 },
};

const NUMERIC_FEATURES = 20;
/** Effect of each category on the label's log-odds, and how often it occurs (unequal, as real categories are). */
const CATEGORY_EFFECTS = [-1, -0.5, 0, 0.3, 0.6, 1, -0.2, 0.4];
const CATEGORY_WEIGHTS = [0.3, 0.2, 0.15, 0.1, 0.1, 0.07, 0.05, 0.03];
const DATA_SEED = 20_251_127;
const TRAIN_SEED = 7;

const FEATURES: FeatureInput[] = [
  ...Array.from({ length: NUMERIC_FEATURES }, (_, k): FeatureInput => ({ name: `x${k}`, kind: 'numeric' })),
  { name: 'segment', kind: 'categorical' },
];

function hyperparametersFor(scenario: Scenario, network: Network): Hyperparameters {
  const { hiddenLayers, hiddenUnits } = network;
  return { hiddenLayers, hiddenUnits, learningRate: 1e-3, epochs: scenario.epochs, batchSize: 256, dropout: 0.1, l2: 1e-4 };
}

interface Dataset {
  rows: number;
  /** Row-major rows × NUMERIC_FEATURES, in raw units (offsets and scales differ, so standardisation matters). */
  numeric: Float64Array;
  category: Uint8Array;
  label: Uint8Array;
}

interface DatasetMeta {
  rows: number;
  /** Columns of the preprocessed matrix: the numeric features, standardised, then one-hot categories. */
  width: number;
  positiveShare: number;
  seed: number;
  /** By network name. */
  hyperparameters: Record<string, Hyperparameters>;
  repeats: number;
  preprocessor: Preprocessor;
}

/** One trainModel (or PyTorch) run; epoch 1 is the warm-up and is not timed. */
interface TrainingRun {
  samplesPerSecond: number;
  /** Seconds from the end of epoch 1 to the end of the last epoch. */
  timedSeconds: number;
  /** CPU time of the process (all its threads) over the same span: less skewed than wall time on a busy machine. */
  timedCpuSeconds: number;
  /** The whole call: trainModel includes preprocessing, the warm-up epoch and serialising the model. */
  wallSeconds: number;
  epochSeconds: number[];
  losses: number[];
}

interface TrainingResult {
  threads: string;
  versions: Record<string, string>;
  initSeconds?: number;
  runs: TrainingRun[];
  /** Share of training rows classified right at a 0.5 threshold, by the last run's model. */
  trainAccuracy: number;
  peakRssBytes: number;
}

type Outcome = { ok: true; result: TrainingResult } | { ok: false; reason: string };

// ---------------------------------------------------------------------------------------------
// Data: generated once per run, from a fixed seed, and read by both sides.

function generateDataset(rows: number, seed: number): Dataset {
  const random = createRng(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const numeric = new Float64Array(rows * NUMERIC_FEATURES);
  const category = new Uint8Array(rows);
  const label = new Uint8Array(rows);
  for (let row = 0; row < rows; row++) {
    const z = Array.from({ length: NUMERIC_FEATURES }, normal);
    z.forEach((value, k) => (numeric[row * NUMERIC_FEATURES + k] = 10 * k - 50 + (1 + (k % 5)) * value));
    let draw = random();
    let c = 0;
    while (c < CATEGORY_WEIGHTS.length - 1 && draw >= (CATEGORY_WEIGHTS[c] as number)) draw -= CATEGORY_WEIGHTS[c++] as number;
    category[row] = c;
    const [z0 = 0, z1 = 0, z2 = 0, z3 = 0, z4 = 0, z5 = 0, z6 = 0] = z;
    // Interactions, a periodic term, curvature and a category effect: a linear model cannot fit this well.
    const logit =
      1.5 * z0 * z1 + 1.5 * Math.sin(2 * z2) + 0.75 * (z3 * z3 - 1) - (Math.abs(z4) - 0.8) + (z5 > 0 ? z6 : -z6) + (CATEGORY_EFFECTS[c] as number);
    label[row] = random() < 1 / (1 + Math.exp(-2 * logit)) ? 1 : 0;
  }
  return { rows, numeric, category, label };
}

/** The rows as trainModel gets them from PostgreSQL: one object per row, categories as strings. */
function rowsOf(dataset: Dataset): Record<string, unknown>[] {
  return Array.from({ length: dataset.rows }, (_, row) => {
    const record: Record<string, unknown> = { segment: `s${dataset.category[row]}` };
    for (let k = 0; k < NUMERIC_FEATURES; k++) record[`x${k}`] = dataset.numeric[row * NUMERIC_FEATURES + k];
    return record;
  });
}

function writeDataset(dir: string, scenario: Scenario, networks: readonly Network[]): DatasetMeta {
  if (os.endianness() !== 'LE') throw new Error('the benchmark data is little-endian; this host is big-endian');
  const dataset = generateDataset(scenario.rows, DATA_SEED);
  const rows = rowsOf(dataset);
  // trainModel with validationFraction 0 fits its preprocessor on all rows, so this is the matrix it trains on.
  const preprocessor = fitPreprocessor(FEATURES, rows);
  const matrix = transformRows(preprocessor, rows);
  fs.writeFileSync(path.join(dir, 'raw.f64'), dataset.numeric);
  fs.writeFileSync(path.join(dir, 'category.u8'), dataset.category);
  fs.writeFileSync(path.join(dir, 'label.u8'), dataset.label);
  fs.writeFileSync(path.join(dir, 'x.f32'), matrix);
  fs.writeFileSync(path.join(dir, 'y.f32'), Float32Array.from(dataset.label));
  const meta: DatasetMeta = {
    rows: dataset.rows,
    width: preprocessor.width,
    positiveShare: dataset.label.reduce((sum, value) => sum + value, 0) / dataset.rows,
    seed: TRAIN_SEED,
    hyperparameters: Object.fromEntries(networks.map((network) => [network.name, hyperparametersFor(scenario, network)])),
    repeats: scenario.repeats,
    preprocessor,
  };
  fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta));
  return meta;
}

function readDataset(dir: string, meta: DatasetMeta): Dataset {
  const bytes = fs.readFileSync(path.join(dir, 'raw.f64'));
  const numeric = new Float64Array(new Uint8Array(bytes).buffer); // copied: a Float64Array view needs 8-byte alignment
  const category = new Uint8Array(fs.readFileSync(path.join(dir, 'category.u8')));
  const label = new Uint8Array(fs.readFileSync(path.join(dir, 'label.u8')));
  if (numeric.length !== meta.rows * NUMERIC_FEATURES || category.length !== meta.rows || label.length !== meta.rows) {
    throw new Error(`${dir}: the data files do not match meta.json (${meta.rows} rows)`);
  }
  return { rows: meta.rows, numeric, category, label };
}

// ---------------------------------------------------------------------------------------------
// Child: trainModel on the backend DRIFTWATCH_TF_BACKEND names.

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

/** What the backend runs on: the wasm backend may use SIMD and threads, the others are fixed. */
async function threadsOf(backend: BackendInfo): Promise<string> {
  if (backend.name === 'cpu') return '1 (JavaScript)';
  if (backend.name !== 'wasm') return 'TensorFlow C library default';
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const { tf } = await initTensorflow();
  const simd = tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return `${wasm.getThreadsCount()}${(await simd) ? ', SIMD' : ''}`;
}

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

async function childTrain(dir: string, out: string, networkName: string): Promise<void> {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as DatasetMeta;
  const hyperparameters = meta.hyperparameters[networkName];
  if (!hyperparameters) throw new Error(`no network '${networkName}' in meta.json`);
  const initStarted = performance.now();
  let runtime;
  try {
    runtime = await initTensorflow();
  } catch (error) {
    fs.writeFileSync(out, JSON.stringify({ failure: error instanceof Error ? error.message : String(error) }));
    return;
  }
  const initSeconds = seconds(initStarted);
  const dataset = readDataset(dir, meta);
  const rows = rowsOf(dataset);
  const runs: TrainingRun[] = [];
  let lastArtifact;
  for (let repeat = 0; repeat < meta.repeats; repeat++) {
    const epochEnds: number[] = [];
    const epochEndCpu: number[] = [];
    const losses: number[] = [];
    const started = performance.now();
    const result = await trainModel({
      task: 'binary_classification',
      features: FEATURES,
      rows,
      labels: dataset.label,
      hyperparameters,
      seed: meta.seed,
      validationFraction: 0, // no early stopping: every run trains all epochs
      onEpoch: ({ loss }) => {
        epochEndCpu.push(cpuSeconds());
        epochEnds.push(performance.now());
        losses.push(loss);
      },
    });
    const wallSeconds = seconds(started);
    if (JSON.stringify(result.artifact.preprocessor) !== JSON.stringify(meta.preprocessor)) {
      throw new Error('trainModel preprocessed the rows differently from x.f32: the peers would not train on the same matrix');
    }
    if (epochEnds.length !== hyperparameters.epochs) throw new Error(`trained ${epochEnds.length} of ${hyperparameters.epochs} epochs`);
    const timedSeconds = ((epochEnds.at(-1) as number) - (epochEnds[0] as number)) / 1000;
    runs.push({
      samplesPerSecond: (meta.rows * (epochEnds.length - 1)) / timedSeconds,
      timedSeconds,
      timedCpuSeconds: (epochEndCpu.at(-1) as number) - (epochEndCpu[0] as number),
      wallSeconds,
      epochSeconds: epochEnds.map((end, epoch) => (end - (epoch === 0 ? started : (epochEnds[epoch - 1] as number))) / 1000),
      losses,
    });
    lastArtifact = result.artifact;
  }
  if (!lastArtifact) throw new Error('repeats must be at least 1');
  const probabilities = await predict(lastArtifact, rows);
  let correct = 0;
  probabilities.forEach((p, row) => {
    if ((p >= 0.5 ? 1 : 0) === dataset.label[row]) correct++;
  });
  const result: TrainingResult = {
    threads: await threadsOf(runtime.backend),
    versions: { 'tfjs-core': runtime.tf.version_core },
    initSeconds,
    runs,
    trainAccuracy: correct / meta.rows,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  fs.writeFileSync(out, JSON.stringify(result));
}

// ---------------------------------------------------------------------------------------------
// Orchestrator.

interface Options {
  scenario: Scenario;
  repeats?: number;
  epochs?: number;
  keepData: boolean;
  timeoutSeconds: number;
  networks: readonly Network[];
}

const USAGE =
  'usage: npm run bench:train -- [--quick] [--repeats N] [--epochs N (including the warm-up epoch)] [--keep-data]\n' +
  `                              [--networks ${NETWORKS.map(({ name }) => name).join(',')} (default: all)] [--timeout-minutes 20 (per measurement)]`;

function parseOptions(argv: string[]): Options {
  const options: Options = { scenario: SCENARIOS.full, keepData: false, timeoutSeconds: 20 * 60, networks: NETWORKS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const integer = (minimum: number): number => {
      const value = Number(argv[++i]);
      if (!(Number.isSafeInteger(value) && value >= minimum)) throw new Error(`${arg} needs an integer ≥ ${minimum}\n${USAGE}`);
      return value;
    };
    if (arg === '--quick') options.scenario = SCENARIOS.quick;
    else if (arg === '--repeats') options.repeats = integer(1);
    else if (arg === '--epochs') options.epochs = integer(2);
    else if (arg === '--keep-data') options.keepData = true;
    else if (arg === '--timeout-minutes') options.timeoutSeconds = integer(1) * 60;
    else if (arg === '--networks') {
      const names = (argv[++i] ?? '').split(',');
      options.networks = NETWORKS.filter(({ name }) => names.includes(name));
      const unknown = names.filter((name) => !NETWORKS.some((network) => network.name === name));
      if (unknown.length > 0 || options.networks.length === 0) {
        throw new Error(`--networks takes a comma-separated list of ${NETWORKS.map(({ name }) => name).join(', ')}\n${USAGE}`);
      }
    }
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument '${arg}'\n${USAGE}`);
  }
  return options;
}

/** Python peers run without the OpenBLAS overrides this environment may set, as in bench/drift.ts. */
function pythonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** Runs a command with stderr passed through; resolves to its stdout, or to why it failed. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutSeconds: number): Promise<{ stdout: string } | { failed: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutSeconds * 1000);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ failed: `could not start ${command}: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) resolve({ failed: `stopped after ${timeoutSeconds} s (--timeout-minutes)` });
      else if (code !== 0) resolve({ failed: `failed (${signal ?? `exit ${code}`})${stdout.trim() ? `: ${lastLine(stdout)}` : ''}` });
      else resolve({ stdout });
    });
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

async function measureBackend(backend: BackendName, network: Network, dir: string, timeoutSeconds: number): Promise<Outcome> {
  const skipped = network.skip[backend];
  if (skipped) return { ok: false, reason: skipped };
  const out = path.join(dir, `result-${network.name}-${backend}.json`);
  // process.execArgv carries tsx's loader, so the child runs this same TypeScript file.
  const env = { ...process.env, [BACKEND_ENV_VAR]: backend };
  const done = await run(process.execPath, [...process.execArgv, __filename, '--child', dir, out, network.name], env, timeoutSeconds);
  if ('failed' in done) return { ok: false, reason: done.failed };
  const result = JSON.parse(fs.readFileSync(out, 'utf8')) as TrainingResult | { failure: string };
  return 'failure' in result ? { ok: false, reason: `not available: ${result.failure}` } : { ok: true, result };
}

async function measureTorch(network: Network, dir: string, threads: number, timeoutSeconds: number): Promise<Outcome> {
  if (!fs.existsSync(PYTHON)) return { ok: false, reason: `${PYTHON} is missing: run bash scripts/setup-python-peers.sh` };
  const done = await run(PYTHON, [PEERS, 'torch', dir, '--model', network.name, '--threads', String(threads)], pythonEnv(), timeoutSeconds);
  if ('failed' in done) return { ok: false, reason: done.failed };
  return { ok: true, result: JSON.parse(lastLine(done.stdout)) as TrainingResult };
}

function best(result: TrainingResult): TrainingRun {
  return result.runs.reduce((a, b) => (b.samplesPerSecond > a.samplesPerSecond ? b : a));
}

function fmtRate(samplesPerSecond: number): string {
  return Math.round(samplesPerSecond).toLocaleString('en');
}

function ratio(side: TrainingResult, peer: Outcome): string {
  if (!peer.ok) return 'n/a';
  const value = best(side).samplesPerSecond / best(peer.result).samplesPerSecond;
  return `${value.toFixed(3)} (${value >= 1 ? `${value.toFixed(1)}× faster` : `${(1 / value).toFixed(1)}× slower`})`;
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, c) => Math.max(header.length, ...rows.map((row) => (row[c] ?? '').length)));
  const line = (cells: string[]): string => '  ' + cells.map((cell, c) => cell.padEnd(widths[c] as number)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Other processes on the cores skew every timing here: the load average says whether there were any. */
function loadLine(busyAbove: number): string {
  const load = os.loadavg().map((value) => value.toFixed(2)).join(' / ');
  const busy = (os.loadavg()[0] ?? 0) > busyAbove ? ' — the machine is busy, timings are skewed (rerun on an idle machine)' : '';
  return `load average (1/5/15 min) ${load}${busy}`;
}

async function orchestrate(options: Options): Promise<void> {
  const began = performance.now();
  const scenario: Scenario = {
    ...options.scenario,
    epochs: options.epochs ?? options.scenario.epochs,
    repeats: options.repeats ?? options.scenario.repeats,
  };
  const cores = os.cpus().length;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'driftwatch-bench-train-'));
  // Ctrl-C reaches the children too (same process group); the data would otherwise stay in the temp directory.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (!options.keepData) fs.rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  }
  try {
    const meta = writeDataset(dir, scenario, options.networks);
    console.log(`driftwatch training benchmark: ${cores} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}`);
    console.log(`src/training at ${sourceState('src/training')}`);
    console.log(
      `data: ${meta.rows.toLocaleString('en')} rows × (${NUMERIC_FEATURES} numeric + 1 categorical of ${CATEGORY_EFFECTS.length}) → ` +
        `${meta.width} model inputs, ${(100 * meta.positiveShare).toFixed(1)}% positive; in ${dir}`,
    );
    console.log(loadLine(0.7));

    const summaries: string[] = [];
    for (const network of options.networks) {
      const hp = meta.hyperparameters[network.name] as Hyperparameters;
      console.log(
        `\n${network.label}: ${hp.hiddenLayers} × ${hp.hiddenUnits} relu (heNormal), dropout ${hp.dropout}, L2 ${hp.l2}, sigmoid output, ` +
          `binary cross-entropy, Adam lr ${hp.learningRate}, batch ${hp.batchSize}; ${hp.epochs} epochs of which epoch 1 is ` +
          `the untimed warm-up; best of ${scenario.repeats} run${scenario.repeats === 1 ? '' : 's'}`,
      );
      const measurements: Measurement[] = [];
      for (const backend of BACKENDS) {
        const outcome = await measureBackend(backend, network, dir, options.timeoutSeconds);
        console.error(`[bench] ${network.name} ${backend}: ${outcome.ok ? `${fmtRate(best(outcome.result).samplesPerSecond)} samples/s` : outcome.reason}`);
        measurements.push({ label: `driftwatch ${backend}`, outcome, load: os.loadavg()[0] ?? 0 });
      }
      const torch = await measureTorch(network, dir, cores, options.timeoutSeconds);
      console.error(`[bench] ${network.name} PyTorch ${cores} threads: ${torch.ok ? `${fmtRate(best(torch.result).samplesPerSecond)} samples/s` : torch.reason}`);
      measurements.push({ label: `PyTorch CPU, ${cores} threads`, outcome: torch, load: os.loadavg()[0] ?? 0 });
      const torchSingle = cores > 1 ? await measureTorch(network, dir, 1, options.timeoutSeconds) : torch;
      if (cores > 1) {
        console.error(`[bench] ${network.name} PyTorch 1 thread: ${torchSingle.ok ? `${fmtRate(best(torchSingle.result).samplesPerSecond)} samples/s` : torchSingle.reason}`);
        measurements.push({ label: 'PyTorch CPU, 1 thread', outcome: torchSingle, load: os.loadavg()[0] ?? 0 });
      }
      report(measurements, torch, torchSingle, cores);
      summaries.push(summaryLine(network, measurements, torch, cores));
    }
    console.log(`\nbest driftwatch backend ÷ PyTorch CPU (${cores} threads), samples/s:`);
    for (const line of summaries) console.log(`  ${line}`);
    console.log(`\ntotal wall time ${seconds(began).toFixed(1)} s; ${loadLine(1.5)}`);
  } finally {
    if (options.keepData) console.log(`data kept in ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface Measurement {
  label: string;
  outcome: Outcome;
  load: number;
}

/** The fastest driftwatch backend of a network against PyTorch with every core: the number issue 12 sets a target for. */
function summaryLine(network: Network, measurements: Measurement[], torch: Outcome, cores: number): string {
  const driftwatch = measurements.flatMap(({ label, outcome }) => (outcome.ok && label.startsWith('driftwatch') ? [{ label, result: outcome.result }] : []));
  if (driftwatch.length === 0) return `${network.label}: no driftwatch backend trained`;
  const fastest = driftwatch.reduce((a, b) => (best(b.result).samplesPerSecond > best(a.result).samplesPerSecond ? b : a));
  const backend = fastest.label.replace('driftwatch ', '');
  const rate = fmtRate(best(fastest.result).samplesPerSecond);
  return `${network.label}: ${backend} ${rate} samples/s, ratio ${ratio(fastest.result, torch)} vs PyTorch ${cores} threads`;
}

function samplesPerCpuSecond(result: TrainingResult): string {
  const top = best(result);
  return fmtRate((top.samplesPerSecond * top.timedSeconds) / top.timedCpuSeconds);
}

function report(measurements: Measurement[], torch: Outcome, torchSingle: Outcome, cores: number): void {
  const measured = measurements.flatMap(({ label, outcome, load }) => (outcome.ok ? [{ label, result: outcome.result, load }] : []));
  const rows = measured.map(({ label, result, load }) => {
    const top = best(result);
    const driftwatch = label.startsWith('driftwatch');
    return [
      label,
      result.threads,
      fmtRate(top.samplesPerSecond),
      result.runs.map((run) => fmtRate(run.samplesPerSecond)).join(' '),
      driftwatch ? ratio(result, torch) : '',
      ...(cores > 1 ? [driftwatch ? ratio(result, torchSingle) : ''] : []),
      samplesPerCpuSecond(result),
      `${(top.losses[0] as number).toFixed(4)} → ${(top.losses.at(-1) as number).toFixed(4)}`,
      `${(100 * result.trainAccuracy).toFixed(1)}%`,
      load.toFixed(2),
    ];
  });
  console.log(
    table(
      [
        'trainer',
        'threads',
        'samples/s',
        'runs (samples/s)',
        `ratio vs PyTorch ${cores} threads`,
        ...(cores > 1 ? ['vs PyTorch 1 thread'] : []),
        'samples/CPU-s',
        'loss epoch 1 → last',
        'train acc.',
        'load 1 min',
      ],
      rows,
    ),
  );
  for (const { label, outcome } of measurements) if (!outcome.ok) console.log(`  ${label}: ${outcome.reason}`);
  console.log('  ratio = driftwatch samples/s ÷ PyTorch samples/s (best run of each; above 1 means driftwatch is faster)');
  console.log('  samples/CPU-s = samples per second of process CPU time (all threads) in the best run: less skewed by other load than samples/s');
  console.log('  loss = binary cross-entropy + L2 penalty, averaged over the epoch\'s batches with dropout on, as both report it');
  console.log('\n  outside the timed epochs (not in samples/s); driftwatch\'s first epoch time includes what trainModel does before training');
  for (const { label, result } of measured) {
    const top = best(result);
    const epochs = top.epochSeconds.map((s) => s.toFixed(2)).join(' ');
    const init = result.initSeconds === undefined ? '' : `backend init ${result.initSeconds.toFixed(2)} s; `;
    console.log(
      `    ${label}: ${init}whole call ${top.wallSeconds.toFixed(2)} s, of which timed epochs ${top.timedSeconds.toFixed(2)} s; ` +
        `epoch times (s) ${epochs}; peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
    );
  }
  const versions = measured.flatMap(({ result }) => Object.entries(result.versions));
  console.log(`  versions: ${[...new Map(versions)].map(([name, version]) => `${name} ${version}`).join(', ')}`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const [, dir, out, network] = argv;
    if (!dir || !out || !network) throw new Error('usage: --child DIR OUT NETWORK (the backend comes from DRIFTWATCH_TF_BACKEND)');
    await childTrain(dir, out, network);
    return;
  }
  await orchestrate(parseOptions(argv));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
