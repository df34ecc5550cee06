// How a failure is told: an expected problem as its own words, a bug as a bug, with its stack
// where someone can copy it into a report.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeFailure, failureNotice, WorkbookProblem } from "./problems.ts";

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "workbook-problems-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("telling a failure to the learner", () => {
  it("an expected problem is its message alone, cause and fix, without a stack", () => {
    const problem = new WorkbookProblem("Cannot run git to diff lessons/01-tracer-setup/tracing.ts. Fix: install git.");
    expect(describeFailure(problem)).toBe(problem.message);
    expect(failureNotice(problem, root)).toBe(problem.message);
  });

  it("a bug in the plain commands says so and brings its stack", () => {
    const text = describeFailure(new TypeError("reading 'files' of undefined"));
    expect(text).toContain("This is a bug in the workbook");
    expect(text).toContain("TypeError: reading 'files' of undefined");
    expect(text).toMatch(/^\s+at /m);
  });

  it("a bug in watch mode is one line that says so, with the stack kept in .workbook/last-error.log", () => {
    const notice = failureNotice(new TypeError("reading 'files' of undefined\nmore detail"), root);
    expect(notice).not.toContain("\n");
    expect(notice).toContain("Unexpected error: TypeError: reading 'files' of undefined");
    expect(notice).toContain("bug in the workbook");
    expect(notice).toContain(path.join(".workbook", "last-error.log"));
    expect(readFileSync(path.join(root, ".workbook", "last-error.log"), "utf8")).toMatch(/^\s+at /m);
  });
});
