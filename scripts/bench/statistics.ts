// Small statistics for the bench: medians and spreads of a few trials, percentiles of latencies.

export function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** The q-quantile (0..1), interpolated between the two nearest values. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/** "median (min-max)" with the given number formatter. */
export function medianAndRange(values: number[], format: (value: number) => string): string {
  return `${format(median(values))} (${format(Math.min(...values))}-${format(Math.max(...values))})`;
}
