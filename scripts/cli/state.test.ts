// Progress survives what learners do to it: a hand-edited or truncated file, an older
// workbook's file, lessons added or renamed by `git pull`.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { loadState, nextUnfinished, openingLesson, recordVerdict, saveState, stateFile } from "./state.ts";

const lesson = (number: number, slug: string): Lesson => ({ number, slug, title: slug, files: ["a.ts"], run: "a.ts", test: "a.test.ts" });
const lessons = [lesson(1, "01-one"), lesson(2, "02-two"), lesson(3, "03-three")];
let root: string;
const write = (text: string) => {
  mkdirSync(path.join(root, ".workbook"), { recursive: true });
  writeFileSync(stateFile(root), text);
};

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("the progress file", () => {
  it("starts fresh, silently, when there is none", () => {
    root = mkdtempSync(path.join(tmpdir(), "workbook-state-"));
    const { state, warning } = loadState(root, lessons);
    expect(warning).toBeUndefined();
    expect(state.done).toEqual([]);
    expect(openingLesson(state, lessons).slug).toBe("01-one");
  });

  it("is rebuilt with a warning when it is not JSON", () => {
    root = mkdtempSync(path.join(tmpdir(), "workbook-state-"));
    write('{"version": 1, "done": ["01-');
    const { state, warning } = loadState(root, lessons);
    expect(warning).toContain("not valid JSON");
    expect(warning).toContain("npm run workbook -- check");
    expect(state.done).toEqual([]);
  });

  it("is rebuilt with a warning when it comes from another version", () => {
    root = mkdtempSync(path.join(tmpdir(), "workbook-state-"));
    write(JSON.stringify({ done: ["01-one"] }));
    expect(loadState(root, lessons).warning).toContain("another workbook version");
  });

  it("keeps known lessons and drops ones the workbook no longer has", () => {
    root = mkdtempSync(path.join(tmpdir(), "workbook-state-"));
    write(JSON.stringify({ version: 1, current: "99-gone", done: ["02-two", "99-gone", 7], hintsShown: { "02-two": 2, "03-three": -1 } }));
    const { state, warning } = loadState(root, lessons);
    expect(warning).toBeUndefined();
    expect(state.done).toEqual(["02-two"]);
    expect(state.hintsShown).toEqual({ "02-two": 2 });
    expect(state.current).toBe("01-one");
  });

  it("round-trips, and the opening lesson is the first unfinished one", () => {
    root = mkdtempSync(path.join(tmpdir(), "workbook-state-"));
    let { state } = loadState(root, lessons);
    state = recordVerdict(state, lessons, "02-two", true);
    state = recordVerdict(state, lessons, "01-one", true);
    saveState(root, { ...state, current: "01-one" });
    const reloaded = loadState(root, lessons).state;
    expect(reloaded.done).toEqual(["01-one", "02-two"]);
    expect(openingLesson(reloaded, lessons).slug).toBe("03-three");
    expect(nextUnfinished(reloaded, lessons, lessons[0]!)?.slug).toBe("03-three");
    expect(nextUnfinished(recordVerdict(reloaded, lessons, "03-three", true), lessons, lessons[2]!)).toBeUndefined();
    expect(JSON.parse(readFileSync(stateFile(root), "utf8")).version).toBe(1);
  });

  it("forgets a lesson's done mark when its check fails again", () => {
    root = mkdtempSync(path.join(tmpdir(), "workbook-state-"));
    const state = recordVerdict(recordVerdict(loadState(root, lessons).state, lessons, "01-one", true), lessons, "01-one", false);
    expect(state.done).toEqual([]);
  });
});
