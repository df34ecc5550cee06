// The plain subcommands (`npm run workbook -- <command>`), for scripts, CI and anyone who
// prefers them to watch mode. Output is plain text when piped; the exit code is the verdict:
// 0 passed / done, 1 failed, 2 the command line itself is wrong.
import { readFileSync } from "node:fs";
import path from "node:path";
import { findLesson, type Lesson } from "../../shared/lessons/catalog.ts";
import { WarmLessonRunner } from "../lib/warm-lesson-runner.ts";
import { findBackup, listBackups } from "./backups.ts";
import { formatCheck, lessonLabel } from "./check-report.ts";
import { confirm } from "./confirm.ts";
import { diffAgainstSolution } from "./diff.ts";
import { lessonPath, readmePath, requireSolutionFiles, solutionPath } from "./lesson-files.ts";
import { hintProgress, revealNextHint } from "./lesson-hints.ts";
import { lessonLine, validLessons } from "./lesson-list.ts";
import { WorkbookProblem } from "./problems.ts";
import { missingFiles, resetLesson, restoreBackup } from "./reset.ts";
import { runLessonFile, timeoutMessage } from "./run-lesson-file.ts";
import { loadState, openingLesson, recordVerdict, saveState, type WorkbookState } from "./state.ts";
import { interactive, progressBar, style } from "./terminal-style.ts";

export const USAGE = `Usage:
  npm start                         watch mode: checks the current lesson on every save (needs a terminal)
  npm start -- --manual             watch mode that checks when you press Enter (where file watching fails)
  npm run workbook -- <command>

Commands (<n> is a lesson: 3, 03 or its slug, e.g. 03-llm-attributes):
  list                              the lessons, done or pending, and your progress
  check [<n>]                       check lesson n, or every lesson; exit code 0 when all pass
  run <n>                           run the lesson's chatbot once: its reply and its span tree
  hint <n>                          the next hint of lesson n
  diff <n>                          your files against the solution, whitespace ignored
  reset <n> [--yes]                 back up your files of lesson n, then restore the starter
  reset <n> --backups               list lesson n's backups, newest first
  reset <n> --restore <k|name>      put backup k back (your current files are backed up first)
  solution <n>                      where the solution is, and its code`;

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface CommandContext {
  root: string;
  lessons: Lesson[];
}

type Print = (text?: string) => void;
const print: Print = (text = "") => process.stdout.write(`${text}\n`);
const printError: Print = (text = "") => process.stderr.write(`${text}\n`);

export async function runCommand(argv: string[], context: CommandContext): Promise<number> {
  const [name, ...rest] = argv;
  const flags = new Set(rest.filter((arg) => arg.startsWith("--")));
  const positional = rest.filter((arg) => !arg.startsWith("--"));
  switch (name) {
    case "list":
      return list(context);
    case "check":
      return positional[0] === undefined ? checkAll(context) : withLesson(context, positional[0], (lesson) => checkOne(context, lesson));
    case "run":
      return withLesson(context, positional[0], (lesson) => run(context, lesson, positional.slice(1)));
    case "hint":
      return withLesson(context, positional[0], (lesson) => hint(context, lesson));
    case "diff":
      return withLesson(context, positional[0], (lesson) => diff(context, lesson));
    case "solution":
      return withLesson(context, positional[0], (lesson) => solution(context, lesson));
    case "reset":
      return withLesson(context, positional[0], (lesson) => {
        if (flags.has("--backups")) return backups(context, lesson);
        if (flags.has("--restore")) return restore(context, lesson, positional[1]);
        return reset(context, lesson, flags.has("--yes"));
      });
    case "help":
    case "--help":
    case "-h":
      print(USAGE);
      return EXIT.ok;
    default:
      printError(name === undefined ? USAGE : `Unknown command "${name}".\n\n${USAGE}`);
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

function state(context: CommandContext): WorkbookState {
  const loaded = loadState(context.root, context.lessons);
  if (loaded.warning) printError(style.yellow(`Warning: ${loaded.warning}`));
  return loaded.state;
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
    const current = recordVerdict(state(context), context.lessons, lesson.slug, check!.passed);
    saveState(context.root, current);
    print(formatCheck(check!, context.root));
    print();
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
    let current = state(context);
    for (const check of checks) {
      current = recordVerdict(current, context.lessons, check.lesson.slug, check.passed);
      const passing = check.tests.filter((test) => test.passed).length;
      const detail = check.timedOutAfterMs !== undefined ? "timed out" : `${passing}/${check.tests.length} checks pass`;
      print(`${check.passed ? style.green("✓") : style.red("✗")} ${lessonLabel(check)} (${detail})`);
    }
    saveState(context.root, current);
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
    printError(`lessons/${lesson.slug}/${missing[0]} is missing. Get the starter back with: npm run workbook -- reset ${lesson.number}`);
    return EXIT.failed;
  }
  const outcome = await runLessonFile(context.root, lesson, { capture: false, color: interactive, args });
  if (outcome.timedOutAfterMs !== undefined) printError(style.red(timeoutMessage(lesson, outcome.timedOutAfterMs)));
  return outcome.exitCode === 0 ? EXIT.ok : EXIT.failed;
}

function hint(context: CommandContext, lesson: Lesson): number {
  const reveal = revealNextHint(context.root, lesson, state(context));
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
  for (const file of lesson.files) {
    const relative = solutionPath(lesson, file);
    print(style.bold(`// ${relative}`));
    print(readFileSync(path.join(context.root, relative), "utf8"));
  }
  print(style.dim(`Your files against it: npm run workbook -- diff ${lesson.number}`));
  return EXIT.ok;
}

async function reset(context: CommandContext, lesson: Lesson, yes: boolean): Promise<number> {
  if (!yes) {
    if (!interactive || !process.stdin.isTTY) {
      printError(`Resetting replaces your files of lesson ${lesson.number} with the starter. Add --yes to confirm: npm run workbook -- reset ${lesson.number} --yes`);
      return EXIT.usage;
    }
    if (!(await confirm(`Reset lesson ${lesson.number} to the starter? Your files are backed up first.`))) {
      print("Nothing changed.");
      return EXIT.ok;
    }
  }
  const outcome = resetLesson(context.root, lesson);
  print(outcome.backup ? `Backed up your files to ${path.relative(context.root, outcome.backup.dir)}/` : "Your files were the starter already (or missing): nothing to back up.");
  print(`Restored the starter: ${outcome.restored.join(", ")}`);
  const current = recordVerdict(state(context), context.lessons, lesson.slug, false);
  saveState(context.root, current);
  print(style.dim(`Backups of this lesson: npm run workbook -- reset ${lesson.number} --backups`));
  return EXIT.ok;
}

function backups(context: CommandContext, lesson: Lesson): number {
  const found = listBackups(context.root, lesson);
  if (found.length === 0) {
    print(`Lesson ${lesson.number} has no backups yet (reset makes one before restoring the starter).`);
    return EXIT.ok;
  }
  found.forEach((backup, index) => print(`${String(index + 1).padStart(2)}  ${path.relative(context.root, backup.dir)}/  (${backup.files.join(", ")})`));
  print(); print(style.dim(`Put one back: npm run workbook -- reset ${lesson.number} --restore <number>`));
  return EXIT.ok;
}

function restore(context: CommandContext, lesson: Lesson, query: string | undefined): number {
  const backup = query === undefined ? undefined : findBackup(context.root, lesson, query);
  if (!backup) {
    printError(`${query === undefined ? "Which backup?" : `There is no backup "${query}" of lesson ${lesson.number}.`} See them with: npm run workbook -- reset ${lesson.number} --backups`);
    return EXIT.usage;
  }
  const outcome = restoreBackup(context.root, lesson, backup);
  if (outcome.backup) print(`Backed up your current files to ${path.relative(context.root, outcome.backup.dir)}/`);
  print(`Restored ${outcome.restored.join(", ")} from ${path.relative(context.root, backup.dir)}/`);
  return EXIT.ok;
}
