/**
 * A fixed-size signature of a set of drifted features: a Bloom filter with one hash per name. A
 * check result names only its top features (its size must stay far below Temporal's 2 MB payload
 * limit on a model of 10,000 features), yet the back-off must tell whether *any* feature drifts that
 * had not drifted earlier in the incident. The signature holds every drifted feature in 512 bytes.
 *
 * It errs one way only: a name that was added is always found, so a drift pattern seen before never
 * passes for a new one (no retrain storm); a new feature whose bit happens to be set already is
 * missed, with a probability of the share of set bits (about 1% for 40 drifted features).
 *
 * Pure and deterministic (no Buffer, no crypto): workflow code calls it.
 */

/** Hex digits, or '' for the empty set. */
export type DriftSignature = string;

const BITS = 4096;
const HEX_DIGITS = BITS / 4;

export const EMPTY_SIGNATURE: DriftSignature = '';

export function signatureOf(names: Iterable<string>): DriftSignature {
  const bits = new Uint8Array(HEX_DIGITS);
  let empty = true;
  for (const name of names) {
    const bit = bitOf(name);
    bits[bit >> 2] = bits[bit >> 2]! | (1 << (bit & 3));
    empty = false;
  }
  return empty ? EMPTY_SIGNATURE : toHex(bits);
}

export function unionOf(a: DriftSignature, b: DriftSignature): DriftSignature {
  if (a === EMPTY_SIGNATURE) return b;
  if (b === EMPTY_SIGNATURE) return a;
  const left = fromHex(a);
  const right = fromHex(b);
  return toHex(left.map((digit, i) => digit | right[i]!));
}

/** True when `candidate` holds a name that `known` surely does not. */
export function addsToSignature(known: DriftSignature, candidate: DriftSignature): boolean {
  if (candidate === EMPTY_SIGNATURE) return false;
  if (known === EMPTY_SIGNATURE) return true;
  const held = fromHex(known);
  return fromHex(candidate).some((digit, i) => (digit & ~held[i]!) !== 0);
}

/** False only for a name that was surely never added. */
export function mayHold(signature: DriftSignature, name: string): boolean {
  if (signature === EMPTY_SIGNATURE) return false;
  const bit = bitOf(name);
  return (fromHex(signature)[bit >> 2]! & (1 << (bit & 3))) !== 0;
}

/** FNV-1a (32 bit) over the UTF-16 code units: stable across processes and versions, unlike a seeded hash. */
function bitOf(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % BITS;
}

function toHex(digits: Uint8Array): string {
  let text = '';
  for (const digit of digits) text += digit.toString(16);
  return text;
}

function fromHex(signature: DriftSignature): Uint8Array {
  if (signature.length !== HEX_DIGITS) throw new Error(`a drift signature has ${HEX_DIGITS} hex digits, got ${signature.length}`);
  return Uint8Array.from(signature, (digit) => Number.parseInt(digit, 16));
}
