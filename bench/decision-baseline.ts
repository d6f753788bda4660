/**
 * The bench's own yardstick for a challenger: a plain logistic regression fitted on the challenger's
 * training rows, independent of whatever baseline the retrain code may compute itself, so that
 * "a challenger below the baseline was promoted" is measured, not taken from the code under test.
 */

/** Standardised features, L2-penalised (to stay finite on separable data), fitted by Newton's method. */
export function fitLogisticRegression(
  features: readonly string[],
  rows: ReadonlyArray<Record<string, unknown>>,
  labels: ArrayLike<number>,
): (rows: ReadonlyArray<Record<string, unknown>>) => Float64Array {
  const means = features.map((f) => mean(rows.map((row) => Number(row[f]))));
  const stds = features.map((f, k) => Math.sqrt(mean(rows.map((row) => (Number(row[f]) - means[k]!) ** 2))) || 1);
  const design = (row: Record<string, unknown>): number[] => [1, ...features.map((f, k) => (Number(row[f]) - means[k]!) / stds[k]!)];
  const x = rows.map(design);
  const width = features.length + 1;
  let weights = new Array<number>(width).fill(0);
  const penalty = 1e-3;
  for (let iteration = 0; iteration < 50; iteration++) {
    const gradient = weights.map((w, j) => (j === 0 ? 0 : penalty * w));
    const hessian = Array.from({ length: width }, (_, i) => Array.from({ length: width }, (_, j) => (i === j && i > 0 ? penalty : 0)));
    x.forEach((xi, n) => {
      const p = sigmoid(dot(weights, xi));
      const residual = p - labels[n]!;
      const curvature = Math.max(p * (1 - p), 1e-9);
      for (let i = 0; i < width; i++) {
        gradient[i]! += residual * xi[i]!;
        for (let j = 0; j < width; j++) hessian[i]![j]! += curvature * xi[i]! * xi[j]!;
      }
    });
    const step = solve(hessian, gradient);
    weights = weights.map((w, j) => w - step[j]!);
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  return (scored) => Float64Array.from(scored, (row) => sigmoid(dot(weights, design(row))));
}

function solve(matrix: number[][], vector: number[]): number[] {
  const n = vector.length;
  const a = matrix.map((row, i) => [...row, vector[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(a[row]![col]!) > Math.abs(a[pivot]![col]!)) pivot = row;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let row = col + 1; row < n; row++) {
      const factor = a[row]![col]! / a[col]![col]!;
      for (let k = col; k <= n; k++) a[row]![k]! -= factor * a[col]![k]!;
    }
  }
  const solution = new Array<number>(n).fill(0);
  for (let row = n - 1; row >= 0; row--) {
    let sum = a[row]![n]!;
    for (let k = row + 1; k < n; k++) sum -= a[row]![k]! * solution[k]!;
    solution[row] = sum / a[row]![row]!;
  }
  return solution;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
const dot = (a: number[], b: number[]): number => a.reduce((sum, v, i) => sum + v * b[i]!, 0);
const mean = (values: number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;
