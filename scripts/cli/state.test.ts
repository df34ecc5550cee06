// Progress survives what learners do to it: a hand-edited or truncated file, an older
// workbook's file, lessons added or renamed by `git pull`, and two terminals updating it at once.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { STALE_LOCK_MS } from "./file-lock.ts";
import { changedSincePassed, loadState, nextUnfinished, openingLesson, recordVerdict, stateFile, updateState, type WorkbookState } from "./state.ts";

const lesson = (number: number, slug: string): Lesson => ({ number, slug, title: slug, files: ["a.ts"], run: "a.ts", test: "a.test.ts", runs: "turn", ask: ["Hello!"] });
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

  it.each([
    ["done is not a list", { done: "01-one" }, '"done" that is not a list of lesson slugs'],
    ["done holds a number", { done: ["01-one", 7] }, '"done" that is not a list of lesson slugs'],
    ["hintsShown is a string", { hintsShown: "2" }, '"hintsShown" that is not a count of hints read per lesson'],
    ["a hint count is negative", { hintsShown: { "01-one": -1 } }, '"hintsShown" that is not a count of hints read per lesson'],
    ["current is a number", { current: 2 }, '"current" that is not a lesson slug'],
    ["current is missing", { current: undefined }, '"current" that is not a lesson slug (it is missing)'],
  ])("is rebuilt with a warning when it is JSON of the wrong shape: %s", (_case, fields, cause) => {
    root = mkdtempSync(path.join(tmpdir(), "workbook-state-"));
    write(JSON.stringify({ version: 1, current: "02-two", done: ["01-one"], hintsShown: { "01-one": 1 }, ...fields }));
    const { state, warning } = loadState(root, lessons);
    expect(warning).toContain(`.workbook/state.json has a ${cause}`);
    expect(warning).toContain("npm run workbook -- check");
    expect(state.done).toEqual([]);
    expect(state.hintsShown).toEqual({});
  });

  it("keeps known lessons and drops ones the workbook no longer has", () => {
    root = mkdtempSync(path.join(tmpdir(), "workbook-state-"));
    write(JSON.stringify({ version: 1, current: "99-gone", done: ["02-two", "99-gone"], hintsShown: { "02-two": 2, "99-gone": 1 } }));
    const { state, warning } = loadState(root, lessons);
    expect(warning).toBeUndefined();
    expect(state.done).toEqual(["02-two"]);
    expect(state.hintsShown).toEqual({ "02-two": 2 });
    expect(state.current).toBe("01-one");
  });

  it("round-trips, and the opening lesson is the first unfinished one", () => {
    root = mkdtempSync(path.join(tmpdir(), "workbook-state-"));
    updateState(root, lessons, (state) => recordVerdict(state, lessons, "02-two", true));
    updateState(root, lessons, (state) => ({ ...recordVerdict(state, lessons, "01-one", true), current: "01-one" }));
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

describe("two terminals updating the progress at once", () => {
  const countHint = (slug: string) => (state: WorkbookState): WorkbookState => ({
    ...state,
    hintsShown: { ...state.hintsShown, [slug]: (state.hintsShown[slug] ?? 0) + 1 },
  });

  it("each update starts from the file, so one made elsewhere in between is kept", () => {
    root = mkdtempSync(path.join(tmpdir(), "workbook-state-"));
    // Watch mode opened with lesson 2 done; meanwhile `hint 1` ran in another terminal.
    updateState(root, lessons, (state) => recordVerdict(state, lessons, "02-two", true));
    updateState(root, lessons, countHint("01-one"));
    // Now `reset 2 --yes` in the other terminal, and watch mode records the current lesson.
    updateState(root, lessons, (state) => recordVerdict(state, lessons, "02-two", false));
    updateState(root, lessons, (state) => ({ ...state, current: "03-three" }));
    const saved = loadState(root, lessons).state;
    expect(saved.hintsShown).toEqual({ "01-one": 1 });
    expect(saved.done).toEqual([]);
    expect(saved.current).toBe("03-three");
  });

  it("two processes counting hints at the same moment keep every count", { timeout: 30_000 }, async () => {
    root = mkdtempSync(path.join(tmpdir(), "workbook-state-"));
    const times = 300;
    const counter = (slug: string) =>
      new Promise<number | null>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ["--import", "tsx", path.join(import.meta.dirname, "test-support", "count-hints.ts"), root, JSON.stringify(lessons), slug, String(times)],
          { stdio: ["ignore", "inherit", "inherit"] },
        );
        child.on("error", reject);
        child.on("close", resolve);
      });
    const both = Promise.all([counter("01-one"), counter("02-two")]);
    // Both are started and waiting: let them go together, so that their updates interleave.
    while (!existsSync(path.join(root, "ready-01-one")) || !existsSync(path.join(root, "ready-02-two"))) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    writeFileSync(path.join(root, "go"), "");
    expect(await both).toEqual([0, 0]);
    expect(loadState(root, lessons).state.hintsShown).toEqual({ "01-one": times, "02-two": times });
  });

  it("a lock left by a process killed mid-update is taken over once it is stale", () => {
    root = mkdtempSync(path.join(tmpdir(), "workbook-state-"));
    mkdirSync(path.join(root, ".workbook"), { recursive: true });
    const lock = `${stateFile(root)}.lock`;
    writeFileSync(lock, "");
    const longAgo = (Date.now() - STALE_LOCK_MS * 2) / 1000;
    utimesSync(lock, longAgo, longAgo);
    updateState(root, lessons, countHint("01-one"));
    expect(loadState(root, lessons).state.hintsShown).toEqual({ "01-one": 1 });
    expect(existsSync(lock)).toBe(false);
  });

  it("keeps, for each done lesson, the files it passed with, so that a later change to them is named", () => {
    root = mkdtempSync(path.join(tmpdir(), "workbook-state-"));
    const passed = updateState(root, lessons, (state) => recordVerdict(state, lessons, "02-two", true, { "a.ts": "1111", "b.ts": "2222" })).state;
    expect(passed.done).toEqual(["02-two"]);
    expect(changedSincePassed(loadState(root, lessons).state, "02-two", { "a.ts": "1111", "b.ts": "2222" })).toEqual([]);
    expect(changedSincePassed(loadState(root, lessons).state, "02-two", { "a.ts": "1111", "b.ts": "3333", "c.ts": "4444" })).toEqual(["b.ts", "c.ts"]);
    // A lesson marked done before files were noted: not known, so it is checked again rather than trusted.
    expect(changedSincePassed(loadState(root, lessons).state, "01-one", { "a.ts": "1111" })).toBeUndefined();
    const failed = updateState(root, lessons, (state) => recordVerdict(state, lessons, "02-two", false)).state;
    expect(failed.done).toEqual([]);
    expect(failed.passedWith).toEqual({});
  });

  it("drops, without a warning, noted files that are unreadable or belong to a lesson that is not done", () => {
    root = mkdtempSync(path.join(tmpdir(), "workbook-state-"));
    write(JSON.stringify({ version: 1, current: "02-two", done: ["01-one"], hintsShown: {}, passedWith: { "01-one": { "a.ts": 7 }, "02-two": { "a.ts": "1111" } } }));
    const { state, warning } = loadState(root, lessons);
    expect(warning).toBeUndefined();
    expect(state.done).toEqual(["01-one"]);
    expect(state.passedWith).toEqual({});
  });
});
