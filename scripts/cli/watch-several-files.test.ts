// Watch mode in a real terminal (tmux) on lessons of several modules: two fixture lessons added
// to a copy of the workbook (greeting.ts and farewell.ts to edit, names.ts carried; a last check
// that takes 1.5 s, or 60 s while greeting.ts is unsolved). What the learner sees first, a save
// in any module of the lesson, the verdict first and fast, and a done lesson that breaks.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyWorkbook, type RepoCopy } from "../lib/repo-copy.ts";
import { addFixtureLesson, saveFixture, type FixtureLesson } from "./test-support/fixture-lesson.ts";
import { requireTmux, TmuxSession } from "./test-support/tmux.ts";

let copy: RepoCopy;
let first: FixtureLesson;
let second: FixtureLesson;
let terminal: TmuxSession;
const label = (fixture: FixtureLesson) => `Lesson ${fixture.lesson.number}: Fixture`;
const at = (fixture: FixtureLesson, file: string) => `lessons/${fixture.lesson.slug}/${file}`;

beforeAll(() => {
  requireTmux();
  copy = copyWorkbook();
  first = addFixtureLesson(copy.root, { slowCheckMs: 1_500, unsolvedCheckMs: 60_000 });
  second = addFixtureLesson(copy.root, { slowCheckMs: 1_500 });
  // The learner is at the first fixture lesson: watch mode opens there.
  mkdirSync(path.join(copy.root, ".workbook"), { recursive: true });
  writeFileSync(path.join(copy.root, ".workbook/state.json"), JSON.stringify({ version: 1, current: first.lesson.slug, done: [], hintsShown: {} }));
  terminal = new TmuxSession(copy.root, "npm start", { columns: 160, rows: 45 });
});
afterAll(() => {
  terminal?.close();
  copy?.remove();
});

describe("watch mode on a lesson of several modules", { timeout: 180_000 }, () => {
  it("the first screen names the README and each file to open, as paths, in reading order", async () => {
    const screen = await terminal.waitFor(label(first));
    expect(screen).toContain(`Read: ${at(first, "README.md")}`);
    expect(screen).toContain(`Edit: ${at(first, "greeting.ts")}, ${at(first, "farewell.ts")}  (save to check, in this order)`);
  });

  it("a failure is on screen as soon as its check ends, while a slower check is still running", async () => {
    // The starter's last check takes 60 s: the failure before it can only come from the check under way.
    const screen = await terminal.waitFor("✗ failing, checking the rest...", 30_000);
    expect(screen).toMatch(new RegExp(`✗ ${label(first)}: a check fails \\(0 of \\d pass so far; the rest are still running\\)\\.`));
    expect(screen).toContain("First failing check: greets the learner by name");
  });

  it("a save stops the check under way, and its own verdict comes at once (not after the 60 s check)", async () => {
    saveFixture(first, first.solution);
    const screen = await terminal.waitFor("✓ passing", 20_000);
    expect(screen).toContain(`✓ ${label(first)}: all 3 checks pass.`);
    expect(screen).not.toContain("the check was stopped after");
  });

  it("a save of the module the lesson carries (names.ts) is checked too; the done lesson it breaks says so, and why", async () => {
    saveFixture(first, { "names.ts": first.solution["names.ts"]!.replace('"Ada"', '"Bob"') });
    const screen = await terminal.waitFor("✗ not passing yet", 30_000);
    expect(screen).toContain(`${label(first)} was done, and fails now since ${at(first, "names.ts")} changed: "greets the learner by name".`);
    saveFixture(first, { "names.ts": first.solution["names.ts"]! });
    await terminal.waitFor("✓ passing", 30_000);
  });

  it("a hint cut to fit points at the command that prints it whole (hint N k), the hint above the verdict", async () => {
    await terminal.pressUntil("h", "Hint 1 of 2");
    terminal.resize(160, 25);
    try {
      const screen = await terminal.pressUntil("h", "Hint 2 of 2");
      expect(screen).toContain("step 1 of writing");
      expect(screen).toContain(`(all of it: npm run workbook -- hint ${first.lesson.number} 2)`);
      expect(screen.indexOf("Hint 2 of 2")).toBeLessThan(screen.indexOf("… "));
    } finally {
      terminal.resize(160, 45);
    }
  });

  it("a done lesson whose files changed is checked again after the current lesson's verdict, and named when it fails", async () => {
    // Move on to the second fixture lesson; the first is done.
    await terminal.pressUntil("n", label(second));
    await terminal.waitFor("✗ not passing yet", 30_000);
    // An edit of the first lesson's file, from another editor window: noticed after the next verdict.
    saveFixture(first, { "farewell.ts": first.starter["farewell.ts"]! });
    saveFixture(second, second.solution);
    const screen = await terminal.waitFor((text) => text.includes("was done, and fails now"), 60_000);
    expect(screen).toContain("✓ passing");
    expect(screen).toContain(
      `${label(first)} was done, and fails now since ${at(first, "farewell.ts")} changed: "says goodbye by name". It counts as done again once it passes. Press l to open it.`,
    );
    await terminal.pressUntil("l", new RegExp(`${first.lesson.number}\\s+pending\\s+${first.lesson.slug}`));
    await terminal.pressUntil("Escape", (text) => !text.includes("Enter open"));
  });

  it("q quits", async () => {
    terminal.press("q");
    await terminal.waitFor("Your progress is saved in .workbook/state.json");
  });
});
