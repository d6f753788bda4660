import type * as TensorflowModule from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';

export type Tensorflow = typeof TensorflowModule;
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;

export interface BackendInfo {
  name: BackendName;
  package: string;
  /** The TensorFlow C library under a native backend, e.g. "2.21.0"; absent on wasm and cpu. */
  tensorflowVersion?: string;
  /** Where the ops run: "CPU", or "GPU" and the GPU's name. Absent in artifacts saved before it was recorded. */
  device?: string;
  /** Why faster backends were skipped, e.g. "tfjs-node-gpu: Cannot find module ...". */
  detail?: string;
}

export interface TensorflowRuntime {
  tf: Tensorflow;
  backend: BackendInfo;
}

export const BACKEND_ENV_VAR = 'DRIFTWATCH_TF_BACKEND';

/** Fastest first: auto mode takes the first that loads. */
const BACKEND_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

const BACKEND_PACKAGES: Readonly<Record<BackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs',
};

const MAX_REASON_LENGTH = 160;

// TensorFlow.js keeps one global engine per process, so the backend is chosen once and shared.
let initialisation: { preference: BackendPreference; runtime: Promise<TensorflowRuntime> } | undefined;
// Counts backend replacements, so a run can tell that the backend it started on was replaced under it.
let backendGeneration = 0;
let pendingReplacement: Promise<void> | undefined;

/**
 * Loads TensorFlow.js on the fastest backend available, or on the one forced by `preference`
 * (default: the DRIFTWATCH_TF_BACKEND environment variable, else 'auto'). Memoised per process;
 * asking for a different backend once one is loaded is an error. Waits for a crashed backend's
 * replacement (see withTensorflow) to finish.
 */
export async function initTensorflow(preference?: BackendPreference): Promise<TensorflowRuntime> {
  await pendingReplacement;
  return loadOnce(preference ?? backendFromEnvironment());
}

/** The backend crashed during this run (a WebAssembly trap) and was replaced by a fresh one: later runs are unaffected. */
export class BackendCrashError extends Error {
  constructor(readonly backend: BackendName, options: { cause: unknown }) {
    super(`the ${backend} TensorFlow.js backend crashed (${messageOf(options.cause)}) and was replaced by a fresh one`, options);
    this.name = 'BackendCrashError';
  }
}

/** Another run crashed the backend and it was replaced while this one used it: this run's tensors are gone, a retry is safe. */
export class BackendReplacedError extends Error {
  constructor(readonly backend: BackendName, options: { cause: unknown }) {
    super(`the ${backend} TensorFlow.js backend was replaced during this run after another run crashed it (here: ${messageOf(options.cause)})`, options);
    this.name = 'BackendReplacedError';
  }
}

/**
 * Runs `work` on the backend and keeps a crash in it from outliving the run. A WebAssembly trap
 * (an out-of-bounds access, `unreachable`, an Emscripten abort: all WebAssembly.RuntimeError) can
 * leave the WASM module's heap corrupt, after which every op of every later run traps too (issue
 * 10: one 999999 label broke every retrain on the worker until a restart). So after a trap the
 * engine is reset and the backend loaded again, a new WASM instance with a new heap, before the
 * error is thrown as BackendCrashError. Runs sharing the process lose their tensors with the old
 * backend and get BackendReplacedError.
 *
 * Replacing the backend in place rather than training in a worker thread or a child process:
 * tfjs-node's native binding does not load in a second thread, or takes over the first thread's
 * backend (tensorflow/tfjs #2079, #3463); a process per training would load TensorFlow and copy
 * the rows for every trial; and only the WASM backend has a heap that a run can corrupt without
 * taking the process down with it.
 */
export async function withTensorflow<T>(work: (runtime: TensorflowRuntime) => Promise<T>): Promise<T> {
  const runtime = await initTensorflow();
  const generation = backendGeneration;
  try {
    return await work(runtime);
  } catch (error) {
    if (isWebAssemblyTrap(error)) {
      // Runs that trapped on the same corrupt heap replace it once.
      if (generation === backendGeneration) replaceCrashedBackend(runtime.tf);
      await pendingReplacement;
      throw new BackendCrashError(runtime.backend.name, { cause: error });
    }
    if (generation !== backendGeneration) throw new BackendReplacedError(runtime.backend.name, { cause: error });
    throw error;
  }
}

/** V8 reports every trap, and Emscripten every abort, as a WebAssembly.RuntimeError, whose name is its own. */
function isWebAssemblyTrap(error: unknown): boolean {
  return error instanceof Error && error.name === 'RuntimeError';
}

function replaceCrashedBackend(tf: Tensorflow): void {
  const preference = initialisation?.preference ?? 'auto';
  const crashedBackend = tf.findBackend(tf.getBackend());
  if (crashedBackend) {
    // Resetting the engine disposes every variable and then the backend, and on a corrupt heap those
    // frees trap again and stop the reset half-way: the crashed instance's disposal becomes a no-op.
    Object.assign(crashedBackend, { disposeData: () => true, dispose: () => undefined });
    // Its disposal would also have removed its process listeners, which otherwise keep its heap alive.
    for (const { event, listener } of processListenersByBackend.get(crashedBackend) ?? []) processEvents.removeListener(event, listener);
  }
  tf.engine().reset();
  initialisation = undefined;
  backendGeneration += 1;
  // A failed load is not cached: the next initTensorflow tries again and says why it failed.
  const replacement: Promise<void> = loadOnce(preference).then(() => undefined, () => undefined).finally(() => {
    if (pendingReplacement === replacement) pendingReplacement = undefined;
  });
  pendingReplacement = replacement;
}

async function loadOnce(wanted: BackendPreference): Promise<TensorflowRuntime> {
  if (initialisation) {
    if (wanted === 'auto' || wanted === initialisation.preference) return initialisation.runtime;
    const loaded = await initialisation.runtime;
    if (loaded.backend.name === wanted) return loaded;
    throw new Error(`TensorFlow.js is already running on the ${loaded.backend.name} backend; cannot switch to ${wanted}`);
  }
  const runtime = wanted === 'auto' ? loadFastestBackend() : loadForcedBackend(wanted);
  initialisation = { preference: wanted, runtime };
  // A failed load is not cached, so the caller can retry or choose another backend.
  runtime.catch(() => {
    if (initialisation?.runtime === runtime) initialisation = undefined;
  });
  return runtime;
}

function backendFromEnvironment(): BackendPreference {
  const value = process.env[BACKEND_ENV_VAR]?.trim();
  if (!value) return 'auto';
  if (value === 'auto' || (BACKEND_ORDER as readonly string[]).includes(value)) return value as BackendPreference;
  throw new Error(`${BACKEND_ENV_VAR} must be one of auto, ${BACKEND_ORDER.join(', ')}; got "${value}"`);
}

async function loadFastestBackend(): Promise<TensorflowRuntime> {
  const skipped: string[] = [];
  for (const name of BACKEND_ORDER) {
    const attempt = await tryLoadBackend(name);
    if ('tf' in attempt) {
      const backend = settleGpuBackend(attempt.backend, 'auto');
      const reasons = [...skipped, ...(backend.detail ? [backend.detail] : [])];
      return { tf: attempt.tf, backend: reasons.length > 0 ? { ...backend, detail: reasons.join('; ') } : backend };
    }
    skipped.push(`${shortPackageName(name)}: ${attempt.failure}`);
  }
  throw new Error(`no TensorFlow.js backend could be loaded (${skipped.join('; ')})`);
}

async function loadForcedBackend(name: BackendName): Promise<TensorflowRuntime> {
  const attempt = await tryLoadBackend(name);
  if ('failure' in attempt) {
    throw new Error(`TensorFlow.js backend "${name}" was requested but ${BACKEND_PACKAGES[name]} failed: ${attempt.failure}`);
  }
  return { tf: attempt.tf, backend: settleGpuBackend(attempt.backend, 'forced') };
}

async function tryLoadBackend(name: BackendName): Promise<{ tf: Tensorflow; backend: BackendInfo } | { failure: string }> {
  let tf: Tensorflow;
  try {
    // The native packages re-export @tensorflow/tfjs with their backend registered; wasm is an add-on to it.
    tf = isNative(name) ? requireModule(BACKEND_PACKAGES[name]) : requireModule('@tensorflow/tfjs');
    if (name === 'wasm') requireModule(BACKEND_PACKAGES.wasm);
  } catch (error) {
    return { failure: shortReason(error) };
  }
  const tfjsBackendName = isNative(name) ? 'tensorflow' : name;
  const listenersBefore = new Set(processListeners().map(({ listener }) => listener));
  try {
    // setBackend reports a failed initialisation by resolving to false rather than throwing.
    const activated = await tf.setBackend(tfjsBackendName);
    await tf.ready();
    if (!activated || tf.getBackend() !== tfjsBackendName) return { failure: `could not activate "${tfjsBackendName}"` };
  } catch (error) {
    return { failure: shortReason(error) };
  }
  processListenersByBackend.set(tf.backend(), processListeners().filter(({ listener }) => !listenersBefore.has(listener)));
  const backend: BackendInfo = isNative(name)
    ? { name, package: BACKEND_PACKAGES[name], ...nativeRuntime((tf.backend() as unknown as { binding: NativeBinding }).binding, gpuNameFromNvidiaSmi) }
    : { name, package: BACKEND_PACKAGES[name], device: 'CPU' };
  return { tf, backend };
}

function isNative(name: BackendName): name is 'tensorflow-gpu' | 'tensorflow' {
  return name === 'tensorflow-gpu' || name === 'tensorflow';
}

function shortPackageName(name: BackendName): string {
  return BACKEND_PACKAGES[name].replace('@tensorflow/', '');
}

/** The part of tfjs-node's native binding (binding/tfjs_binding.cc) that says what TensorFlow runs on. */
export interface NativeBinding {
  /** TF_Version() of the TensorFlow C library the binding was linked against. */
  TF_Version: string;
  /** Whether TensorFlow listed a GPU device when the backend started (else its ops run on the CPU). */
  isUsingGpuDevice(): boolean;
}

/** The TensorFlow version and device of a native backend; `gpuName` names the GPU TensorFlow uses, or null. */
export function nativeRuntime(binding: NativeBinding, gpuName: () => string | null): { tensorflowVersion: string; device: string } {
  if (!binding.isUsingGpuDevice()) return { tensorflowVersion: binding.TF_Version, device: 'CPU' };
  const name = gpuName();
  return { tensorflowVersion: binding.TF_Version, device: name ? `GPU ${name}` : 'GPU' };
}

/**
 * tfjs-node-gpu runs on the CPU when TensorFlow sees no GPU (no driver, CUDA_VISIBLE_DEVICES empty,
 * CUDA libraries missing). Asked for by name, that is an error; in auto mode it is the tensorflow
 * backend on the CPU, said so in `detail`: its package cannot be swapped for tfjs-node once loaded,
 * as both register the one "tensorflow" backend of the process's engine.
 */
export function settleGpuBackend(backend: BackendInfo, mode: 'auto' | 'forced'): BackendInfo {
  if (backend.name !== 'tensorflow-gpu' || backend.device !== 'CPU') return backend;
  if (mode === 'forced') {
    throw new Error(
      `TensorFlow.js backend "tensorflow-gpu" was requested but TensorFlow ${backend.tensorflowVersion ?? '(version unknown)'} sees no GPU, and ` +
      `${backend.package} would run on the CPU: check the NVIDIA driver (nvidia-smi), CUDA_VISIBLE_DEVICES, and that ` +
      "the CUDA libraries are installed (bash scripts/setup-native.sh --gpu); or set DRIFTWATCH_TF_BACKEND=tensorflow",
    );
  }
  return { ...backend, name: 'tensorflow', detail: `${shortPackageName('tensorflow-gpu')}: TensorFlow sees no GPU, running on the CPU` };
}

/** One line, e.g. "tensorflow (@tensorflow/tfjs-node, TensorFlow 2.21.0) on CPU", for logs and the CLI. */
export function describeBackend(backend: BackendInfo): string {
  const runtime = backend.tensorflowVersion ? `${backend.package}, TensorFlow ${backend.tensorflowVersion}` : backend.package;
  return `${backend.name} (${runtime})${backend.device ? ` on ${backend.device}` : ''}`;
}

/**
 * The name of the GPU TensorFlow calls GPU:0, the first of CUDA_VISIBLE_DEVICES (an index or a UUID,
 * both of which nvidia-smi's -i takes), else the first GPU; null without nvidia-smi. tfjs-node's
 * binding knows only the device's TensorFlow name ("/job:localhost/.../device:GPU:0").
 */
function gpuNameFromNvidiaSmi(): string | null {
  const firstVisible = process.env.CUDA_VISIBLE_DEVICES?.split(',')[0]?.trim();
  try {
    const output = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader', ...(firstVisible ? ['-i', firstVisible] : [])], {
      encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'],
    });
    return output.split('\n')[0]!.trim() || null;
  } catch {
    return null;
  }
}

/**
 * Emscripten's Node glue puts an uncaughtException and an unhandledRejection listener on `process` for
 * every WASM instance it creates, and their closures hold that instance's heap (up to 4 GiB): after
 * three crashes of a 1.2 GB heap the process still held all three (measured). Recorded per backend
 * instance at its load (other code adding such listeners during those milliseconds would be counted
 * in), and removed with a crashed instance.
 */
const processListenersByBackend = new WeakMap<object, ProcessListener[]>();
const WASM_GLUE_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

// A plain emitter's view of `process`: its typings overload each event name and take no union of them.
const processEvents: NodeJS.EventEmitter = process;

interface ProcessListener {
  event: (typeof WASM_GLUE_EVENTS)[number];
  listener: (...args: unknown[]) => void;
}

function processListeners(): ProcessListener[] {
  return WASM_GLUE_EVENTS.flatMap((event) =>
    processEvents.listeners(event).map((listener) => ({ event, listener: listener as ProcessListener['listener'] })),
  );
}

/** Untyped on purpose: the native packages are optional and often absent, so they cannot be imported statically. */
function requireModule(packageName: string): Tensorflow {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(packageName) as Tensorflow;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** First line of an error message, trimmed: Node's MODULE_NOT_FOUND appends the whole require stack. */
function shortReason(error: unknown): string {
  const firstLine = messageOf(error).split('\n', 1)[0]!.trim();
  return firstLine.length > MAX_REASON_LENGTH ? `${firstLine.slice(0, MAX_REASON_LENGTH - 1)}…` : firstLine;
}
