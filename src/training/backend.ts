import type * as TensorflowModule from '@tensorflow/tfjs';

export type Tensorflow = typeof TensorflowModule;
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;

export interface BackendInfo {
  name: BackendName;
  package: string;
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

/**
 * Loads TensorFlow.js on the fastest backend available, or on the one forced by `preference`
 * (default: the DRIFTWATCH_TF_BACKEND environment variable, else 'auto'). Memoised per process;
 * asking for a different backend once one is loaded is an error.
 */
export async function initTensorflow(preference?: BackendPreference): Promise<TensorflowRuntime> {
  const wanted = preference ?? backendFromEnvironment();
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
      const backend: BackendInfo = { name, package: BACKEND_PACKAGES[name] };
      if (skipped.length > 0) backend.detail = skipped.join('; ');
      return { tf: attempt.tf, backend };
    }
    skipped.push(`${BACKEND_PACKAGES[name].replace('@tensorflow/', '')}: ${attempt.failure}`);
  }
  throw new Error(`no TensorFlow.js backend could be loaded (${skipped.join('; ')})`);
}

async function loadForcedBackend(name: BackendName): Promise<TensorflowRuntime> {
  const attempt = await tryLoadBackend(name);
  if ('failure' in attempt) {
    throw new Error(`TensorFlow.js backend "${name}" was requested but ${BACKEND_PACKAGES[name]} failed: ${attempt.failure}`);
  }
  return { tf: attempt.tf, backend: { name, package: BACKEND_PACKAGES[name] } };
}

async function tryLoadBackend(name: BackendName): Promise<{ tf: Tensorflow } | { failure: string }> {
  let tf: Tensorflow;
  try {
    // The native packages re-export @tensorflow/tfjs with their backend registered; wasm is an add-on to it.
    tf = name === 'tensorflow-gpu' || name === 'tensorflow' ? requireModule(BACKEND_PACKAGES[name]) : requireModule('@tensorflow/tfjs');
    if (name === 'wasm') requireModule(BACKEND_PACKAGES.wasm);
  } catch (error) {
    return { failure: shortReason(error) };
  }
  const tfjsBackendName = name === 'tensorflow-gpu' ? 'tensorflow' : name;
  try {
    // setBackend reports a failed initialisation by resolving to false rather than throwing.
    const activated = await tf.setBackend(tfjsBackendName);
    await tf.ready();
    if (!activated || tf.getBackend() !== tfjsBackendName) return { failure: `could not activate "${tfjsBackendName}"` };
  } catch (error) {
    return { failure: shortReason(error) };
  }
  return { tf };
}

/** Untyped on purpose: the native packages are optional and often absent, so they cannot be imported statically. */
function requireModule(packageName: string): Tensorflow {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(packageName) as Tensorflow;
}

/** First line of an error message, trimmed: Node's MODULE_NOT_FOUND appends the whole require stack. */
function shortReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n', 1)[0]!.trim();
  return firstLine.length > MAX_REASON_LENGTH ? `${firstLine.slice(0, MAX_REASON_LENGTH - 1)}…` : firstLine;
}
