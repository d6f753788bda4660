export interface FeatureInput {
  name: string;
  kind: 'numeric' | 'categorical';
}

export type FittedFeature =
  | { name: string; kind: 'numeric'; mean: number; std: number }
  | { name: string; kind: 'categorical'; categories: string[] };

/** Plain JSON so it can be stored inside a model artifact. */
export interface Preprocessor {
  formatVersion: 1;
  features: FittedFeature[];
  /** Columns per transformed row: one per numeric feature plus one per category. */
  width: number;
}

/**
 * Learns standardisation and one-hot vocabularies from training rows only, so validation and
 * serving data never leak into the statistics. A missing numeric value later becomes the training
 * mean (0 once standardised); a missing or unseen category becomes all zeros.
 */
export function fitPreprocessor(features: FeatureInput[], rows: ReadonlyArray<Record<string, unknown>>): Preprocessor {
  if (rows.length === 0) throw new RangeError('cannot fit a preprocessor on zero rows');
  const names = new Set<string>();
  for (const { name } of features) {
    if (names.has(name)) throw new Error(`feature "${name}" is listed more than once`);
    names.add(name);
  }
  const fitted = features.map((feature): FittedFeature => {
    if (feature.kind === 'numeric') return { name: feature.name, kind: 'numeric', ...standardisation(feature.name, rows) };
    const categories = new Set<string>();
    for (const row of rows) {
      const category = asCategory(row[feature.name]);
      if (category !== undefined) categories.add(category);
    }
    return { name: feature.name, kind: 'categorical', categories: [...categories].sort() };
  });
  return { formatVersion: 1, features: fitted, width: widthOf(fitted) };
}

/** Row-major matrix of rows.length × pre.width. */
export function transformRows(pre: Preprocessor, rows: ReadonlyArray<Record<string, unknown>>): Float32Array {
  const output = new Float32Array(rows.length * pre.width);
  const categoryIndexes = pre.features.map((feature) =>
    feature.kind === 'categorical' ? new Map(feature.categories.map((category, index) => [category, index])) : undefined,
  );
  rows.forEach((row, rowIndex) => {
    let column = rowIndex * pre.width;
    pre.features.forEach((feature, featureIndex) => {
      if (feature.kind === 'numeric') {
        const value = asNumber(row[feature.name]);
        // Zeros from the Float32Array constructor already encode "missing" (the mean).
        if (value !== undefined) output[column] = (value - feature.mean) / feature.std;
        column += 1;
      } else {
        const category = asCategory(row[feature.name]);
        const index = category === undefined ? undefined : categoryIndexes[featureIndex]!.get(category);
        if (index !== undefined) output[column + index] = 1;
        column += feature.categories.length;
      }
    });
  });
  return output;
}

function standardisation(name: string, rows: ReadonlyArray<Record<string, unknown>>): { mean: number; std: number } {
  let count = 0;
  let sum = 0;
  for (const row of rows) {
    const value = asNumber(row[name]);
    if (value !== undefined) {
      count++;
      sum += value;
    }
  }
  if (count === 0) return { mean: 0, std: 1 };
  const mean = sum / count;
  let squaredDeviations = 0;
  for (const row of rows) {
    const value = asNumber(row[name]);
    if (value !== undefined) squaredDeviations += (value - mean) ** 2;
  }
  const std = Math.sqrt(squaredDeviations / count);
  // A constant column carries no signal; dividing by 1 keeps it at 0 instead of NaN.
  return { mean, std: std > 0 ? std : 1 };
}

/** Numbers may arrive as strings (CSV, NUMERIC columns from pg); anything not a finite number is missing. */
function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

function asCategory(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function widthOf(features: FittedFeature[]): number {
  return features.reduce((width, feature) => width + (feature.kind === 'numeric' ? 1 : feature.categories.length), 0);
}
