import { describe, expect, it } from "vitest";
import { decodeKeys } from "./keys.ts";

describe("reading keys from the terminal", () => {
  it("names single keys, arrows and control keys", () => {
    expect(decodeKeys("n")).toEqual(["n"]);
    expect(decodeKeys("\r")).toEqual(["enter"]);
    expect(decodeKeys("\u001b")).toEqual(["escape"]);
    expect(decodeKeys("\u0003")).toEqual(["ctrl-c"]);
    expect(decodeKeys("\u001b[A")).toEqual(["up"]);
    expect(decodeKeys("\u001bOB")).toEqual(["down"]);
  });

  it("splits keys that arrive together", () => {
    expect(decodeKeys("\u001b[B\r")).toEqual(["down", "enter"]);
    expect(decodeKeys("yq")).toEqual(["y", "q"]);
  });
});
