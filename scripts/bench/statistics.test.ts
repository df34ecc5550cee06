// The bench's medians and percentiles: what its printed figures are computed with.
import { describe, expect, it } from "vitest";
import { median, medianAndRange, quantile } from "./statistics.ts";

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
});
