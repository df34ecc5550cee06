// The plain subcommands (`npm run workbook -- <command>`), for scripts, CI and anyone who
// prefers them to watch mode. Output is plain text when piped; the exit code is the verdict:
// 0 passed / done, 1 failed, 2 the command line itself is wrong.
import { readFileSync } from "node:fs";
import path from "node:path";
import { findLesson, type Lesson } from "../../shared/lessons/catalog.ts";
import { WarmLessonRunner } from "../lib/warm-lesson-runner.ts";
import { describeBackups } from "./backup-list.ts";
import { findBackup, listBackups } from "./backups.ts";
import { EXIT, USAGE, type ParsedCommandLine } from "./command-line.ts";
import { brokenDoneLesson, formatCheck, lessonLabel } from "./check-report.ts";
import { confirm } from "./confirm.ts";
import { diffAgainstSolution } from "./diff.ts";
import { lessonFingerprint, lessonPath, readmePath, requireSolutionFiles, solutionPath } from "./lesson-files.ts";
import { hintProgress, revealNextHint, type StateUpdate } from "./lesson-hints.ts";
import { lessonLine, validLessons } from "./lesson-list.ts";
import { WorkbookProblem } from "./problems.ts";
import { describeReset, getBackAdvice, missingFiles, resetLesson, restoreBackup } from "./reset.ts";
import { runLessonFile, timeoutMessage } from "./run-lesson-file.ts";
import { loadState, openingLesson, recordVerdict, updateState, type LoadedState, type WorkbookState } from "./state.ts";
import { interactive, progressBar, style } from "./terminal-style.ts";

export interface CommandContext {
  root: string;
  lessons: Lesson[];
}

type Print = (text?: string) => void;
const print: Print = (text = "") => process.stdout.write(`${text}\n`);
const printError: Print = (text = "") => process.stderr.write(`${text}\n`);

/** Runs a plain command, as parseCommandLine read it; resolves to the exit code. */
export async function runCommand(line: ParsedCommandLine, context: CommandContext): Promise<number> {
  if ("wrong" in line) {
    printError(`${line.wrong}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const [lesson, ...words] = line.positionals;
  const [second] = words;
  switch (line.command) {
    case "list":
      return list(context);
    case "check":
      return lesson === undefined ? checkAll(context) : withLesson(context, lesson, (found) => checkOne(context, found));
    case "run":
      return withLesson(context, lesson, (found) => run(context, found, words));
    case "hint":
      return withLesson(context, lesson, (found) => hint(context, found, second));
    case "diff":
      return withLesson(context, lesson, (found) => diff(context, found));
    case "solution":
      return withLesson(context, lesson, (found) => solution(context, found));
    case "reset":
      return withLesson(context, lesson, (found) => {
        if (second !== undefined && (line.backups || line.restore !== undefined)) {
          printError(`--backups and --restore are about the whole lesson: leave out "${second}".\n\n${USAGE}`);
          return EXIT.usage;
        }
        if (line.backups) return backups(context, found);
        if (line.restore !== undefined) return restore(context, found, line.restore);
        return reset(context, found, line.yes, second);
      });
    case "help":
      print(USAGE);
      return EXIT.ok;
    case "watch":
      printError(`Watch mode is started with \`npm start\`, not as a command.\n\n${USAGE}`);
      return EXIT.usage;
  }
}

async function withLesson(
  context: CommandContext,
  query: string | undefined,
  action: (lesson: Lesson) => number | Promise<number>,
): Promise<number> {
  if (query === undefined) {
    printError(`Which lesson? Give its number or slug, e.g. \`npm run workbook -- check 1\`. The lessons are:\n${validLessons(context.lessons)}`);
    return EXIT.usage;
  }
  const lesson = findLesson(context.lessons, query);
  if (!lesson) {
    printError(`There is no lesson "${query}". Use a number, a two-digit number or a slug; the lessons are:\n${validLessons(context.lessons)}`);
    return EXIT.usage;
  }
  try {
    return await action(lesson);
  } catch (error) {
    // An expected problem is told as its message; anything else is a bug and goes up to
    // workbook.ts, which prints it with its stack.
    if (!(error instanceof WorkbookProblem)) throw error;
    printError(style.red(error.message));
    return EXIT.failed;
  }
}

function told(loaded: LoadedState): WorkbookState {
  if (loaded.warning) printError(style.yellow(`Warning: ${loaded.warning}`));
  return loaded.state;
}

function state(context: CommandContext): WorkbookState {
  return told(loadState(context.root, context.lessons));
}

/** Changes the saved progress (read, change, write in one step) and warns if the file was damaged. */
function update(context: CommandContext): StateUpdate {
  return (change) => told(updateState(context.root, context.lessons, change));
}

function list(context: CommandContext): number {
  const current = state(context);
  const opening = openingLesson(current, context.lessons);
  for (const lesson of context.lessons) print(lessonLine(lesson, current, opening));
  print();
  print(progressBar(current.done.length, context.lessons.length));
  print(style.dim("Done means the lesson's check passed when last run; `npm run workbook -- check` re-confirms all."));
  return EXIT.ok;
}

async function checkOne(context: CommandContext, lesson: Lesson): Promise<number> {
  const runner = new WarmLessonRunner({ root: context.root });
  try {
    const [check] = await runner.check([lesson]);
    const before = loadState(context.root, context.lessons).state;
    const current = update(context)((saved) => recordVerdict(saved, context.lessons, lesson.slug, check!.passed, lessonFingerprint(context.root, lesson)));
    print(formatCheck(check!, context.root));
    print();
    const broken = brokenDoneLesson(check!, before, context.root);
    if (broken) print(`${broken}\n`);
    if (check!.passed) {
      print(`Compare with the solution: ${lesson.files.map((file) => solutionPath(lesson, file)).join(", ")}`);
    } else {
      printWhereToWork(context, lesson, current);
    }
    print(progressBar(current.done.length, context.lessons.length));
    return check!.passed ? EXIT.ok : EXIT.failed;
  } finally {
    await runner.close();
  }
}

async function checkAll(context: CommandContext): Promise<number> {
  const runner = new WarmLessonRunner({ root: context.root });
  try {
    const checks = await runner.check(context.lessons);
    const before = loadState(context.root, context.lessons).state;
    const current = update(context)((saved) =>
      checks.reduce((state, check) => recordVerdict(state, context.lessons, check.lesson.slug, check.passed, lessonFingerprint(context.root, check.lesson)), saved),
    );
    for (const check of checks) {
      const passing = check.tests.filter((test) => test.passed).length;
      const detail = check.timedOutAfterMs !== undefined ? "timed out" : `${passing}/${check.tests.length} checks pass`;
      const wasDone = !check.passed && before.done.includes(check.lesson.slug) ? ", done before: a later edit broke it" : "";
      print(`${check.passed ? style.green("✓") : style.red("✗")} ${lessonLabel(check)} (${detail}${wasDone})`);
    }
    print();
    const unfinished = checks.filter((check) => !check.passed);
    const firstFailing = unfinished[0];
    if (firstFailing) {
      // The first unfinished lesson is the one to work on: its failure explained, where to read and edit.
      print(`${unfinished.length} of ${checks.length} lessons unfinished: ${unfinished.map((check) => check.lesson.number).join(", ")}.`);
      print();
      print(formatCheck(firstFailing, context.root));
      print();
      printWhereToWork(context, firstFailing.lesson, current);
    } else {
      print(style.green(`All ${checks.length} lessons done. The finished app is in solutions/app.`));
    }
    print(progressBar(current.done.length, context.lessons.length));
    return firstFailing ? EXIT.failed : EXIT.ok;
  } finally {
    await runner.close();
  }
}

function printWhereToWork(context: CommandContext, lesson: Lesson, current: WorkbookState): void {
  print(`Read: ${readmePath(lesson)}`);
  print(`Edit: ${lesson.files.map((file) => lessonPath(lesson, file)).join(", ")}`);
  print(hintProgress(context.root, lesson, current, `next: npm run workbook -- hint ${lesson.number}`));
}

async function run(context: CommandContext, lesson: Lesson, args: string[]): Promise<number> {
  const missing = missingFiles(context.root, lesson);
  if (missing.length > 0) {
    printError([`${lessonPath(lesson, missing[0]!)} is missing.`, ...getBackAdvice(context.root, lesson)].join("\n"));
    return EXIT.failed;
  }
  const outcome = await runLessonFile(context.root, lesson, { capture: false, color: interactive, args });
  if (outcome.timedOutAfterMs !== undefined) printError(style.red(timeoutMessage(lesson, outcome.timedOutAfterMs)));
  return outcome.exitCode === 0 ? EXIT.ok : EXIT.failed;
}

function hint(context: CommandContext, lesson: Lesson, number: string | undefined): number {
  if (number !== undefined && !/^\d+$/.test(number)) {
    printError(`Which hint? Give its number, e.g. \`npm run workbook -- hint ${lesson.number} 2\`, or none for the next one.`);
    return EXIT.usage;
  }
  const reveal = revealNextHint(context.root, lesson, update(context), number === undefined ? undefined : Number(number));
  if ("problem" in reveal) {
    printError(reveal.problem);
    return EXIT.failed;
  }
  print(style.bold(`${lessonLabel({ lesson })}, `) + reveal.text);
  print();
  print(
    style.dim(
      reveal.isLast
        ? `That was the last hint. Still stuck? Compare with the solution: npm run workbook -- diff ${lesson.number}`
        : `Run it again for hint ${reveal.number + 1}.`,
    ),
  );
  return EXIT.ok;
}

function diff(context: CommandContext, lesson: Lesson): number {
  const result = diffAgainstSolution(context.root, lesson, interactive);
  print(result.text);
  return EXIT.ok;
}

function solution(context: CommandContext, lesson: Lesson): number {
  requireSolutionFiles(context.root, lesson);
  const files = lesson.files.map((file) => solutionPath(lesson, file));
  print(`The solution of lesson ${lesson.number}, ${files.length === 1 ? "the file it edits" : `the ${files.length} files it edits, in reading order`}: ${files.join(", ")}`);
  for (const relative of files) {
    print();
    print(style.bold(`// ${relative}`));
    print(readFileSync(path.join(context.root, relative), "utf8"));
  }
  print(style.dim(`Your files against it: npm run workbook -- diff ${lesson.number}`));
  return EXIT.ok;
}

async function reset(context: CommandContext, lesson: Lesson, yes: boolean, file: string | undefined): Promise<number> {
  const what = file === undefined ? `your files of lesson ${lesson.number} (${lesson.files.join(", ")})` : lessonPath(lesson, file);
  if (!yes) {
    const command = `npm run workbook -- reset ${lesson.number}${file === undefined ? "" : ` ${file}`} --yes`;
    if (!interactive || !process.stdin.isTTY) {
      printError(`Resetting replaces ${what} with the starter. Add --yes to confirm: ${command}`);
      return EXIT.usage;
    }
    if (!(await confirm(`Reset ${what} to the starter? What you changed is backed up first.`))) {
      print("Nothing changed.");
      return EXIT.ok;
    }
  }
  const outcome = resetLesson(context.root, lesson, file);
  for (const line of describeReset(context.root, lesson, outcome)) print(line);
  update(context)((saved) => recordVerdict(saved, context.lessons, lesson.slug, false));
  print(style.dim(`Backups of this lesson: npm run workbook -- reset ${lesson.number} --backups`));
  return EXIT.ok;
}

function backups(context: CommandContext, lesson: Lesson): number {
  const found = listBackups(context.root, lesson);
  if (found.length === 0) {
    print(`Lesson ${lesson.number} has no backups yet (reset makes one before restoring the starter).`);
    return EXIT.ok;
  }
  print(`Backups of lesson ${lesson.number}, newest first, in ${path.relative(context.root, path.dirname(found[0]!.dir))}/:`);
  print();
  for (const line of describeBackups(context.root, lesson, found)) print(line);
  print();
  print(style.dim(`Put one back by its name: npm run workbook -- reset ${lesson.number} --restore ${found[0]!.name}`));
  return EXIT.ok;
}

function restore(context: CommandContext, lesson: Lesson, query: string): number {
  const backup = findBackup(context.root, lesson, query);
  if (!backup) {
    const why = /^\d+$/.test(query)
      ? `Backups are named, not numbered: a number would point at another backup as soon as a new one is made.`
      : `There is no backup "${query}" of lesson ${lesson.number}.`;
    printError(`${why} See their names with: npm run workbook -- reset ${lesson.number} --backups`);
    return EXIT.usage;
  }
  const outcome = restoreBackup(context.root, lesson, backup);
  if (outcome.backup) print(`Backed up your current files to ${path.relative(context.root, outcome.backup.dir)}/ (name: ${outcome.backup.name})`);
  print(`Restored ${outcome.restored.join(", ")} from ${path.relative(context.root, backup.dir)}/`);
  return EXIT.ok;
}
