// `npm run verify`: the project's own checks, green on a fresh clone.
//  1. typecheck;  2. every lesson is well formed: its README, hints and TODOs; the modules it does
//     not edit carried byte for byte from the previous solution; the files it edits short, their
//     TODOs numbered in reading order; its README's "What to edit" naming them;
//  3. every solution passes its lesson's tests;
//  3b. every row of a lesson README's "Expected spans" table is a key its tests assert;
//  4. every starter fails them, by assertions of its own lesson (not an import error, and no
//     test of the lesson's new skill passes unsolved);  5. the project's unit tests.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import chalk from "chalk";
import { lessonFile, lessonPath, loadCatalog, previousLesson, projectRoot } from "../shared/lessons/catalog.ts";
import { WarmLessonRunner, type LessonCheck } from "./lib/warm-lesson-runner.ts";
import { checkCarriedModules } from "./lib/carried-modules.ts";
import { checkEditedFiles, FIRST_TODO_BY, MAX_LINES } from "./lib/edited-files.ts";
import { checkLessonStructure } from "./lib/lesson-structure.ts";
import { checkWhatToEdit } from "./lib/what-to-edit.ts";
import { expectedRows, uncheckedKeys } from "./lib/readme-expectations.ts";
import { CHECKED_KEYS_VARIABLE, LESSON_FAILURE, SOURCE_VARIABLE, SUITE_VARIABLE, isOwnLessonGroup, lessonGroupTitle } from "../shared/lessons/check-contract.ts";

let passed = 0;
let failed = 0;
function report(ok: boolean, what: string, details: string[] = []): void {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? chalk.green("✓") : chalk.red("✗")} ${what}`);
  for (const line of details) console.log(chalk.dim(`    ${line}`));
}

function runStep(what: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): void {
  console.log(chalk.bold(`\n${what}: ${command} ${args.join(" ")}`));
  const result = spawnSync(command, args, { cwd: projectRoot, stdio: "inherit", env: { ...process.env, ...env } });
  report(result.status === 0, what, result.status === 0 ? [] : [`exited with ${result.status ?? result.signal}`]);
}

const lessons = loadCatalog();

/** Every lesson's tests against lessons/ or solutions/, with the runner the workbook CLI uses. */
async function checkLessons(source: "lessons" | "solutions"): Promise<LessonCheck[]> {
  // A generous watchdog: on a loaded CI machine, six lessons take seconds, not the 20 s of one check.
  const runner = new WarmLessonRunner({ source, checkTimeoutMs: 180_000 });
  try {
    return await runner.check(lessons);
  } finally {
    await runner.close();
  }
}

const describeError = (error: { name?: string; message: string }) => `${error.name ?? "Error"}: ${error.message}`;
const bin = (name: string) => path.join(projectRoot, "node_modules", ".bin", name);

runStep("typecheck", bin("tsc"), ["--noEmit"]);

console.log(chalk.bold("\nlesson structure"));
for (const lesson of lessons) {
  const problems = checkLessonStructure(lesson);
  report(problems.length === 0, `${lesson.slug}: README with hints, TODOs, test, solution without TODOs`, problems);
}

console.log(chalk.bold("\nmodules a lesson does not edit are the previous solution's, byte for byte (and its solution's)"));
for (const lesson of lessons) {
  const previous = previousLesson(lesson, lessons);
  const from = previous ? `carried from ${lessonPath(previous, "solutions")}` : "the same in its solution (the first lesson carries nothing)";
  report(...checked(`${lesson.slug}: every module but ${lesson.files.join(", ")} ${from}`, checkCarriedModules(lesson, lessons)));
}

console.log(chalk.bold(`\nfiles the learner edits: at most ${MAX_LINES} lines, the first TODO within ${FIRST_TODO_BY}, TODO 1...n in reading order`));
for (const lesson of lessons) {
  report(...checked(`${lesson.slug}: ${lesson.files.join(", ")}`, checkEditedFiles(lesson)));
}

console.log(chalk.bold('\neach README\'s "What to edit" names the files the lesson edits'));
for (const lesson of lessons) {
  report(...checked(`${lessonPath(lesson, "lessons", "README.md")} names ${lesson.files.join(", ")}`, checkWhatToEdit(lesson)));
}

console.log(chalk.bold("\nsolutions pass their lessons' tests"));
// The lesson tests write down which keys their checks asserted, for the README check below.
const checkedKeysDir = mkdtempSync(path.join(os.tmpdir(), "workbook-checked-keys-"));
process.env[CHECKED_KEYS_VARIABLE] = checkedKeysDir;
const solutionChecks = await checkLessons("solutions");
delete process.env[CHECKED_KEYS_VARIABLE];
for (const result of solutionChecks) {
  const failing = result.tests.filter((test) => !test.passed);
  report(result.passed, `${lessonPath(result.lesson, "solutions")}: ${result.tests.length} tests pass`, [
    ...(result.timedOutAfterMs ? [`timed out after ${result.timedOutAfterMs} ms`] : []),
    ...result.fileErrors.map((error) => firstLine(describeError(error))),
    ...failing.map((test) => `${test.title}: ${firstLine(test.errors[0] ? describeError(test.errors[0]) : "")}`),
  ]);
}

console.log(chalk.bold("\nevery row of each README's \"Expected spans\" table is checked by the lesson's tests"));
for (const lesson of lessons) {
  const readme = lessonFile(lesson, "lessons", "README.md");
  const rows = expectedRows(readFileSync(readme, "utf8"));
  const keysFile = path.join(checkedKeysDir, `${lesson.slug}.json`);
  const checked = existsSync(keysFile) ? (JSON.parse(readFileSync(keysFile, "utf8")) as string[]) : [];
  const problems = rows.length === 0 ? ['no "## Expected spans" table with a "Key" or "Checked" column'] : [];
  for (const row of rows) {
    if (row.keys.length === 0) problems.push(`this row names nothing to check (a key in backticks, or status/exception/ended/parent): ${row.text}`);
    const unchecked = uncheckedKeys(row, checked);
    if (unchecked.length > 0) problems.push(`no test checks ${unchecked.join(", ")}: ${row.text.slice(0, 120)}`);
  }
  report(problems.length === 0, `${lessonPath(lesson, "lessons", "README.md")}: ${rows.length} expected rows, each checked`, problems);
}
rmSync(checkedKeysDir, { recursive: true, force: true });

console.log(chalk.bold("\nstarters fail their lessons' tests, for the lesson's own reasons"));
for (const result of await checkLessons("lessons")) {
  report(...judgeStarter(result));
}

// The lesson runner set the lesson suite's variables in this process: the project's own suite must not inherit them.
runStep("project unit tests (offline model, harness, trace view, CLI, app)", bin("vitest"), ["run"], { [SUITE_VARIABLE]: "", [SOURCE_VARIABLE]: "" });

console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;

/** A starter must load, fail, and fail every test of its own lesson by an assertion. */
function judgeStarter(result: LessonCheck): [boolean, string, string[]] {
  const what = `${lessonPath(result.lesson, "lessons")} (starter) fails its tests`;
  if (result.timedOutAfterMs) return [false, what, [`the check timed out after ${result.timedOutAfterMs} ms`]];
  if (result.fileErrors.length > 0) return [false, what, [`the test file itself failed: ${firstLine(describeError(result.fileErrors[0]!))}`]];
  const ownGroup = lessonGroupTitle(result.lesson, "...");
  const skillTests = result.tests.filter((test) => isOwnLessonGroup(result.lesson, test.groups[0]));
  const problems: string[] = [];
  if (skillTests.length === 0) problems.push(`no tests under a describe("${ownGroup}") block`);
  for (const test of skillTests) {
    if (test.passed) problems.push(`"${test.title}" passes on the unsolved starter: it checks nothing the lesson teaches`);
    else if (!test.errors.every((error) => error.name === LESSON_FAILURE || error.name === "AssertionError")) {
      problems.push(`"${test.title}" fails with an error, not a lesson check: ${firstLine(test.errors[0] ? describeError(test.errors[0]) : "")}`);
    }
  }
  return [problems.length === 0, `${what} (${skillTests.length} of the lesson's own tests fail)`, problems];
}

/** A check's verdict for report(): passed when it found no problem. */
function checked(what: string, problems: string[]): [boolean, string, string[]] {
  return [problems.length === 0, what, problems];
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0]!.slice(0, 200);
}
