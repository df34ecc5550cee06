// Watch mode in a real terminal (tmux), as a learner meets it: `npm start` on a copy of the
// workbook, the lesson file edited from outside as an editor would save it, keys pressed.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCatalog } from "../../shared/lessons/catalog.ts";
import { copyWorkbook, type RepoCopy } from "../lib/repo-copy.ts";
import { requireTmux, TmuxSession } from "./test-support/tmux.ts";
import { ANSI, runWorkbook } from "./test-support/cli.ts";
import { blockProgressFolder } from "./test-support/unwritable-progress.ts";

/** How many lessons the catalog has: the progress line counts them all. */
const LESSONS = loadCatalog().length;

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

/**
 * Makes a module (outside the current lesson's folder, so no check follows) wait when it is
 * loaded until the test releases it: the run or check that loads it is then surely still
 * under way while the test saves. Returns the release, which also puts the module back.
 */
function holdWhenLoaded(relativeFile: string): () => void {
  const file = path.join(copy.root, relativeFile);
  const original = readFileSync(file, "utf8");
  const released = path.join(copy.root, `.released-${path.basename(path.dirname(file))}`);
  const hold = [
    `import { existsSync as releasedByTest } from "node:fs";`,
    `while (!releasedByTest(${JSON.stringify(released)})) await new Promise((resolve) => setTimeout(resolve, 50));`,
  ].join("\n");
  writeFileSync(file, `${hold}\n${original}`);
  return () => {
    writeFileSync(released, "");
    writeFileSync(file, original);
  };
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
    expect(screen).toContain("Read: lessons/01-tracer-setup/README.md");
    expect(screen).toContain("Edit: lessons/01-tracer-setup/tracing.ts");
    expect(screen).toContain(`0/${LESSONS} lessons done`);
    expect(screen).toContain("expected: 1 exported span");
    expect(screen).toContain("Hints read: 0 of");
  });

  it("h shows the first hint", async () => {
    await terminal.pressUntil("h", /Hint 1 of \d/);
  });

  it("a key whose work fails (progress cannot be saved) shows a red notice naming the fix, and watch mode goes on", async () => {
    const unblock = blockProgressFolder(copy.root);
    try {
      await terminal.pressUntil("h", "Cannot save your progress to .workbook/state.json");
      expect(terminal.screen()).toContain("Fix: make the .workbook folder writable");
    } finally {
      unblock();
    }
    await terminal.pressUntil("h", (screen) => /Hint \d of \d/.test(screen) && !screen.includes("Cannot save"));
    expect(terminal.paneDead()).toBe(false);
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
    expect(screen).toContain(`1/${LESSONS} lessons done`);
  });

  it("x then y backs up the file and restores the starter", async () => {
    await terminal.pressUntil("x", "(tracing.ts) to the starter? What you changed is backed up first. (y/n)");
    terminal.press("y");
    const screen = await terminal.waitFor((text) => text.includes("Restored the starter") && text.includes("✗ not passing yet"));
    const backupDir = /Backed up lessons\/01-tracer-setup\/tracing\.ts to (\S+)\//.exec(screen)?.[1];
    expect(backupDir).toBeDefined();
    expect(existsSync(path.join(copy.root, backupDir!, "tracing.ts"))).toBe(true);
    expect(screen).toContain(`npm run workbook -- reset 1 --restore ${path.basename(backupDir!)}`);
    expect(readFileSync(lessonFile(), "utf8")).toBe(starterText);
    expect(screen).toContain(`0/${LESSONS} lessons done`);
  });

  it("a deleted lesson file is noticed and offered back from the starter", async () => {
    rmSync(lessonFile());
    const screen = await terminal.waitFor("tracing.ts is missing");
    // The x above made a backup: the learner's own work can come back too, by its name.
    expect(screen).toMatch(/npm run workbook -- reset 1 --restore \S+-01-tracer-setup/);
    expect(screen).toContain("npm run workbook -- reset 1 --backups");
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

  it("a save during r (run) is checked as soon as the run ends", async () => {
    // The runner every lesson's chatbot.ts starts with; lesson 1's check does not load it.
    const release = holdWhenLoaded("shared/lesson-runner/run-lesson.ts");
    try {
      await terminal.pressUntil("r", "running lessons/01-tracer-setup/chatbot.ts...");
      saveLikeAnEditor(lessonFile(), readFileSync(path.join(copy.root, "solutions/01-tracer-setup/tracing.ts"), "utf8"));
      await terminal.waitFor("(your save is checked when it ends)");
    } finally {
      release();
    }
    const screen = await terminal.waitFor((text) => text.includes("✓ passing") && text.includes("all 5 checks pass"));
    expect(screen).not.toContain("Press Enter to see the verdict again.");
  });

  it("c checks the current lesson first; a save meanwhile is checked at once, and the other lessons after it", async () => {
    const release = holdWhenLoaded("lessons/06-errors/chatbot.ts");
    try {
      await terminal.pressUntil("c", "Checking every lesson...");
      // The current lesson's verdict is in; the others are checked in the background, lesson 6 held.
      await terminal.waitFor(/checking every lesson: \d+ of \d+ done/);
      saveLikeAnEditor(lessonFile(), starterText);
      // The save's verdict comes while lesson 6 is still held: it did not wait for every lesson.
      await terminal.waitFor((text) => text.includes("0 of 5 checks pass") && text.includes("✗ not passing yet"));
      expect(terminal.screen()).not.toContain("Every lesson, checked again");
    } finally {
      release();
    }
    const screen = await terminal.waitFor("Every lesson, checked again:");
    expect(screen).toMatch(/✗ Lesson 1: Tracer setup/);
    terminal.press("Enter");
    await terminal.waitFor((text) => text.includes("0 of 5 checks pass") && !text.includes("Every lesson, checked again"));
  });

  it("l lists the lessons and Enter opens the chosen one", async () => {
    await terminal.pressUntil("l", "Enter open");
    terminal.press("Down", "Enter");
    const screen = await terminal.waitFor((text) => text.includes("Lesson 2: The first span") && text.includes("not passing yet"));
    expect(screen).toContain("Edit: lessons/02-first-span/chatbot.ts");
  });

  it("saving tracing.ts, which lesson 2's chatbot.ts imports, checks the lesson again", async () => {
    const tracing = path.join(copy.root, "lessons/02-first-span/tracing.ts");
    const text = readFileSync(tracing, "utf8");
    saveLikeAnEditor(tracing, text.replace("export function setupTracing(", "export function setupTracing(("));
    await terminal.waitFor(/Syntax error in lessons\/02-first-span\/tracing\.ts:\d+:\d+/);
    saveLikeAnEditor(tracing, text);
    await terminal.waitFor((screen) => /\d+ of \d+ checks pass/.test(screen) && !screen.includes("Syntax error"));
  });

  it("progress changed by plain commands in another terminal shows at once and is kept", async () => {
    // A hint read with `npm run workbook -- hint 2` counts in watch mode, and the next h goes on from it.
    expect((await runWorkbook(copy.root, ["hint", "2"])).stdout).toContain("Hint 1 of");
    await terminal.pressUntil("z", "Hints read: 1 of");
    await terminal.pressUntil("h", /Hint 2 of \d/);
    // Lesson 1 checked done, then reset, elsewhere: watch mode counts it done, then no longer.
    writeFileSync(lessonFile(), readFileSync(path.join(copy.root, "solutions/01-tracer-setup/tracing.ts"), "utf8"));
    expect((await runWorkbook(copy.root, ["check", "1"])).code).toBe(0);
    await terminal.pressUntil("z", `1/${LESSONS} lessons done`);
    writeFileSync(lessonFile(), starterText);
    expect((await runWorkbook(copy.root, ["reset", "1", "--yes"])).code).toBe(0);
    await terminal.pressUntil("z", `0/${LESSONS} lessons done`);
    await terminal.pressUntil("l", /1\s+pending\s+01-tracer-setup/);
    await terminal.pressUntil("Escape", (screen) => !screen.includes("Enter open"));
    const state = JSON.parse(readFileSync(path.join(copy.root, ".workbook/state.json"), "utf8"));
    expect(state.hintsShown["02-first-span"]).toBe(2);
    expect(state.done).toEqual([]);
  });

  it("q quits and says where progress is kept", async () => {
    terminal.press("q");
    await terminal.waitFor("Your progress is saved in .workbook/state.json");
    const state = JSON.parse(readFileSync(path.join(copy.root, ".workbook/state.json"), "utf8"));
    expect(state.current).toBe("02-first-span");
    expect(readdirSync(path.join(copy.root, ".workbook/backups")).length).toBe(1);
  });
});

describe("watch mode without git", { timeout: 120_000 }, () => {
  it("d says git is missing and how to fix it, and watch mode goes on", async () => {
    // An empty PATH: no git to find. Node and tsx are started by their full paths.
    const noGit = mkdtempSync(path.join(copy.root, ".no-git-"));
    mkdirSync(noGit, { recursive: true });
    const session = new TmuxSession(copy.root, `PATH=${noGit} ${process.execPath} node_modules/tsx/dist/cli.mjs scripts/workbook.ts`);
    try {
      await session.waitFor("✗ not passing yet");
      await session.pressUntil("d", "(y/n)");
      session.press("y");
      const screen = await session.waitFor("Cannot run git to diff lessons/02-first-span/chatbot.ts");
      expect(screen).toContain("Fix: install git");
      await session.pressUntil("h", /Hint \d of \d/);
      expect(session.paneDead()).toBe(false);
    } finally {
      session.close();
    }
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
