// The fuzz requests are a function of the seed: a failure found once is found again.
import { expect, it } from "vitest";
import { FAMILIES, fuzzCases, ROUTES } from "./fuzz-cases.ts";
import { seededRandom } from "./seeded-random.ts";

const SHORT_PLAN = { weighted: 1500, huge: 12, cutOff: 6 };

it("the same seed makes the same requests, byte for byte; another seed, others", () => {
  const bytes = (seed: number) => fuzzCases(seededRandom(seed), SHORT_PLAN).map((fuzzCase) => fuzzCase.bytes.toString("base64"));
  expect(bytes(1)).toEqual(bytes(1));
  expect(bytes(2)).not.toEqual(bytes(1));
});

it("the short run sends at least 1,500 requests, aimed at every route, from every family", () => {
  const cases = fuzzCases(seededRandom(1), SHORT_PLAN);
  expect(cases.length).toBeGreaterThanOrEqual(1500);
  expect(new Set(cases.map((fuzzCase) => fuzzCase.route))).toEqual(new Set([...ROUTES, "(no route)"]));
  expect(new Set(cases.map((fuzzCase) => fuzzCase.family))).toEqual(new Set(FAMILIES.map((family) => family.name)));
});

it("every request to the chat route that is not about traceparent carries a valid one, so its SERVER span can be found", () => {
  const cases = fuzzCases(seededRandom(1), SHORT_PLAN).filter((fuzzCase) => fuzzCase.route === "POST /api/chat" && fuzzCase.family !== "traceparent");
  const untracked = cases.filter((fuzzCase) => !fuzzCase.traceId);
  expect(untracked.map((fuzzCase) => `${fuzzCase.family} / ${fuzzCase.label}`)).toEqual([]);
});
