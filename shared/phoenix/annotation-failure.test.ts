import { HttpError } from "@arizeai/phoenix-client";
import { describe, expect, it } from "vitest";
import { whyPhoenixFailed } from "./annotation-failure.ts";

const answered = (status: number, statusText: string) => new HttpError(new Response("", { status, statusText }));

describe("what the user is told when Phoenix does not take an annotation", () => {
  it("nothing answered: not reachable, the cause, what was lost, how to start Phoenix", () => {
    const error = new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:6006") });
    expect(whyPhoenixFailed(error, "http://localhost:6006", "the vote")).toBe(
      "Phoenix is not reachable at http://localhost:6006 (connect ECONNREFUSED 127.0.0.1:6006): the vote was not saved. Start it with `npm run phoenix`, or set PHOENIX_COLLECTOR_ENDPOINT to where it runs.",
    );
  });

  it("401 and 403: which variable to set, and whether the key sent was refused", () => {
    expect(whyPhoenixFailed(answered(401, "Unauthorized"), "http://localhost:6006", "the vote")).toMatch(/^The vote was not saved in Phoenix\. Phoenix asks for an API key \(HTTP 401\): set PHOENIX_API_KEY/);
    expect(whyPhoenixFailed(answered(403, "Forbidden"), "http://localhost:6006", "the verdicts", { authorization: "Bearer k" })).toMatch(/HTTP 403\): the key sent was not accepted/);
  });

  it("another refusal: the status, and where", () => {
    expect(whyPhoenixFailed(answered(422, "Unprocessable Entity"), "http://localhost:6006", "the vote")).toBe("Phoenix at http://localhost:6006 refused the vote (HTTP 422 Unprocessable Entity).");
  });

  it("the same failure, the same sentence: a caller can tell it once", () => {
    const twice = [1, 2].map(() => whyPhoenixFailed(new TypeError("fetch failed"), "http://x", "the verdicts"));
    expect(twice[0]).toBe(twice[1]);
  });
});
