// The plain subcommands, run as a learner's script or CI would run them: piped output (no TTY),
// on a copy of the workbook. Output and exit codes are the contract.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCatalog } from "../../shared/lessons/catalog.ts";
import { copyWorkbook, type RepoCopy } from "../lib/repo-copy.ts";
import { ANSI, runWorkbook } from "./test-support/cli.ts";
import { blockProgressFolder } from "./test-support/unwritable-progress.ts";

/** How many lessons the catalog has: the progress line counts them all. */
const LESSONS = loadCatalog().length;

let copy: RepoCopy;
const lessonFile = () => path.join(copy.root, "lessons/01-tracer-setup/tracing.ts");
const solutionFile = () => path.join(copy.root, "solutions/01-tracer-setup/tracing.ts");
const starter = () => readFileSync(path.join(copy.root, "lessons/01-tracer-setup/tracing.ts"), "utf8");
let starterText: string;

beforeAll(() => {
  copy = copyWorkbook();
  starterText = starter();
});
afterAll(() => copy?.remove());

describe("workbook subcommands without a TTY", { timeout: 120_000 }, () => {
  it("list shows every lesson as pending and the progress, in plain text", async () => {
    const result = await runWorkbook(copy.root, ["list"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("01-tracer-setup");
    expect(result.stdout).toContain("06-errors");
    expect(result.stdout).toContain(`0/${LESSONS} lessons done`);
    expect(result.stdout).not.toMatch(ANSI);
  });

  it("check on the starter fails with exit code 1 and the harness's explanation", async () => {
    const result = await runWorkbook(copy.root, ["check", "1"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("✗ Lesson 1: Tracer setup");
    expect(result.stdout).toContain("expected: 1 exported span");
    expect(result.stdout).toContain("Read: lessons/01-tracer-setup/README.md");
    expect(result.stdout).toContain("Edit: lessons/01-tracer-setup/tracing.ts");
    expect(result.stdout).not.toMatch(ANSI);
  });

  it("check on the solved lesson passes with exit code 0, records it as done and names the solution", async () => {
    writeFileSync(lessonFile(), readFileSync(solutionFile(), "utf8"));
    const result = await runWorkbook(copy.root, ["check", "01"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("all 5 checks pass");
    expect(result.stdout).toContain("solutions/01-tracer-setup/tracing.ts");
    const list = await runWorkbook(copy.root, ["list"]);
    expect(list.stdout).toMatch(/1\s+done\s+01-tracer-setup/);
    expect(list.stdout).toContain(`1/${LESSONS} lessons done`);
  });

  it("an unknown lesson exits with 2 and lists the valid ones", async () => {
    const result = await runWorkbook(copy.root, ["check", "42"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('There is no lesson "42"');
    expect(result.stderr).toContain("03-llm-attributes");
  });

  it("an unknown command exits with 2 and prints the usage", async () => {
    const result = await runWorkbook(copy.root, ["frobnicate"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Usage:");
  });

  it.each([
    [["check", "3", "--yes"], "`check` has no option --yes."],
    [["list", "--all"], "`list` has no option --all."],
    [["reset", "1", "--restore"], "--restore needs the name of a backup"],
    [["reset", "1", "--yes=no"], "--yes takes no value."],
    [["hint", "1", "2", "3"], '`hint` takes no "3".'],
    [["reset", "1", "--backups", "--restore", "x"], "not both"],
    [["--manul"], "Watch mode has no option --manul."],
  ])("a command line it does not know (%j) exits with 2, says what is wrong and prints the usage", async (args, complaint) => {
    const result = await runWorkbook(copy.root, args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(complaint);
    expect(result.stderr).toMatch(/Write it as: npm (start|run workbook -- [a-z]+)/);
    expect(result.stderr).toContain("Usage:");
    expect(result.stdout).toBe("");
  });

  it("watch mode without a terminal explains itself instead of hanging", async () => {
    const result = await runWorkbook(copy.root, []);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Watch mode needs an interactive terminal");
  });

  it("hint reveals the hints one by one", async () => {
    const first = await runWorkbook(copy.root, ["hint", "tracer-setup"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Hint 1 of \d/);
    const second = await runWorkbook(copy.root, ["hint", "01-tracer-setup"]);
    expect(second.stdout).toMatch(/Hint 2 of \d/);
  });

  it("diff shows the learner's file against the solution, plain and whitespace-insensitive", async () => {
    writeFileSync(lessonFile(), starterText);
    const result = await runWorkbook(copy.root, ["diff", "1"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("--- a/lessons/01-tracer-setup/tracing.ts");
    expect(result.stdout).toContain("+++ b/solutions/01-tracer-setup/tracing.ts");
    expect(result.stdout).not.toMatch(ANSI);
    // Re-indenting the solution is no difference.
    writeFileSync(lessonFile(), readFileSync(solutionFile(), "utf8").replace(/^ {2}/gm, "    "));
    const reindented = await runWorkbook(copy.root, ["diff", "1"]);
    expect(reindented.stdout).toMatch(/the same as the solution's \(whitespace aside\): .*lessons\/01-tracer-setup\/tracing\.ts/);
    expect(reindented.stdout).not.toContain("---");
  });

  it("diff of a deleted lesson file says it is missing and how to get the starter back", async () => {
    rmSync(lessonFile());
    try {
      const result = await runWorkbook(copy.root, ["diff", "1"]);
      expect(result.stdout).toContain("lessons/01-tracer-setup/tracing.ts is missing");
      expect(result.stdout).toContain("npm run workbook -- reset 1");
      expect(result.stdout).not.toContain("the same as");
    } finally {
      writeFileSync(lessonFile(), starterText);
    }
  });

  it("diff with the solution file missing says the workbook is incomplete, never 'the same as the solution'", async () => {
    const solutionText = readFileSync(solutionFile(), "utf8");
    rmSync(solutionFile());
    try {
      const diff = await runWorkbook(copy.root, ["diff", "1"]);
      expect(diff.code).toBe(1);
      expect(diff.stderr).toContain("solutions/01-tracer-setup/tracing.ts is missing: this copy of the workbook is incomplete");
      expect(diff.stderr).toContain("git checkout -- solutions/01-tracer-setup/tracing.ts");
      expect(diff.stdout).not.toContain("the same as");
      const solution = await runWorkbook(copy.root, ["solution", "1"]);
      expect(solution.code).toBe(1);
      expect(solution.stderr).toContain("git checkout -- solutions/01-tracer-setup/tracing.ts");
    } finally {
      writeFileSync(solutionFile(), solutionText);
    }
  });

  it("diff treats anything git says on stderr as a failure, with its words", async () => {
    const solutionText = readFileSync(solutionFile(), "utf8");
    // A folder where the solution file should be: git exits 1, as for "differs", and complains.
    rmSync(solutionFile());
    mkdirSync(solutionFile());
    try {
      const result = await runWorkbook(copy.root, ["diff", "1"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("git could not compare lessons/01-tracer-setup/tracing.ts with solutions/01-tracer-setup/tracing.ts");
      expect(result.stderr).toContain("Could not access");
    } finally {
      rmSync(solutionFile(), { recursive: true });
      writeFileSync(solutionFile(), solutionText);
    }
  });

  it("without git, diff and reset name the cause and the fix, without a stack", async () => {
    const noGit = { PATH: path.join(copy.root, "no-such-bin") };
    const diff = await runWorkbook(copy.root, ["diff", "1"], noGit);
    expect(diff.code).toBe(1);
    expect(diff.stderr).toContain("Cannot run git to diff lessons/01-tracer-setup/tracing.ts");
    expect(diff.stderr).toContain("Fix: install git");
    const reset = await runWorkbook(copy.root, ["reset", "1", "--yes"], noGit);
    expect(reset.code).toBe(1);
    expect(reset.stderr).toContain("(or git is not installed)");
    for (const result of [diff, reset]) {
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(result.stderr).not.toContain("bug in the workbook");
    }
  });

  it("progress that cannot be saved is named with its fix, not shown as a crash", async () => {
    const unblock = blockProgressFolder(copy.root);
    try {
      const result = await runWorkbook(copy.root, ["hint", "1"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("Cannot save your progress to .workbook/state.json");
      expect(result.stderr).toContain("Fix: make the .workbook folder writable");
      expect(result.stderr).not.toMatch(/^\s+at /m);
    } finally {
      unblock();
    }
  });

  it("a bug in the CLI itself is reported as one, with its stack, instead of a one-line message", async () => {
    // Planted in the copy's own CLI code: the real workbook is never edited.
    const diffModule = path.join(copy.root, "scripts/cli/diff.ts");
    const original = readFileSync(diffModule, "utf8");
    const planted = original.replace(/(export function diffAgainstSolution\([^)]*\)[^{]*\{)/, '$1\n  throw new TypeError("a planted bug");');
    expect(planted).not.toBe(original);
    writeFileSync(diffModule, planted);
    try {
      const result = await runWorkbook(copy.root, ["diff", "1"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("This is a bug in the workbook, not in your code; please report it");
      expect(result.stderr).toContain("TypeError: a planted bug");
      expect(result.stderr).toMatch(/at diffAgainstSolution .*diff\.ts:\d+/);
    } finally {
      writeFileSync(diffModule, original);
    }
  });

  it("reset refuses without --yes when there is no terminal to ask on", async () => {
    const result = await runWorkbook(copy.root, ["reset", "1"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--yes");
  });

  it("reset --yes backs up the learner's file, restores the starter, and can put the backup back", async () => {
    const work = `${starterText}\n// my work in progress\n`;
    writeFileSync(lessonFile(), work);
    const result = await runWorkbook(copy.root, ["reset", "1", "--yes"]);
    expect(result.code).toBe(0);
    const [, backedUp, backupDir] = /Backed up (\S+) to (\S+)\//.exec(result.stdout) ?? [];
    expect(backedUp).toBe("lessons/01-tracer-setup/tracing.ts");
    expect(backupDir).toMatch(/^\.workbook\/backups\/.+-01-tracer-setup$/);
    expect(readFileSync(path.join(copy.root, backupDir!, "tracing.ts"), "utf8")).toBe(work);
    expect(readFileSync(lessonFile(), "utf8")).toBe(starterText);

    const name = path.basename(backupDir!);
    expect(result.stdout).toContain(`npm run workbook -- reset 1 --restore ${name}`);

    const backups = await runWorkbook(copy.root, ["reset", "1", "--backups"]);
    expect(backups.code).toBe(0);
    expect(backups.stdout).toContain(`  ${name}\n`);
    expect(backups.stdout).toMatch(/made \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}, tracing\.ts \([\d,]+ bytes\)/);
    const addedLine = starterText.split("\n").length + 1;
    expect(backups.stdout).toContain(`first change from the starter: tracing.ts line ${addedLine}: // my work in progress`);
    expect(backups.stdout).toContain(`--restore ${name}`);

    const restored = await runWorkbook(copy.root, ["reset", "1", "--restore", name]);
    expect(restored.code).toBe(0);
    expect(readFileSync(lessonFile(), "utf8")).toBe(work);
    // The starter it replaced is no work of the learner's: no backup of it crowds the list.
    expect(restored.stdout).not.toContain("Backed up");
  });

  it("restore takes the name --backups prints, so it still puts back the learner's work after a delete and other backups", async () => {
    const work = `${starterText}\n// the version I want back\n`;
    writeFileSync(lessonFile(), work);
    const reset = await runWorkbook(copy.root, ["reset", "1", "--yes"]);
    const wanted = /--restore (\S+)\)/.exec(reset.stdout)?.[1];
    expect(wanted).toBeDefined();
    // A second attempt, put away by restoring the first: that makes a newer backup.
    writeFileSync(lessonFile(), `${starterText}\n// a second attempt\n`);
    const first = await runWorkbook(copy.root, ["reset", "1", "--restore", wanted!]);
    expect(first.stdout).toMatch(/Backed up your current files to \S+\/ \(name: \S+-01-tracer-setup\)/);
    // Then the file is deleted by accident.
    rmSync(lessonFile());
    const backups = await runWorkbook(copy.root, ["reset", "1", "--backups"]);
    expect(backups.stdout).toContain("// a second attempt");
    expect(backups.stdout).toContain("// the version I want back");
    const again = await runWorkbook(copy.root, ["reset", "1", "--restore", `.workbook/backups/${wanted}/`]);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain("Backed up");
    expect(readFileSync(lessonFile(), "utf8")).toBe(work);
  });

  it("restore refuses a number (it would shift with every new backup) and an unknown name, naming --backups", async () => {
    const numbered = await runWorkbook(copy.root, ["reset", "1", "--restore", "1"]);
    expect(numbered.code).toBe(2);
    expect(numbered.stderr).toContain("Backups are named, not numbered");
    expect(numbered.stderr).toContain("npm run workbook -- reset 1 --backups");
    const unknown = await runWorkbook(copy.root, ["reset", "1", "--restore", "2020-01-01T00-00-00-000Z-01-tracer-setup"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('There is no backup "2020-01-01T00-00-00-000Z-01-tracer-setup" of lesson 1');
  });

  it("a deleted lesson file without backups is named with the reset that brings the starter back", async () => {
    const file = path.join(copy.root, "lessons/02-first-span/chatbot.ts");
    const text = readFileSync(file, "utf8");
    rmSync(file);
    try {
      const check = await runWorkbook(copy.root, ["check", "2"]);
      expect(check.code).toBe(1);
      expect(check.stdout).toContain("lessons/02-first-span/chatbot.ts is missing");
      expect(check.stdout).toContain("Get the starter back with `npm run workbook -- reset 2`");
      expect(check.stdout).not.toContain("--restore");
    } finally {
      writeFileSync(file, text);
    }
  });

  it("a deleted lesson file with backups is named with reset, and with --restore of the newest backup and --backups", async () => {
    rmSync(lessonFile());
    const newest = readdirSync(path.join(copy.root, ".workbook/backups")).filter((name) => name.endsWith("-01-tracer-setup")).sort().at(-1);
    const check = await runWorkbook(copy.root, ["check", "1"]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("reset 1");
    expect(check.stdout).toContain(`npm run workbook -- reset 1 --restore ${newest}`);
    expect(check.stdout).toContain("npm run workbook -- reset 1 --backups");
    const diff = await runWorkbook(copy.root, ["diff", "1"]);
    expect(diff.stdout).toContain(`--restore ${newest}`);
    const run = await runWorkbook(copy.root, ["run", "1"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`--restore ${newest}`);
    const reset = await runWorkbook(copy.root, ["reset", "1", "--yes"]);
    expect(reset.code).toBe(0);
    expect(readFileSync(lessonFile(), "utf8")).toBe(starterText);
  });

  it("a syntax error shows file, line, column and a code frame, not a stack", async () => {
    writeFileSync(lessonFile(), starterText.replace("new BasicTracerProvider();", "new BasicTracerProvider(;"));
    const result = await runWorkbook(copy.root, ["check", "1"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Syntax error in lessons\/01-tracer-setup\/tracing\.ts:\d+:\d+/);
    expect(result.stdout).toContain("> ");
    expect(result.stdout).toContain("new BasicTracerProvider(;");
    expect(result.stdout).not.toContain("node_modules");
  });

  it("a TypeError in the learner's code points at their line", async () => {
    writeFileSync(lessonFile(), starterText.replace("new BasicTracerProvider();", "new BasicTracerProvider(); (provider as any).start();"));
    const result = await runWorkbook(copy.root, ["check", "1"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("TypeError");
    expect(result.stdout).toMatch(/at lessons\/01-tracer-setup\/tracing\.ts:\d+:\d+/);
    expect(result.stdout).not.toContain("node_modules");
  });

  it("a lesson that never finishes is stopped after the timeout, with a message", async () => {
    writeFileSync(lessonFile(), starterText.replace("return provider;", "while (true) {}\n  return provider;"));
    const result = await runWorkbook(copy.root, ["check", "1"], { WORKBOOK_CHECK_TIMEOUT_MS: "4000" });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("the check was stopped after 4 s");
    writeFileSync(lessonFile(), starterText);
  });

  it("run prints the reply and the span tree", async () => {
    writeFileSync(lessonFile(), readFileSync(solutionFile(), "utf8"));
    const result = await runWorkbook(copy.root, ["run", "1"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("bot:");
    expect(result.stdout).toContain("spans:");
    expect(result.stdout).not.toMatch(ANSI);
  });

  it("solution prints where the solution is and its code", async () => {
    const result = await runWorkbook(copy.root, ["solution", "1"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("solutions/01-tracer-setup/tracing.ts");
    expect(result.stdout).toContain("new SimpleSpanProcessor");
  });

  it("a corrupted state file is rebuilt with a warning, not a crash", async () => {
    mkdirSync(path.join(copy.root, ".workbook"), { recursive: true });
    writeFileSync(path.join(copy.root, ".workbook/state.json"), "{ not json");
    const result = await runWorkbook(copy.root, ["list"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(".workbook/state.json is not valid JSON");
    expect(result.stdout).toContain(`0/${LESSONS} lessons done`);
  });

  it("a state file of the wrong shape is rebuilt with a warning too, naming what is wrong", async () => {
    writeFileSync(path.join(copy.root, ".workbook/state.json"), JSON.stringify({ version: 1, current: 2, done: "01-tracer-setup", hintsShown: "2" }));
    const result = await runWorkbook(copy.root, ["list"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('.workbook/state.json has a "current" that is not a lesson slug (found 2)');
    expect(result.stderr).toContain("npm run workbook -- check");
    expect(result.stdout).toContain(`0/${LESSONS} lessons done`);
  });

  it("hints read and a lesson reset in separate commands all stay in the progress file", async () => {
    writeFileSync(path.join(copy.root, ".workbook/state.json"), JSON.stringify({ version: 1, current: "01-tracer-setup", done: ["01-tracer-setup", "02-first-span"], hintsShown: {} }));
    await Promise.all([runWorkbook(copy.root, ["hint", "6"]), runWorkbook(copy.root, ["hint", "5"]), runWorkbook(copy.root, ["reset", "2", "--yes"])]);
    const state = JSON.parse(readFileSync(path.join(copy.root, ".workbook/state.json"), "utf8"));
    expect(state.hintsShown).toEqual({ "06-errors": 1, "05-tools": 1 });
    expect(state.done).toEqual(["01-tracer-setup"]);
  });

  it("left the real workbook alone: everything happened in the copy", () => {
    expect(existsSync(path.join(copy.root, ".workbook/backups"))).toBe(true);
    expect(readdirSync(path.join(copy.root, ".workbook/backups")).length).toBeGreaterThan(0);
  });
});
