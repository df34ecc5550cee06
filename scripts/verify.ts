// `npm run verify`: the project's own checks, green on a fresh clone.
//  1. typecheck;  2. every lesson is well formed;  3. every solution passes its lesson's tests;
//  4. every starter fails them, by assertions of its own lesson (not an import error, and no
//     test of the lesson's new skill passes unsolved);  5. the project's unit tests.
import { spawnSync } from "node:child_process";
import path from "node:path";
import chalk from "chalk";
import { loadCatalog, projectRoot } from "../shared/lessons/catalog.ts";
import { runLessonTests, type LessonResult } from "./lib/lesson-tests.ts";
import { checkLessonStructure } from "./lib/lesson-structure.ts";

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
const bin = (name: string) => path.join(projectRoot, "node_modules", ".bin", name);

runStep("typecheck", bin("tsc"), ["--noEmit"]);

console.log(chalk.bold("\nlesson structure"));
for (const lesson of lessons) {
  const problems = checkLessonStructure(lesson);
  report(problems.length === 0, `${lesson.slug}: README with hints, TODOs, test, mirrored solution`, problems);
}

console.log(chalk.bold("\nsolutions pass their lessons' tests"));
for (const result of await runLessonTests(lessons, "solutions")) {
  const failing = result.tests.filter((test) => !test.passed);
  report(result.passed, `solutions/${result.lesson.slug}: ${result.tests.length} tests pass`, [
    ...(result.fileError ? [firstLine(result.fileError)] : []),
    ...failing.map((test) => `${test.title}: ${firstLine(test.failures[0] ?? "")}`),
  ]);
}

console.log(chalk.bold("\nstarters fail their lessons' tests, for the lesson's own reasons"));
for (const result of await runLessonTests(lessons, "lessons")) {
  report(...judgeStarter(result));
}

runStep("project unit tests (offline model, harness, trace view, CLI, app)", bin("vitest"), ["run"]);

console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;

/** A starter must load, fail, and fail every test of its own lesson by an assertion. */
function judgeStarter(result: LessonResult): [boolean, string, string[]] {
  const what = `lessons/${result.lesson.slug} (starter) fails its tests`;
  if (result.fileError) return [false, what, [`the test file itself failed: ${firstLine(result.fileError)}`]];
  const ownGroup = `lesson ${result.lesson.number}:`;
  const skillTests = result.tests.filter((test) => test.groups[0]?.startsWith(ownGroup));
  const problems: string[] = [];
  if (skillTests.length === 0) problems.push(`no tests under a describe("${ownGroup} ...") block`);
  for (const test of skillTests) {
    if (test.passed) problems.push(`"${test.title}" passes on the unsolved starter: it checks nothing the lesson teaches`);
    else if (!test.failures.every((failure) => /^(LessonFailure|AssertionError)\b/.test(failure.trim()))) {
      problems.push(`"${test.title}" fails with an error, not a lesson check: ${firstLine(test.failures[0] ?? "")}`);
    }
  }
  return [problems.length === 0, `${what} (${skillTests.length} of the lesson's own tests fail)`, problems];
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0]!.slice(0, 200);
}
