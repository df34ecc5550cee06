// The plain subcommands, run as a learner's script or CI would run them: piped output (no TTY),
// on a copy of the workbook. Output and exit codes are the contract.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyWorkbook, type RepoCopy } from "../lib/repo-copy.ts";
import { ANSI, runWorkbook } from "./test-support/cli.ts";
import { blockProgressFolder } from "./test-support/unwritable-progress.ts";

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
    expect(result.stdout).toContain("0/6 lessons done");
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
    expect(list.stdout).toContain("1/6 lessons done");
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
    expect(reindented.stdout).toContain("the same as solutions/01-tracer-setup/tracing.ts");
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
    const backupDir = /Backed up your files to (\S+)\//.exec(result.stdout)?.[1];
    expect(backupDir).toMatch(/^\.workbook\/backups\/.+-01-tracer-setup$/);
    expect(readFileSync(path.join(copy.root, backupDir!, "tracing.ts"), "utf8")).toBe(work);
    expect(readFileSync(lessonFile(), "utf8")).toBe(starterText);

    const backups = await runWorkbook(copy.root, ["reset", "1", "--backups"]);
    expect(backups.stdout).toContain(backupDir!);
    const restored = await runWorkbook(copy.root, ["reset", "1", "--restore", "1"]);
    expect(restored.code).toBe(0);
    expect(readFileSync(lessonFile(), "utf8")).toBe(work);
  });

  it("a deleted lesson file is named, and reset brings the starter back", async () => {
    rmSync(lessonFile());
    const check = await runWorkbook(copy.root, ["check", "1"]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("reset 1");
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
    expect(result.stdout).toContain("0/6 lessons done");
  });

  it("left the real workbook alone: everything happened in the copy", () => {
    expect(existsSync(path.join(copy.root, ".workbook/backups"))).toBe(true);
    expect(readdirSync(path.join(copy.root, ".workbook/backups")).length).toBeGreaterThan(0);
  });
});
