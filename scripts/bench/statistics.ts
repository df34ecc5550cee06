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

/** A median with the range it came from. */
export interface Spread {
  median: number;
  low: number;
  high: number;
}

export function spread(values: number[]): Spread {
  return { median: median(values), low: Math.min(...values), high: Math.max(...values) };
}

/**
 * What tracing adds, from trials measured in pairs (round i: traced[i] and untraced[i], one just
 * after the other): the median of the rounds' differences, with their range. Pairing keeps a
 * slow moment of the machine, which slows both trials of a round, out of the difference.
 */
export function pairedOverhead(traced: number[], untraced: number[]): Spread {
  if (traced.length !== untraced.length || traced.length === 0) throw new Error(`paired trials: ${traced.length} traced and ${untraced.length} untraced`);
  return spread(traced.map((value, index) => value - untraced[index]!));
}

/** a / b of two arms' paired overheads: the ratio of their medians, and the range of the rounds' own ratios. */
export function overheadRatio(a: { traced: number[]; untraced: number[] }, b: { traced: number[]; untraced: number[] }): Spread {
  const perRound = (arm: { traced: number[]; untraced: number[] }) => arm.traced.map((value, index) => value - arm.untraced[index]!);
  const ours = perRound(a);
  const theirs = perRound(b);
  if (ours.length !== theirs.length) throw new Error(`paired rounds: ${ours.length} and ${theirs.length}`);
  const ratios = ours.map((value, index) => value / theirs[index]!);
  return { median: median(ours) / median(theirs), low: Math.min(...ratios), high: Math.max(...ratios) };
}
