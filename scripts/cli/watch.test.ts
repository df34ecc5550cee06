// Watch mode in a real terminal (tmux), as a learner meets it: `npm start` on a copy of the
// workbook, the lesson file edited from outside as an editor would save it, keys pressed.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyWorkbook, type RepoCopy } from "../lib/repo-copy.ts";
import { requireTmux, TmuxSession } from "./test-support/tmux.ts";
import { ANSI, runWorkbook } from "./test-support/cli.ts";

let copy: RepoCopy;
let terminal: TmuxSession;
const lessonFile = () => path.join(copy.root, "lessons/01-tracer-setup/tracing.ts");
let starterText: string;

/** Saves like editors that write a temporary file and rename it over the original. */
function saveLikeAnEditor(file: string, text: string): void {
  const temporary = `${file}.swp-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

beforeAll(() => {
  requireTmux();
  copy = copyWorkbook();
  starterText = readFileSync(lessonFile(), "utf8");
  terminal = new TmuxSession(copy.root, "npm start");
});
afterAll(() => {
  terminal?.close();
  copy?.remove();
});

describe("watch mode (npm start) in a terminal", { timeout: 180_000 }, () => {
  it("opens on the first unfinished lesson with its verdict, the progress bar and the file to edit", async () => {
    const screen = await terminal.waitFor("✗ not passing yet");
    expect(screen).toContain("Lesson 1: Tracer setup");
    expect(screen).toContain("Edit: lessons/01-tracer-setup/tracing.ts");
    expect(screen).toContain("0/6 lessons done");
    expect(screen).toContain("expected: 1 exported span");
    expect(screen).toContain("Hints read: 0 of");
  });

  it("h shows the first hint", async () => {
    await terminal.pressUntil("h", /Hint 1 of \d/);
  });

  it("n refuses to move on while the lesson fails", async () => {
    await terminal.pressUntil("n", "n moves on once Lesson 1: Tracer setup passes");
  });

  it("d asks before showing the solution of a lesson that is not passing", async () => {
    await terminal.pressUntil("d", "is not passing yet, and the diff shows the answer. Show it anyway? (y/n)");
    terminal.press("y");
    const screen = await terminal.waitFor("+++ b/solutions/01-tracer-setup/tracing.ts");
    expect(screen).toContain("--- a/lessons/01-tracer-setup/tracing.ts");
    terminal.press("Enter");
    await terminal.waitFor("✗ not passing yet");
  });

  it("saving the solved file re-checks it: done, the solution to compare, the progress bar moves", async () => {
    saveLikeAnEditor(lessonFile(), readFileSync(path.join(copy.root, "solutions/01-tracer-setup/tracing.ts"), "utf8"));
    const screen = await terminal.waitFor("✓ passing");
    expect(screen).toContain("all 5 checks pass");
    expect(screen).toContain("Compare your code with the solution: solutions/01-tracer-setup/tracing.ts");
    expect(screen).toContain("1/6 lessons done");
  });

  it("x then y backs up the file and restores the starter", async () => {
    await terminal.pressUntil("x", "to the starter? Your files are backed up first. (y/n)");
    terminal.press("y");
    const screen = await terminal.waitFor((text) => text.includes("Restored the starter") && text.includes("✗ not passing yet"));
    const backupDir = /Backed up your files to (\S+)\//.exec(screen)?.[1];
    expect(backupDir).toBeDefined();
    expect(existsSync(path.join(copy.root, backupDir!, "tracing.ts"))).toBe(true);
    expect(readFileSync(lessonFile(), "utf8")).toBe(starterText);
    expect(screen).toContain("0/6 lessons done");
  });

  it("a deleted lesson file is noticed and offered back from the starter", async () => {
    rmSync(lessonFile());
    await terminal.waitFor("tracing.ts is missing");
    await terminal.pressUntil("x", "(y/n)");
    terminal.press("y");
    await terminal.waitFor((text) => text.includes("Restored the starter") && text.includes("0 of 5 checks pass"));
    expect(readFileSync(lessonFile(), "utf8")).toBe(starterText);
  });

  it("r runs the lesson: the bot's reply and the span tree", async () => {
    const screen = await terminal.pressUntil("r", "Press Enter to see the verdict again.");
    expect(screen).toContain("bot:");
    expect(screen).toContain("spans:");
    terminal.press("Enter");
    await terminal.waitFor("✗ not passing yet");
  });

  it("l lists the lessons and Enter opens the chosen one", async () => {
    await terminal.pressUntil("l", "Enter open");
    terminal.press("Down", "Enter");
    const screen = await terminal.waitFor((text) => text.includes("Lesson 2: The first span") && text.includes("not passing yet"));
    expect(screen).toContain("Edit: lessons/02-first-span/chatbot.ts");
  });

  it("q quits and says where progress is kept", async () => {
    terminal.press("q");
    await terminal.waitFor("Your progress is saved in .workbook/state.json");
    const state = JSON.parse(readFileSync(path.join(copy.root, ".workbook/state.json"), "utf8"));
    expect(state.current).toBe("02-first-span");
    expect(readdirSync(path.join(copy.root, ".workbook/backups")).length).toBe(1);
  });
});

describe("subcommands in a terminal", { timeout: 120_000 }, () => {
  it("are coloured in a TTY and plain when piped, with the same exit code", async () => {
    const session = new TmuxSession(copy.root, "node node_modules/tsx/dist/cli.mjs scripts/workbook.ts check 2; echo EXIT=$?");
    try {
      await session.waitFor("EXIT=");
      expect(session.screen()).toContain("EXIT=1");
      expect(session.screen(true)).toMatch(ANSI);
    } finally {
      session.close();
    }
    const piped = await runWorkbook(copy.root, ["check", "2"]);
    expect(piped.code).toBe(1);
    expect(piped.stdout).not.toMatch(ANSI);
  });
});
