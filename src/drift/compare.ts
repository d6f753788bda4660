import { ksTwoSample } from './ks';
import { categoricalBinShares, numericBinShares, populationStabilityIndex } from './psi';
import { readValues, surveyColumn, type ColumnValues } from './reference-profile';
import { DRIFT_TESTS, defaultTestFor, isDrifted } from './registry';
import type {
  CategoricalReference,
  CompareOptions,
  DriftTestName,
  FeatureDriftResult,
  FeatureReference,
  FeatureSpec,
  FeatureStatus,
  NumericReference,
  ReferenceProfile,
} from './types';

const DEFAULT_MIN_ROWS = 30;

type Row = Readonly<Record<string, unknown>>;

/** Either the scores of a feature that could be tested, or why it could not. */
type Outcome =
  | { status: 'ok'; score: number; psi: number }
  | { status: Exclude<FeatureStatus, 'ok'>; statusDetail: string };

/**
 * Compares a window of rows with the champion's reference profile, one result per spec, in spec order.
 * Data problems never throw: each affected feature gets a non-'ok' status and the others are still tested.
 */
export function compareToReference(
  profile: ReferenceProfile,
  specs: FeatureSpec[],
  rows: ReadonlyArray<Row>,
  options: CompareOptions = {},
): FeatureDriftResult[] {
  const minRows = options.minRows ?? DEFAULT_MIN_ROWS;
  return specs.map((spec) => compareFeature(profile, spec, rows, minRows));
}

function compareFeature(
  profile: ReferenceProfile,
  spec: FeatureSpec,
  rows: ReadonlyArray<Row>,
  minRows: number,
): FeatureDriftResult {
  const test = spec.drift?.test ?? defaultTestFor(spec.kind);
  const { scoreKind, defaultThreshold } = DRIFT_TESTS[test];
  const threshold = spec.drift?.threshold ?? defaultThreshold;
  const reference = Object.hasOwn(profile.features, spec.name) ? profile.features[spec.name] : undefined;
  const survey = surveyColumn(rows, spec.name);
  const outcome = evaluateFeature(spec, test, reference, rows, survey.present, minRows);
  const common = {
    feature: spec.name,
    kind: spec.kind,
    test,
    scoreKind,
    threshold,
    currentCount: rows.length - survey.nullCount,
    referenceNullRate: reference && profile.rowCount > 0 ? reference.nullCount / profile.rowCount : 0,
    currentNullRate: rows.length > 0 ? survey.nullCount / rows.length : 0,
  };
  if (outcome.status !== 'ok') {
    return { ...common, status: outcome.status, statusDetail: outcome.statusDetail, score: null, psi: null, drifted: false };
  }
  const drifted = isDrifted(scoreKind, outcome.score, threshold);
  return { ...common, status: 'ok', score: outcome.score, psi: outcome.psi, drifted };
}

/** Configuration problems come first, then problems of the window as a whole, then of its values. */
function evaluateFeature(
  spec: FeatureSpec,
  test: DriftTestName,
  reference: FeatureReference | undefined,
  rows: ReadonlyArray<Row>,
  columnPresent: boolean,
  minRows: number,
): Outcome {
  const feature = `feature '${spec.name}'`;
  const { kinds } = DRIFT_TESTS[test];
  if (!kinds.includes(spec.kind)) {
    return problem('type_mismatch', `${feature} is ${spec.kind}, but test '${test}' only applies to ${kinds.join(' or ')} features`);
  }
  if (!reference) return problem('missing_column', `${feature} is not in the reference profile`);
  if (reference.kind !== spec.kind) {
    return problem('type_mismatch', `${feature} is ${spec.kind}, but the reference profile stores it as ${reference.kind}`);
  }
  if (rows.length === 0) return problem('insufficient_data', `the window has no rows to test ${feature} on`);
  if (!columnPresent) return problem('missing_column', `${feature} is absent from every row of the window`);
  return reference.kind === 'numeric'
    ? evaluateNumeric(feature, reference, readValues(rows, spec.name, 'numeric'), test, minRows)
    : evaluateCategorical(feature, reference, readValues(rows, spec.name, 'categorical'), minRows);
}

function evaluateNumeric(
  feature: string,
  reference: NumericReference,
  column: ColumnValues<number>,
  test: DriftTestName,
  minRows: number,
): Outcome {
  const valueProblem = findValueProblem(feature, 'finite numbers', column, reference.count, minRows);
  if (valueProblem) return valueProblem;
  const current = Float64Array.from(column.values).sort();
  const psi = populationStabilityIndex(reference.binShares, numericBinShares(reference.binEdges, current));
  // The stored sample stands in for the reference rows; it is sorted, as ksTwoSample requires.
  const score = test === 'ks' ? ksTwoSample(reference.sample, current).pValue : psi;
  return { status: 'ok', score, psi };
}

/** Only PSI applies to categories (checked against the registry before this point). */
function evaluateCategorical(
  feature: string,
  reference: CategoricalReference,
  column: ColumnValues<string>,
  minRows: number,
): Outcome {
  const valueProblem = findValueProblem(feature, 'strings or numbers', column, reference.count, minRows);
  if (valueProblem) return valueProblem;
  const shares = categoricalBinShares(reference.shares, column.values);
  const psi = populationStabilityIndex(shares.reference, shares.current);
  return { status: 'ok', score: psi, psi };
}

function findValueProblem(
  feature: string,
  expected: string,
  column: ColumnValues<unknown>,
  referenceCount: number,
  minRows: number,
): Outcome | undefined {
  if (column.invalidCount > 0) {
    const total = column.invalidCount + column.values.length;
    const example = column.invalidExample;
    return problem('type_mismatch', `${feature} expects ${expected}, but ${column.invalidCount} of ${total} non-null values are not, e.g. ${example}`);
  }
  if (column.values.length === 0) return problem('all_null', `${feature} is null in every row of the window`);
  if (column.values.length < minRows) {
    const found = column.values.length;
    return problem('insufficient_data', `${feature} has ${found} non-null values in the window, fewer than the ${minRows} required`);
  }
  if (referenceCount === 0) {
    return problem('insufficient_data', `the reference profile has no non-null values for ${feature}`);
  }
  return undefined;
}

function problem(status: Exclude<FeatureStatus, 'ok'>, statusDetail: string): Outcome {
  return { status, statusDetail };
}
