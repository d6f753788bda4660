/**
 * The artifact store: model versions and training checkpoints as files, outside PostgreSQL.
 *
 * A model version is one immutable folder, written to a temporary folder beside it and renamed into
 * place, so a crash never leaves half a version; MANIFEST.sha256 (sha256sum format) covers every
 * file and its own sha256 is what the registry records. A checkpoint is one file with a checksum
 * header, replaced atomically by rename, because a retried attempt may rewrite an epoch.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ModelArtifact } from '../training';
import { CorruptArtifactError } from '../errors';

export interface SavedModelVersion {
  /** file:// URL of the version's folder. */
  uri: string;
  /** sha256 of MANIFEST.sha256: record it in the registry and pass it back to loadModelVersion. */
  sha256: string;
}

export interface Checkpoint {
  reference: string;
  scope: string;
  epoch: number;
  /** A Uint8Array if one was saved, else the saved object as parsed from JSON. */
  state: Uint8Array | object;
}

/** Where model versions and checkpoints live; the local directory is the one backend today. */
export interface ArtifactStore {
  /** Idempotent: saving identical content again is a no-op; different content throws ArtifactVersionConflictError. */
  saveModelVersion(modelName: string, version: number, artifact: ModelArtifact): Promise<SavedModelVersion>;
  /** Throws CorruptArtifactError when anything differs from the manifest or the manifest from expectedSha256. */
  loadModelVersion(uri: string, expectedSha256: string): Promise<ModelArtifact>;
  /** Only for a version no registry row refers to (e.g. left by a rolled-back registration); no-op if absent. */
  deleteModelVersion(modelName: string, version: number): Promise<void>;
  /** Returns the reference to heartbeat. Keeps this epoch and the one before it; older and abandoned ones go. */
  saveCheckpoint(scope: string, epoch: number, state: Uint8Array | object): Promise<string>;
  /** null once the checkpoint is gone (retention, deleteCheckpoints); CorruptArtifactError if it fails its checksum. */
  loadCheckpoint(reference: string): Promise<Checkpoint | null>;
  /** The reference of the scope's highest epoch, or null: for when heartbeat details lag behind. */
  latestCheckpoint(scope: string): Promise<string | null>;
  deleteCheckpoints(scope: string): Promise<void>;
  /** Every scope of one retrain (`<retrainId>.<part>`: its trials and its challenger), for a retrain that ended without deciding. */
  deleteRetrainCheckpoints(retrainId: string): Promise<void>;
}

/** Versions are immutable: the same model version saved twice with different content. */
export class ArtifactVersionConflictError extends Error {
  constructor(readonly uri: string) {
    super(
      `model artifact ${uri} already exists with different content; versions are immutable, ` +
        'so register the new model as a new version (or delete the folder if no registry row refers to it)',
    );
    this.name = 'ArtifactVersionConflictError';
  }
}

export const MANIFEST_FILE = 'MANIFEST.sha256';
const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';
const PREPROCESSING_FILE = 'preprocessing.json';
const METADATA_FILE = 'metadata.json';
const VERSION_FILES = [METADATA_FILE, MODEL_FILE, PREPROCESSING_FILE, WEIGHTS_FILE] as const;

// A model name cannot start with '_', so no model's folder can collide with this one.
const CHECKPOINTS_DIR = '_checkpoints';
const CHECKPOINT_PREFIX = 'epoch-';
const CHECKPOINT_MAGIC = 'driftwatch-checkpoint v1';
const CHECKPOINTS_KEPT = 2;
const TEMP_PREFIX = '.tmp-';

// Same as MODEL_NAME_PATTERN in src/config.ts (not exported there): names become path segments.
const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
// One path segment (never '.' or '..'), e.g. `<retrainId>.train`.
const SCOPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const VERSION_DIR_PATTERN = /^v([1-9][0-9]*)$/;
const CHECKPOINT_FILE_PATTERN = /^epoch-(0|[1-9][0-9]*)$/;
const CHECKPOINT_HEADER_PATTERN = new RegExp(`^${CHECKPOINT_MAGIC} (bytes|json) ([0-9a-f]{64})$`);
const MANIFEST_LINE_PATTERN = /^([0-9a-f]{64}) [ *](.+)$/;

const RESTORE_HINT = 'restore the folder from a backup, or retrain to register a new version';

export function createLocalArtifactStore(rootDir: string): ArtifactStore {
  const root = path.resolve(rootDir);
  const checkpointsRoot = path.join(root, CHECKPOINTS_DIR);

  function versionDir(modelName: string, version: number): string {
    if (!MODEL_NAME_PATTERN.test(modelName)) {
      throw new RangeError(`invalid model name '${modelName}': must match ${MODEL_NAME_PATTERN}`);
    }
    if (!Number.isSafeInteger(version) || version < 1) throw new RangeError(`version must be a positive integer, got ${version}`);
    return path.join(root, modelName, `v${version}`);
  }

  function scopeDir(scope: string): string {
    if (!SCOPE_PATTERN.test(scope)) throw new RangeError(`invalid checkpoint scope '${scope}': must match ${SCOPE_PATTERN}`);
    return path.join(checkpointsRoot, scope);
  }

  /** The store-relative path segments of a file:// URL, refusing anything outside the root. */
  function segmentsOf(uri: string, what: string): string[] {
    let absolute: string;
    try {
      absolute = fileURLToPath(uri);
    } catch {
      throw new RangeError(`${what} '${uri}' is not a file:// URL`);
    }
    const relative = path.relative(root, absolute);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new RangeError(`${what} '${uri}' is outside the artifact store ${root} (was DRIFTWATCH_ARTIFACT_DIR changed?)`);
    }
    return relative.split(path.sep);
  }

  async function saveModelVersion(modelName: string, version: number, artifact: ModelArtifact): Promise<SavedModelVersion> {
    const dir = versionDir(modelName, version);
    const uri = pathToFileURL(dir).href;
    const files = serialiseArtifact(artifact);
    const manifest = manifestOf(files);
    const saved = { uri, sha256: sha256(manifest) };

    if (await sameVersionExists(dir, uri, manifest)) return saved;
    const parent = path.dirname(dir);
    await mkdir(parent, { recursive: true });
    const temp = await mkdtemp(path.join(parent, `${TEMP_PREFIX}${path.basename(dir)}-`));
    try {
      for (const [name, content] of files) await writeDurably(path.join(temp, name), content);
      await writeDurably(path.join(temp, MANIFEST_FILE), manifest);
      await syncDir(temp);
      try {
        await rename(temp, dir);
      } catch (err) {
        // Another save of this version won the race; ours is a retry or a conflict.
        if (isErrno(err, 'ENOTEMPTY', 'EEXIST') && (await sameVersionExists(dir, uri, manifest))) return saved;
        throw err;
      }
      await syncDir(parent);
      return saved;
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }

  /** True if the folder holds exactly this manifest (verified), false if absent; else throws. */
  async function sameVersionExists(dir: string, uri: string, manifest: Buffer): Promise<boolean> {
    let existing: Buffer;
    try {
      existing = await readFile(path.join(dir, MANIFEST_FILE));
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      const entries = await readdir(dir).catch((readErr: unknown) => {
        if (isErrno(readErr, 'ENOENT')) return [];
        throw readErr;
      });
      if (entries.length === 0) return false;
      throw corrupt(uri, `${MANIFEST_FILE} is missing`);
    }
    if (!existing.equals(manifest)) throw new ArtifactVersionConflictError(uri);
    await verifyFiles(dir, uri, manifest);
    return true;
  }

  async function loadModelVersion(uri: string, expectedSha256: string): Promise<ModelArtifact> {
    const segments = segmentsOf(uri, 'model artifact');
    const [modelName, versionName] = segments;
    const version = VERSION_DIR_PATTERN.exec(versionName ?? '')?.[1];
    if (segments.length !== 2 || !version) {
      throw new RangeError(`model artifact '${uri}' is not a version folder (<root>/<model>/v<version>)`);
    }
    const dir = versionDir(modelName!, Number(version));
    const manifest = await readFile(path.join(dir, MANIFEST_FILE)).catch(async (err: unknown) => {
      if (!isErrno(err, 'ENOENT')) throw err;
      const folderExists = await readdir(dir).then(() => true, () => false);
      throw corrupt(uri, folderExists ? `${MANIFEST_FILE} is missing` : 'the folder does not exist (deleted, or moved with DRIFTWATCH_ARTIFACT_DIR?)');
    });
    const actual = sha256(manifest);
    if (actual !== expectedSha256.toLowerCase()) {
      throw corrupt(uri, `${MANIFEST_FILE} has sha256 ${actual} but the registry recorded ${expectedSha256} (the folder was changed or replaced after registration)`);
    }
    const files = await verifyFiles(dir, uri, manifest);
    const model = parseJson(files, MODEL_FILE, uri) as { modelTopology?: unknown; weightsManifest?: Array<{ weights?: unknown }> };
    const weightSpecs = model.weightsManifest?.[0]?.weights;
    if (model.modelTopology === undefined || weightSpecs === undefined) {
      throw corrupt(uri, `${MODEL_FILE} has no modelTopology or weightsManifest[0].weights`);
    }
    return {
      ...(parseJson(files, METADATA_FILE, uri) as Omit<ModelArtifact, SeparatelyStored>),
      preprocessor: parseJson(files, PREPROCESSING_FILE, uri) as ModelArtifact['preprocessor'],
      modelTopology: model.modelTopology,
      weightSpecs,
      weightDataBase64: files.get(WEIGHTS_FILE)!.toString('base64'),
    };
  }

  /** Checks each of the version's files against its manifest entry; a file without an entry is corruption too. */
  async function verifyFiles(dir: string, uri: string, manifest: Buffer): Promise<Map<string, Buffer>> {
    const recorded = parseManifest(manifest, uri);
    const files = new Map<string, Buffer>();
    for (const name of VERSION_FILES) {
      const expected = recorded.get(name);
      if (!expected) throw corrupt(uri, `${MANIFEST_FILE} has no entry for ${name}`);
      const content = await readVersionFile(dir, uri, name);
      const actual = sha256(content);
      if (actual !== expected) throw corrupt(uri, `${name} has sha256 ${actual} but ${MANIFEST_FILE} records ${expected}`);
      files.set(name, content);
    }
    return files;
  }

  async function deleteModelVersion(modelName: string, version: number): Promise<void> {
    const dir = versionDir(modelName, version);
    // Renamed away first, so an interrupted delete leaves no partial version behind.
    const trash = path.join(path.dirname(dir), `${TEMP_PREFIX}deleted-${path.basename(dir)}-${randomBytes(6).toString('hex')}`);
    try {
      await rename(dir, trash);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      throw err;
    }
    await rm(trash, { recursive: true, force: true });
  }

  async function saveCheckpoint(scope: string, epoch: number, state: Uint8Array | object): Promise<string> {
    const dir = scopeDir(scope);
    if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError(`epoch must be an integer >= 0, got ${epoch}`);
    const { kind, payload } = encodeState(state);
    const header = Buffer.from(`${CHECKPOINT_MAGIC} ${kind} ${sha256(payload)}\n`);
    const file = path.join(dir, `${CHECKPOINT_PREFIX}${epoch}`);
    await mkdir(dir, { recursive: true });
    const temp = path.join(dir, `${TEMP_PREFIX}${CHECKPOINT_PREFIX}${epoch}-${randomBytes(6).toString('hex')}`);
    try {
      await writeDurably(temp, Buffer.concat([header, payload]));
      // Replaces an epoch written by an earlier attempt that got further than its last heartbeat.
      await rename(temp, file);
    } finally {
      await rm(temp, { force: true });
    }
    await syncDir(dir);
    await pruneCheckpoints(dir, epoch);
    return pathToFileURL(file).href;
  }

  /**
   * Keeps the epoch just saved and the highest one below it. Higher epochs belong to an attempt
   * that was abandoned after it saved them (the retry resumed from an older heartbeat), so they go.
   */
  async function pruneCheckpoints(dir: string, savedEpoch: number): Promise<void> {
    const others = (await listEpochs(dir)).filter((epoch) => epoch !== savedEpoch).sort((a, b) => b - a);
    const kept = others.filter((epoch) => epoch < savedEpoch).slice(0, CHECKPOINTS_KEPT - 1);
    for (const epoch of others) {
      if (!kept.includes(epoch)) await rm(path.join(dir, `${CHECKPOINT_PREFIX}${epoch}`), { force: true });
    }
  }

  async function loadCheckpoint(reference: string): Promise<Checkpoint | null> {
    const segments = segmentsOf(reference, 'checkpoint reference');
    const epochText = CHECKPOINT_FILE_PATTERN.exec(segments.at(-1) ?? '')?.[1];
    const [checkpointsDir, scope] = segments;
    if (checkpointsDir !== CHECKPOINTS_DIR || segments.length !== 3 || epochText === undefined) {
      throw new RangeError(`checkpoint reference '${reference}' is not a checkpoint (<root>/${CHECKPOINTS_DIR}/<scope>/epoch-<n>)`);
    }
    scopeDir(scope!);
    let content: Buffer;
    try {
      content = await readFile(fileURLToPath(reference));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    }
    const problem = (detail: string) =>
      new CorruptArtifactError(`corrupted checkpoint ${reference}: ${detail}; delete it (or the scope) and resume from an earlier checkpoint or from scratch`);
    const newline = content.indexOf(0x0a);
    const header = CHECKPOINT_HEADER_PATTERN.exec(newline < 0 ? '' : content.subarray(0, newline).toString('latin1'));
    if (!header) throw problem('the header line is missing or malformed');
    const payload = content.subarray(newline + 1);
    const actual = sha256(payload);
    if (actual !== header[2]) throw problem(`its payload has sha256 ${actual} but its header records ${header[2]}`);
    let state: Uint8Array | object;
    if (header[1] === 'bytes') {
      state = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
    } else {
      try {
        state = JSON.parse(payload.toString('utf8')) as object;
      } catch (err) {
        throw problem(`its JSON does not parse (${(err as Error).message})`);
      }
    }
    return { reference, scope: scope!, epoch: Number(epochText), state };
  }

  async function latestCheckpoint(scope: string): Promise<string | null> {
    const dir = scopeDir(scope);
    const epochs = await listEpochs(dir);
    if (epochs.length === 0) return null;
    return pathToFileURL(path.join(dir, `${CHECKPOINT_PREFIX}${Math.max(...epochs)}`)).href;
  }

  async function deleteCheckpoints(scope: string): Promise<void> {
    // A terminated attempt can still be writing its next epoch (until its heartbeat times out): rm then
    // finds a new file in the folder it emptied (ENOTEMPTY) and, with retries, empties it again. Failing
    // instead would fail the claim's release after it was recorded, and its retry would not alert.
    await rm(scopeDir(scope), { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }

  async function deleteRetrainCheckpoints(retrainId: string): Promise<void> {
    const prefix = `${retrainId}.`;
    let scopes: string[];
    try {
      scopes = await readdir(checkpointsRoot);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      throw err;
    }
    for (const scope of scopes.filter((name) => name.startsWith(prefix))) await deleteCheckpoints(scope);
  }

  return {
    saveModelVersion, loadModelVersion, deleteModelVersion, saveCheckpoint, loadCheckpoint, latestCheckpoint, deleteCheckpoints,
    deleteRetrainCheckpoints,
  };
}

type SeparatelyStored = 'modelTopology' | 'weightSpecs' | 'weightDataBase64' | 'preprocessor';

/** The version's files, by name. Everything not stored in its own file goes to metadata.json. */
function serialiseArtifact(artifact: ModelArtifact): Map<string, Buffer> {
  const { modelTopology, weightSpecs, weightDataBase64, preprocessor, ...metadata } = artifact;
  const weights = Buffer.from(weightDataBase64, 'base64');
  // Buffer.from skips characters that are not base64; refuse rather than store different weights.
  if (weights.toString('base64') !== weightDataBase64) throw new TypeError('weightDataBase64 is not canonical base64');
  // model.json is the TensorFlow.js format, so tf.loadLayersModel('file://.../model.json') reads the folder too.
  const model = { format: 'layers-model', modelTopology, weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weightSpecs }] };
  return new Map([
    [METADATA_FILE, jsonFile(metadata)],
    [MODEL_FILE, jsonFile(model)],
    [PREPROCESSING_FILE, jsonFile(preprocessor)],
    [WEIGHTS_FILE, weights],
  ]);
}

/** The sha256sum text format, so `sha256sum -c MANIFEST.sha256` works inside the folder. */
function manifestOf(files: Map<string, Buffer>): Buffer {
  const names = [...files.keys()].sort();
  return Buffer.from(names.map((name) => `${sha256(files.get(name)!)}  ${name}\n`).join(''));
}

function parseManifest(manifest: Buffer, uri: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of manifest.toString('utf8').split('\n')) {
    if (line === '') continue;
    const match = MANIFEST_LINE_PATTERN.exec(line);
    if (!match) throw corrupt(uri, `${MANIFEST_FILE} has a malformed line '${line.slice(0, 100)}'`);
    entries.set(match[2]!, match[1]!);
  }
  return entries;
}

async function readVersionFile(dir: string, uri: string, name: string): Promise<Buffer> {
  try {
    return await readFile(path.join(dir, name));
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw corrupt(uri, `${name} is missing`);
    throw err;
  }
}

function parseJson(files: Map<string, Buffer>, name: string, uri: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(files.get(name)!.toString('utf8'));
  } catch (err) {
    throw corrupt(uri, `${name} does not parse as JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw corrupt(uri, `${name} is not a JSON object`);
  return value;
}

function corrupt(uri: string, detail: string): CorruptArtifactError {
  return new CorruptArtifactError(`corrupted model artifact ${uri}: ${detail}; ${RESTORE_HINT}`);
}

function encodeState(state: Uint8Array | object): { kind: 'bytes' | 'json'; payload: Buffer } {
  if (state instanceof Uint8Array) return { kind: 'bytes', payload: Buffer.from(state.buffer, state.byteOffset, state.byteLength) };
  // JSON.stringify would turn these into {} and lose the data silently.
  if (state instanceof ArrayBuffer || ArrayBuffer.isView(state)) throw new TypeError('checkpoint state must be a Uint8Array or a JSON object');
  // A resumed run must see exactly what was saved: refuse what JSON would silently turn into null or {}.
  const json = JSON.stringify(state, (key: string, value: unknown) => {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`checkpoint state: '${key}' is ${value}, which JSON cannot hold`);
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) throw new TypeError(`checkpoint state: '${key}' is binary; encode it as base64`);
    return value;
  }) as string | undefined;
  if (json === undefined) throw new TypeError('checkpoint state does not serialise to JSON');
  return { kind: 'json', payload: Buffer.from(json) };
}

async function listEpochs(dir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
  return names.flatMap((name) => {
    const epoch = CHECKPOINT_FILE_PATTERN.exec(name)?.[1];
    return epoch === undefined ? [] : [Number(epoch)];
  });
}

/** Written and fsynced, so the rename that publishes it never exposes unwritten data after a power loss. */
async function writeDurably(file: string, content: Buffer): Promise<void> {
  const handle = await open(file, 'wx');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some platforms and file systems cannot fsync a directory; the rename is still atomic there.
    if (!isErrno(err, 'EISDIR', 'EINVAL', 'EPERM', 'ENOTSUP')) throw err;
  } finally {
    await handle.close();
  }
}

/** Stable bytes for equal values: keys sorted, so a retried save compares equal whatever the key order. */
function jsonFile(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, sortKeys, 2)}\n`);
}

function sortKeys(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

function isErrno(err: unknown, ...codes: string[]): boolean {
  return err instanceof Error && codes.includes((err as NodeJS.ErrnoException).code ?? '');
}
