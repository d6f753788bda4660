/**
 * Scores span p-values near 0 and distances near 1: four significant digits, and scientific
 * notation below 0.001 (so a p-value never reads as 0.0000) and from a million. One rule for the
 * Temporal UI, alerts and pages; pure, so workflow code may import it.
 */
export function formatScore(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude < 1e-3 || magnitude >= 1e6) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}
