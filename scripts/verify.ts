// `npm run verify`: the project's own checks, green on a fresh clone.
//  1. typecheck;  2. every lesson is well formed;  3. every solution passes its lesson's tests;
//  3b. every row of a lesson README's "Expected spans" table is a key its tests assert;
//  4. every starter fails them, by assertions of its own lesson (not an import error, and no
//     test of the lesson's new skill passes unsolved);  5. the project's unit tests.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import chalk from "chalk";
import { loadCatalog, projectRoot } from "../shared/lessons/catalog.ts";
import { WarmLessonRunner, type LessonCheck } from "./lib/warm-lesson-runner.ts";
import { checkLessonStructure } from "./lib/lesson-structure.ts";
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
  report(problems.length === 0, `${lesson.slug}: README with hints, TODOs, test, mirrored solution`, problems);
}

console.log(chalk.bold("\nsolutions pass their lessons' tests"));
// The lesson tests write down which keys their checks asserted, for the README check below.
const checkedKeysDir = mkdtempSync(path.join(os.tmpdir(), "workbook-checked-keys-"));
process.env[CHECKED_KEYS_VARIABLE] = checkedKeysDir;
const solutionChecks = await checkLessons("solutions");
delete process.env[CHECKED_KEYS_VARIABLE];
for (const result of solutionChecks) {
  const failing = result.tests.filter((test) => !test.passed);
  report(result.passed, `solutions/${result.lesson.slug}: ${result.tests.length} tests pass`, [
    ...(result.timedOutAfterMs ? [`timed out after ${result.timedOutAfterMs} ms`] : []),
    ...result.fileErrors.map((error) => firstLine(describeError(error))),
    ...failing.map((test) => `${test.title}: ${firstLine(test.errors[0] ? describeError(test.errors[0]) : "")}`),
  ]);
}

console.log(chalk.bold("\nevery row of each README's \"Expected spans\" table is checked by the lesson's tests"));
for (const lesson of lessons) {
  const readme = path.join(projectRoot, "lessons", lesson.slug, "README.md");
  const rows = expectedRows(readFileSync(readme, "utf8"));
  const keysFile = path.join(checkedKeysDir, `${lesson.slug}.json`);
  const checked = existsSync(keysFile) ? (JSON.parse(readFileSync(keysFile, "utf8")) as string[]) : [];
  const problems = rows.length === 0 ? ['no "## Expected spans" table with a "Key" or "Checked" column'] : [];
  for (const row of rows) {
    if (row.keys.length === 0) problems.push(`this row names nothing to check (a key in backticks, or status/exception/ended/parent): ${row.text}`);
    const unchecked = uncheckedKeys(row, checked);
    if (unchecked.length > 0) problems.push(`no test checks ${unchecked.join(", ")}: ${row.text.slice(0, 120)}`);
  }
  report(problems.length === 0, `lessons/${lesson.slug}/README.md: ${rows.length} expected rows, each checked`, problems);
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
  const what = `lessons/${result.lesson.slug} (starter) fails its tests`;
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

function firstLine(text: string): string {
  return text.trim().split("\n")[0]!.slice(0, 200);
}
