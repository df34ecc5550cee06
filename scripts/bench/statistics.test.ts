// The bench's medians and percentiles: what its printed figures are computed with.
import { describe, expect, it } from "vitest";
import { median, medianAndRange, overheadRatio, pairedOverhead, quantile, spread } from "./statistics.ts";

describe("bench statistics", () => {
  it("the median of an even count is the mean of the two middle values", () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, 1, 3])).toBe(3);
  });

  it("the p99 of 101 values 0..100 is 99, interpolated between neighbours otherwise", () => {
    expect(quantile(Array.from({ length: 101 }, (_, i) => i), 0.99)).toBe(99);
    expect(quantile([0, 10], 0.5)).toBe(5);
    expect(quantile([], 0.99)).toBeNaN();
  });

  it("prints the median with the range", () => {
    expect(medianAndRange([3, 1, 2], (value) => value.toFixed(1))).toBe("2.0 (1.0-3.0)");
  });

  it("a spread is the median with the lowest and highest value", () => {
    expect(spread([5, 1, 3])).toEqual({ median: 3, low: 1, high: 5 });
  });

  it("tracing's overhead is the median of each round's traced minus untraced, not the difference of the medians", () => {
    // Round 2 was slow for both arms: paired, it changes nothing; unpaired medians would say 1.5.
    expect(pairedOverhead([3, 9, 4], [2, 8, 2])).toEqual({ median: 1, low: 1, high: 2 });
    expect(() => pairedOverhead([1, 2], [1])).toThrow("paired trials: 2 traced and 1 untraced");
    expect(() => pairedOverhead([], [])).toThrow("paired trials");
  });

  it("compares two arms' overheads: the ratio of their medians, and the range of the rounds' own ratios", () => {
    const app = { traced: [3, 4, 5], untraced: [2, 2, 2] }; // overheads 1, 2, 3
    const official = { traced: [6, 4, 8], untraced: [2, 2, 2] }; // overheads 4, 2, 6
    expect(overheadRatio(app, official)).toEqual({ median: 0.5, low: 0.25, high: 1 });
    expect(() => overheadRatio(app, { traced: [1], untraced: [1] })).toThrow("paired rounds: 3 and 1");
  });
});
